package loadtest

import (
	"bufio"
	"bytes"
	"context"
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

	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/codes"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/tenancy"
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
	// dbURL is the fresh database the server runs on.
	dbURL string
	// metricsURL is where the server serves its metrics, if it does.
	metricsURL string
}

// spawnServer starts the server an invocation with -spawn or -in-process
// measures, on a fresh database, sending email to sink when there is one.
// stop stops it, drops the database unless o.KeepDatabase, and removes
// its temporary files.
func spawnServer(ctx context.Context, o Options, sink *smtpSink, traces *otlpSink, progress io.Writer) (srv *spawned, stop func() error, err error) {
	dir, err := os.MkdirTemp("", "uplift-load-")
	if err != nil {
		return nil, nil, err
	}
	var cleanups []func() error // run last first
	stopAll := func() error {
		var err error
		for i := len(cleanups) - 1; i >= 0; i-- {
			err = errors.Join(err, cleanups[i]())
		}
		return err
	}
	defer func() {
		if err != nil {
			stopAll()
		}
	}()
	cleanups = append(cleanups, func() error { return os.RemoveAll(dir) })
	dbURL, drop, err := prepareDatabase(ctx, o.DatabaseURL, dir)
	if err != nil {
		return nil, nil, err
	}
	if !o.KeepDatabase {
		cleanups = append(cleanups, func() error {
			if err := drop(); err != nil {
				return fmt.Errorf("drop the run's database: %w", err)
			}
			return nil
		})
	} else if databaseKind(dbURL) == "postgres" {
		fmt.Fprintf(progress, "keeping database %s\n", redactURL(dbURL))
	}
	smtpURL := ""
	if sink != nil {
		smtpURL = sink.URL()
	}
	if o.InProcess {
		srv, err = startInProcess(ctx, dbURL, smtpURL, progress)
	} else {
		bin := o.ServerBin
		if bin == "" {
			if bin, err = buildServer(ctx, dir, progress); err != nil {
				return nil, nil, err
			}
		}
		var env []string
		if smtpURL != "" {
			env = append(env, "UPLIFT_SMTP_URL="+smtpURL)
		}
		metricsURL := ""
		if o.ServerMetrics {
			port, err := freePort()
			if err != nil {
				return nil, nil, err
			}
			addr := fmt.Sprintf("127.0.0.1:%d", port)
			env = append(env, "UPLIFT_METRICS_ADDR="+addr)
			metricsURL = "http://" + addr + "/metrics"
		}
		if traces != nil {
			env = append(env, "OTEL_EXPORTER_OTLP_ENDPOINT="+traces.Endpoint())
		}
		srv, err = startProcess(ctx, bin, dbURL, dir, env, progress)
		if err == nil {
			srv.metricsURL = metricsURL
		}
	}
	if err != nil {
		return nil, nil, err
	}
	cleanups = append(cleanups, srv.stop)
	srv.dbURL = dbURL
	return srv, stopAll, nil
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
// loadSendCeiling is the tenant's ceiling on email sends an hour in a
// server the tool starts: far above what a run sends.
const loadSendCeiling = 100_000_000

func startProcess(ctx context.Context, bin, dbURL, dir string, extraEnv []string, progress io.Writer) (*spawned, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	public := fmt.Sprintf("http://localhost:%d", port)
	// The email scenario sends far more codes than a tenant's default
	// ceiling allows an hour: the ceiling is set where it still counts
	// every send but never refuses one.
	// All the load comes from one address, so request-rate limits are
	// off, unless the tool's own environment sets UPLIFT_RATE_LIMITS (of a
	// repeated variable the last counts), to measure what they cost.
	env := append([]string{"UPLIFT_RATE_LIMITS=off"}, os.Environ()...)
	env = append(env, "UPLIFT_DATABASE_URL="+dbURL, "UPLIFT_PUBLIC_URL="+public,
		fmt.Sprintf("UPLIFT_ADDR=127.0.0.1:%d", port), "UPLIFT_LOG_LEVEL=warn", "UPLIFT_AAGUID_URL=",
		fmt.Sprintf("UPLIFT_TENANT_EMAILS_PER_HOUR=%d", loadSendCeiling))
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
// and store, with a new tenant; with smtpURL, email codes go out over SMTP
// there as `uplift serve` sends them. Numbers measured this way include
// the load generator's own work in the same process; profiles are the
// reason to use it.
func startInProcess(ctx context.Context, dbURL, smtpURL string, progress io.Writer) (*spawned, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	public := fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	opts := app.Options{PublicURL: public, SendCeilings: codes.SendCeilings{EmailsPerHour: loadSendCeiling}}
	if smtpURL != "" {
		from, err := notify.SenderAddress("", public)
		if err == nil {
			opts.Email, err = notify.NewSMTPSender(smtpURL, from)
		}
		if err != nil {
			ln.Close()
			return nil, err
		}
	}
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
	opts.Store, opts.Log = st, log
	uplift := app.New(opts)
	t, secret, err := uplift.Tenancy.CreateTenant(ctx, tenancy.NewTenant{Name: "Load test", RPID: "localhost", Origins: []string{public}})
	if err != nil {
		ln.Close()
		st.Close()
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.New(uplift, log).Run(runCtx, ln, 10*time.Second) }()
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
