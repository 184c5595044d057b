package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to create a fresh database

	"github.com/uplift-dev/uplift/internal/flows"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/store"
)

// Server modes, as reported in the summary.
const (
	ModeProcess   = "process"
	ModeInProcess = "in-process"
	ModeExternal  = "external"
)

// spawned is an Uplift server the tool started, with its tenant.
type spawned struct {
	baseURL, tenantID, secret string
	database                  string // sqlite or postgres
	mode                      string
	pid                       int
	logPath                   string
	stop                      func() error
}

// databaseKind names the engine of a database URL.
func databaseKind(dbURL string) string {
	switch {
	case strings.HasPrefix(dbURL, "sqlite://"):
		return "sqlite"
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		return "postgres"
	}
	return "unknown"
}

// prepareDatabase returns the database URL a spawned server uses: a new
// SQLite file in dir when dbURL is empty, the SQLite file dbURL names
// (which must not exist yet), or a new database created on the PostgreSQL
// server dbURL names; drop removes that database again.
func prepareDatabase(ctx context.Context, dbURL, dir string) (use string, drop func() error, err error) {
	noop := func() error { return nil }
	switch databaseKind(dbURL) {
	case "sqlite":
		path := strings.TrimPrefix(dbURL, "sqlite://")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		if _, err := os.Stat(path); err == nil {
			return "", nil, fmt.Errorf("%s exists: give a new file so the run starts on a fresh database", path)
		}
		return dbURL, noop, nil
	case "postgres":
		if err := checkLoopbackDatabase(dbURL); err != nil {
			return "", nil, err
		}
		return freshPostgres(ctx, dbURL)
	case "unknown":
		if dbURL == "" {
			return "sqlite://" + filepath.Join(dir, "uplift.db"), noop, nil
		}
	}
	return "", nil, fmt.Errorf("database URL must start with sqlite:// or postgres://")
}

// freshPostgres creates an empty database uplift_load_<time> on the server
// of baseURL and returns its URL.
func freshPostgres(ctx context.Context, baseURL string) (string, func() error, error) {
	admin, err := sql.Open("pgx", baseURL)
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	name := fmt.Sprintf("uplift_load_%d", time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u, _ := url.Parse(baseURL)
	u.Path = "/" + name
	drop := func() error {
		db, err := sql.Open("pgx", baseURL)
		if err != nil {
			return err
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return err
	}
	return u.String(), drop, nil
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// buildServer compiles cmd/uplift into dir, for a server process whose
// numbers are not blurred by the go command.
func buildServer(ctx context.Context, dir string, progress io.Writer) (string, error) {
	bin := filepath.Join(dir, "uplift")
	fmt.Fprintln(progress, "building uplift (pass -server-bin to skip) ...")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/uplift-dev/uplift/cmd/uplift")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build cmd/uplift (run from the repository, or pass -server-bin): %v\n%s", err, out.String())
	}
	return bin, nil
}

// startProcess runs `uplift tenant create --json` and then `uplift serve`
// on 127.0.0.1 with a fresh database, and waits until it is ready.
func startProcess(ctx context.Context, bin, dbURL, dir string, extraEnv []string, progress io.Writer) (*spawned, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	public := fmt.Sprintf("http://localhost:%d", port)
	env := append(os.Environ(), "UPLIFT_DATABASE_URL="+dbURL, "UPLIFT_PUBLIC_URL="+public,
		fmt.Sprintf("UPLIFT_ADDR=127.0.0.1:%d", port), "UPLIFT_LOG_LEVEL=warn", "UPLIFT_AAGUID_URL=")
	env = append(env, extraEnv...)

	create := exec.CommandContext(ctx, bin, "tenant", "create", "--json", "--name", "Load test", "--rp-id", "localhost", "--origin", public)
	create.Env = env
	var stderr bytes.Buffer
	create.Stderr = &stderr
	out, err := create.Output()
	if err != nil {
		return nil, fmt.Errorf("uplift tenant create: %v: %s", err, stderr.String())
	}
	var tenant struct {
		TenantID  string `json:"tenantId"`
		SecretKey string `json:"secretKey"`
	}
	if err := json.Unmarshal(out, &tenant); err != nil || tenant.TenantID == "" || tenant.SecretKey == "" {
		return nil, fmt.Errorf("uplift tenant create --json printed %q", out)
	}

	logPath := filepath.Join(dir, "server.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	serve := exec.Command(bin, "serve")
	serve.Env = env
	serve.Stdout, serve.Stderr = logf, logf
	serve.SysProcAttr = serverProcAttr()
	if err := serve.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start uplift serve: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- serve.Wait(); logf.Close() }()
	s := &spawned{baseURL: public, tenantID: tenant.TenantID, secret: tenant.SecretKey,
		database: databaseKind(dbURL), mode: ModeProcess, pid: serve.Process.Pid, logPath: logPath}
	s.stop = func() error {
		serve.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
			return nil
		case <-time.After(20 * time.Second):
			serve.Process.Kill()
			<-exited
			return errors.New("uplift serve did not stop within 20s of SIGTERM; killed")
		}
	}
	if err := waitReady(ctx, public, exited); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w (server log: %s)", err, logPath)
	}
	fmt.Fprintf(progress, "uplift serve (pid %d) ready at %s on %s\n", s.pid, public, redactURL(dbURL))
	return s, nil
}

// waitReady polls /readyz until it answers 200, the process exits, or a
// minute passes.
func waitReady(ctx context.Context, base string, exited <-chan error) error {
	c := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil}}
	defer c.CloseIdleConnections()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("uplift serve exited before it was ready: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := c.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return errors.New("uplift serve was not ready within a minute")
}

// startInProcess runs the server inside this process, on the real handler
// and store, with a new tenant. Numbers measured this way include the
// load generator's own work in the same process; profiles are the reason
// to use it.
func startInProcess(ctx context.Context, dbURL string, progress io.Writer) (*spawned, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	public := fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		ln.Close()
		return nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		ln.Close()
		st.Close()
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(progress, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc := flows.New(flows.Options{Store: st, Log: log, PublicURL: public})
	t, secret, err := svc.CreateTenant(ctx, flows.NewTenant{Name: "Load test", RPID: "localhost", Origins: []string{public}})
	if err != nil {
		ln.Close()
		st.Close()
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.New(svc, log).Run(runCtx, ln, 10*time.Second) }()
	fmt.Fprintf(progress, "uplift running in process at %s on %s\n", public, redactURL(dbURL))
	return &spawned{baseURL: public, tenantID: t.ID, secret: secret, database: databaseKind(dbURL),
		mode: ModeInProcess, pid: os.Getpid(),
		stop: func() error {
			cancel()
			err := <-done
			return errors.Join(err, st.Close())
		}}, nil
}

// readRSS returns a process's resident set size and its peak (VmRSS and
// VmHWM in /proc/PID/status), in bytes.
func readRSS(pid int) (rss, peak int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %q", k, v)
		}
		if k == "VmRSS" {
			rss = n << 10
		} else {
			peak = n << 10
		}
	}
	return rss, peak, sc.Err()
}

// redactURL hides a database URL's password.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
