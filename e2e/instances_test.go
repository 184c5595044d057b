package e2e

import (
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to look into the shared database

	"github.com/uplift-dev/uplift/internal/loadtest"
	"github.com/uplift-dev/uplift/internal/pgtest"
)

// newInstance prepares `uplift serve` on dbURL, a database other
// instances may share, on a loopback port of its own; Start runs it. The
// process is stopped when the test ends.
func newInstance(t *testing.T, dbURL string, env ...string) *server {
	t.Helper()
	port := freePort(t)
	s := &server{
		t:         t,
		bin:       upliftBinary(t),
		addr:      fmt.Sprintf("127.0.0.1:%d", port),
		PublicURL: fmt.Sprintf("http://localhost:%d", port),
		output:    &lockedBuffer{},
	}
	s.env = append(cleanEnv(), "UPLIFT_DATABASE_URL="+dbURL, "UPLIFT_ADDR="+s.addr, "UPLIFT_PUBLIC_URL="+s.PublicURL)
	s.env = append(s.env, env...)
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("uplift on %s output:\n%s", s.addr, s.output.String())
		}
	})
	return s
}

// Base is the instance's base URL on its own address.
func (s *server) Base() string { return "http://" + s.addr }

// Two instances started at the same instant on one empty PostgreSQL
// database both come up: one applies the migrations while the other
// waits for its lock, and one creates the first tenant.
func TestInstancesStartTogetherOnAnEmptyDatabase(t *testing.T) {
	dbURL := pgtest.URL(t)
	a, b := newInstance(t, dbURL), newInstance(t, dbURL)
	var cmds []*exec.Cmd
	for _, s := range []*server{a, b} {
		cmd := exec.Command(s.bin, "serve")
		cmd.Env, cmd.Stdout, cmd.Stderr = s.env, s.output, s.output
		cmds = append(cmds, cmd)
	}
	for i, cmd := range cmds { // back to back: both race for the empty database
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		s := []*server{a, b}[i]
		s.cmd, s.exited = cmd, make(chan struct{})
		go func(exited chan struct{}) { cmd.Wait(); close(exited) }(s.exited)
	}
	for _, s := range []*server{a, b} {
		waitReady(t, s)
	}

	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, versions int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&rows, &versions); err != nil {
		t.Fatal(err)
	}
	if rows != versions || versions == 0 {
		t.Errorf("goose_db_version holds %d rows for %d migrations: some ran twice", rows, versions)
	}
	var tenants int
	if err := db.QueryRow(`SELECT count(*) FROM tenants`).Scan(&tenants); err != nil {
		t.Fatal(err)
	}
	if tenants != 1 {
		t.Errorf("%d tenants after two first starts, want 1", tenants)
	}
	out := a.output.String() + b.output.String()
	if n := strings.Count(out, `Created the first tenant "Default"`); n != 1 {
		t.Errorf("%d instances said they created the first tenant, want 1:\n%s", n, out)
	}
	t.Logf("%d migrations applied once each", versions)
}

// waitReady waits until s, already started, answers GET /readyz with 200.
func waitReady(t *testing.T, s *server) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	for {
		resp, err := client.Get(s.Base() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-s.exited:
			t.Fatalf("uplift on %s exited before it was ready:\n%s", s.addr, s.output.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("uplift on %s not ready after %v (last error: %v)", s.addr, readyTimeout, err)
		}
	}
}

// startPair starts two instances on one fresh PostgreSQL database, with
// a tenant made on it, and returns them with the tenant's id and key.
func startPair(t *testing.T, env ...string) (a, b *server) {
	t.Helper()
	dbURL := pgtest.URL(t)
	a = newInstance(t, dbURL, env...)
	a.Start()
	b = newInstance(t, dbURL, env...)
	b.Start()
	tn := a.CreateTenant("Shared")
	a.TenantID, a.SecretKey = tn.ID, tn.SecretKey
	b.TenantID, b.SecretKey = tn.ID, tn.SecretKey
	return a, b
}

// Passkey sign-ins spread over two instances on one database all
// succeed: users registered through one sign in through either.
func TestPasskeySignInsOverTwoInstances(t *testing.T) {
	a, b := startPair(t, "UPLIFT_RATE_LIMITS=off")
	o := loadtest.Options{URL: a.Base() + "," + b.Base(), TenantID: a.TenantID, SecretKey: a.SecretKey,
		Scenarios: []string{loadtest.ScenarioPasskey}, Concurrencies: []int{4}, Users: 20, SetupConcurrency: 4,
		Duration: 2 * time.Second, Warmup: 200 * time.Millisecond, SetupTimeout: time.Minute}
	var out strings.Builder
	results, err := loadtest.Run(withTimeout(t, 2*time.Minute), o, &out, io.Discard)
	if err != nil {
		t.Fatalf("load over two instances: %v\n%s", err, out.String())
	}
	for _, r := range results {
		if r.ErrorCount() != 0 || r.Ops() == 0 {
			t.Errorf("%s over two instances: %d sign-ins, %d errors %v, want some and none:\n%s",
				r.Scenario, r.Ops(), r.ErrorCount(), r.ErrorText, out.String())
		}
		t.Logf("%s over two instances: %d sign-ins, %.0f/s", r.Scenario, r.Ops(), r.OpsPerSec())
	}
}
