package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// privatePostgres is a PostgreSQL server of the test's own, which the
// test may stop and start without disturbing anyone else's databases.
type privatePostgres struct {
	t      *testing.T
	bin    string // directory of initdb and postgres
	dir    string // data directory
	port   int
	cred   *syscall.Credential // the user it runs as, when the test runs as root
	cmd    *exec.Cmd
	exited chan struct{}
	output *lockedBuffer
}

// startPrivatePostgres makes a new cluster in a temporary directory and
// starts it on a free loopback port. Without PostgreSQL's programs the
// test is skipped, unless UPLIFT_REQUIRE_POSTGRES=1.
func startPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			bins = []string{p}
		}
	}
	if len(bins) == 0 {
		if os.Getenv("UPLIFT_REQUIRE_POSTGRES") == "1" {
			t.Fatal("UPLIFT_REQUIRE_POSTGRES=1 but PostgreSQL's initdb is not installed")
		}
		t.Skip("PostgreSQL's initdb and postgres are not installed: the test needs a server of its own to stop and start")
	}
	pg := &privatePostgres{t: t, bin: filepath.Dir(bins[len(bins)-1]), port: freePort(t), output: &lockedBuffer{}}
	// PostgreSQL refuses to run as root: then it runs as the postgres user,
	// in a directory that user owns.
	root, err := os.MkdirTemp("", "uplift-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	pg.dir = filepath.Join(root, "data")
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root, and there is no postgres user to run PostgreSQL as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		pg.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(root, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	initdb := pg.command("initdb", "-D", pg.dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	pg.Start()
	t.Cleanup(pg.Stop)
	return pg
}

func (pg *privatePostgres) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(pg.bin, name), args...)
	if pg.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred}
	}
	cmd.Dir = filepath.Dir(pg.dir)
	return cmd
}

// URL is the server's postgres database, as Uplift is given it.
func (pg *privatePostgres) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)
}

// Start runs the server and waits until it accepts connections.
func (pg *privatePostgres) Start() {
	pg.t.Helper()
	pg.cmd = pg.command("postgres", "-D", pg.dir, "-p", strconv.Itoa(pg.port), "-k", filepath.Dir(pg.dir),
		"-c", "listen_addresses=127.0.0.1", "-c", "shared_buffers=16MB", "-c", "max_connections=50")
	pg.cmd.Stdout, pg.cmd.Stderr = pg.output, pg.output
	if err := pg.cmd.Start(); err != nil {
		pg.t.Fatalf("start postgres: %v", err)
	}
	pg.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) { cmd.Wait(); close(exited) }(pg.cmd, pg.exited)
	pg.WaitAccepting()
}

// WaitAccepting waits until the server accepts connections and runs a
// query, and returns when that was.
func (pg *privatePostgres) WaitAccepting() time.Time {
	pg.t.Helper()
	db, err := sql.Open("pgx", pg.URL()+"&connect_timeout=1")
	if err != nil {
		pg.t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return time.Now()
		}
		if time.Now().After(deadline) {
			pg.t.Fatalf("postgres does not accept connections after 30 s: %v\n%s", err, pg.output.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Stop shuts the server down the fast way (SIGINT: sessions are ended,
// what was committed stays) and waits for it.
func (pg *privatePostgres) Stop() {
	if pg.cmd == nil {
		return
	}
	pg.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-pg.exited:
	case <-time.After(30 * time.Second):
		pg.cmd.Process.Kill()
		<-pg.exited
	}
	pg.cmd = nil
}
