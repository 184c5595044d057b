package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/pgtest"
)

// proc is one uplift process of a first-run test, with its output kept.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdout *lockedBuffer
	stderr *lockedBuffer
	exited chan struct{}
	// Base is http://ADDR of the address it listens on.
	Base string
	// Ready is how long it took from start to answering GET /healthz.
	Ready time.Duration
}

// startUplift runs the binary with args (a command and its flags) and
// env added to a clean environment, and waits until it answers GET
// /healthz on addr. The process is stopped when the test ends.
func startUplift(t *testing.T, env []string, addr string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, exited: make(chan struct{}), Base: "http://" + addr}
	p.cmd = exec.Command(upliftBinary(t), args...)
	p.cmd.Env = append(cleanEnv(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	start := time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start uplift %v: %v", args, err)
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(p.stop)
	client := &http.Client{Timeout: time.Second}
	deadline := start.Add(readyTimeout)
	for {
		resp, err := client.Get(p.Base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.Ready = time.Since(start)
				return p
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("uplift %v exited before answering /healthz:\nstdout:\n%s\nstderr:\n%s", args, p.stdout, p.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("uplift %v does not answer /healthz after %v (%v)", args, readyTimeout, err)
		}
	}
}

// stop ends the process with SIGTERM and waits for it; it fails the test
// if the process does not stop in time.
func (p *proc) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
		p.t.Errorf("uplift still running %v after SIGTERM; killing it", stopTimeout)
		p.cmd.Process.Kill()
		<-p.exited
	}
	if p.t.Failed() {
		p.t.Logf("uplift stdout:\n%s\nstderr:\n%s", p.stdout, p.stderr)
	}
}

// waitStdout waits until the standard output matches re and returns the
// submatches of the first match.
func (p *proc) waitStdout(re *regexp.Regexp) []string {
	p.t.Helper()
	deadline := time.Now().Add(readyTimeout)
	for {
		if m := re.FindStringSubmatch(p.stdout.String()); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("uplift printed nothing matching %s:\n%s", re, p.stdout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var (
	demoTenantLine = regexp.MustCompile(`(Created|Found) the demo tenant "Uplift demo" \(id ([0-9a-f-]{36})\)`)
	secretLine     = regexp.MustCompile(`secret key for this run: (sk_\S+)`)
	inviteLine     = regexp.MustCompile(`Console of "([^"]+)": open this one-time link[^\n]*\n\s+(\S+/console/invite/\S+)`)
	demoAppLine    = regexp.MustCompile(`Demo app: (\S+)/demo `)
	anyURL         = regexp.MustCompile(`https?://[^\s"]+`)
)

// get fetches a URL and returns its status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// `uplift demo` starts again and again on the same database, SQLite or
// PostgreSQL, finds the demo tenant it made, and prints links that work,
// all on the port it was given.
func TestDemoStartsAgainOnItsDatabase(t *testing.T) {
	for _, db := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "uplift.db") }},
		{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
	} {
		t.Run(db.name, func(t *testing.T) {
			dbURL := db.url(t)
			var tenantID, lastSecret string
			for run := 1; run <= 2; run++ {
				port := freePort(t)
				addr := fmt.Sprintf("127.0.0.1:%d", port)
				p := startUplift(t, []string{"UPLIFT_DATABASE_URL=" + dbURL}, addr, "demo", "--addr", addr)
				p.waitStdout(demoAppLine)
				t.Logf("run %d answered /healthz %v after start", run, p.Ready.Round(time.Millisecond))

				m := p.waitStdout(demoTenantLine)
				if want := map[int]string{1: "Created", 2: "Found"}[run]; m[1] != want {
					t.Errorf("run %d says %q the demo tenant, want %q", run, m[1], want)
				}
				if run == 1 {
					tenantID = m[2]
				} else if m[2] != tenantID {
					t.Errorf("run %d uses tenant %s, run 1 made %s", run, m[2], tenantID)
				}

				// Every link printed uses the port given, on localhost.
				public := fmt.Sprintf("http://localhost:%d", port)
				for _, u := range anyURL.FindAllString(p.stdout.String()+p.stderr.String(), -1) {
					if !strings.HasPrefix(u, public+"/") && u != public {
						t.Errorf("run %d printed %s, want links below %s", run, u, public)
					}
				}
				if app := p.waitStdout(demoAppLine)[1]; app != public {
					t.Errorf("run %d: demo app at %s, want %s", run, app, public)
				}

				// The invitation is for the demo's tenant, and opens.
				inv := p.waitStdout(inviteLine)
				if inv[1] != "Uplift demo" {
					t.Errorf("run %d: the invitation is for %q, want \"Uplift demo\"", run, inv[1])
				}
				local := strings.Replace(inv[2], public, p.Base, 1)
				if status, body := get(t, local); status != http.StatusOK || !strings.Contains(body, "Become an admin of Uplift demo") {
					t.Errorf("run %d: GET the invitation = %d:\n%s", run, status, body)
				}
				if status, _ := get(t, p.Base+"/demo"); status != http.StatusOK {
					t.Errorf("run %d: GET /demo = %d, want 200", run, status)
				}

				// The key printed works; the previous run's no longer does.
				secret := p.waitStdout(secretLine)[1]
				s := &server{t: t, addr: addr}
				if status, body := s.Call(secret, "GET", "/users/nobody", nil); status != http.StatusOK {
					t.Errorf("run %d: the printed key: GET /v1/users/nobody = %d %s, want 200 (not enrolled)", run, status, body)
				}
				if lastSecret != "" {
					if status, _ := s.Call(lastSecret, "GET", "/users/nobody", nil); status != http.StatusUnauthorized {
						t.Errorf("run %d: the previous run's key answered %d, want 401", run, status)
					}
				}
				lastSecret = secret
				p.stop()
			}
		})
	}
}

// `uplift serve` creates the first tenant on an empty database only, and
// says what it found at every other start.
func TestServeStartsAgainOnItsDatabase(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "uplift.db")
	env := []string{"UPLIFT_DATABASE_URL=sqlite://" + path}
	start := func() *proc {
		addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
		p := startUplift(t, env, addr, "serve", "--addr", addr)
		t.Logf("serve answered /healthz %v after start", p.Ready.Round(time.Millisecond))
		return p
	}

	p := start()
	m := p.waitStdout(regexp.MustCompile(`Created the first tenant "Default"[^\n]*\n\s+tenant id:\s+(\S+)\n\s+secret key:\s+(sk_\S+)`))
	if inv := p.waitStdout(inviteLine); inv[1] != "Default" {
		t.Errorf("the first start's invitation is for %q, want \"Default\"", inv[1])
	}
	p.stop()
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		if fi, err := os.Stat(f); err == nil && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", filepath.Base(f), fi.Mode().Perm())
		}
	}

	p = start()
	p.waitStdout(regexp.MustCompile(`Found tenant "Default" \(id ` + regexp.QuoteMeta(m[1]) + `\)`))
	if strings.Contains(p.stdout.String(), "secret key") || strings.Contains(p.stdout.String(), "/console/invite/") {
		t.Errorf("the second start printed a key or an invitation:\n%s", p.stdout)
	}
	if strings.Contains(p.stderr.String(), "can be read by other users") {
		t.Errorf("a private database was said to be readable:\n%s", p.stderr)
	}
	p.stop()

	// A database other users can read is said at start.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(upliftBinary(t), "tenant", "create", "--name", "Second", "--json")
	cmd.Env = append(cleanEnv(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tenant create: %v\n%s", err, out)
	}
	p = start()
	p.waitStdout(regexp.MustCompile(`Found 2 tenants`))
	deadline := time.Now().Add(readyTimeout)
	for !strings.Contains(p.stderr.String(), "can be read by other users") {
		if time.Now().After(deadline) {
			t.Fatalf("no warning about the database's mode 0644:\n%s", p.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A public URL whose port is not the one the server listens on is said
// once at start.
func TestPortMismatchIsSaidOnce(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	p := startUplift(t, []string{"UPLIFT_DATABASE_URL=sqlite://" + filepath.Join(t.TempDir(), "u.db"),
		"UPLIFT_PUBLIC_URL=http://localhost:1"}, addr, "serve", "--addr", addr)
	p.waitStdout(inviteLine)
	p.stop()
	if n := strings.Count(p.stderr.String(), "names port 1 but the server listens on port"); n != 1 {
		t.Errorf("the port mismatch was said %d times, want once:\n%s", n, p.stderr)
	}
}

// Every command answers -h with its usage on standard output and exit
// status 0, and a wrong flag with one line on standard error and exit
// status 2.
func TestCommandLine(t *testing.T) {
	bin := upliftBinary(t)
	env := append(cleanEnv(), "UPLIFT_DATABASE_URL=sqlite://"+filepath.Join(t.TempDir(), "u.db"))
	runIt := func(args ...string) (stdout, stderr string, code int) {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var o, e strings.Builder
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		code = 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("run %v: %v", args, err)
		}
		return o.String(), e.String(), code
	}
	commands := [][]string{{"serve"}, {"demo"}, {"migrate"}, {"backup"}, {"tenant", "create"}, {"tenant", "list"},
		{"tenant", "keys"}, {"tenant", "issue-key"}, {"tenant", "revoke-key"}, {"tenant", "invite"}}
	for _, c := range commands {
		name := strings.Join(c, " ")
		for _, help := range []string{"-h", "--help"} {
			out, errOut, code := runIt(append(c, help)...)
			if code != 0 || !strings.HasPrefix(out, "usage: uplift "+name) || errOut != "" {
				t.Errorf("uplift %s %s: exit %d, stdout %q, stderr %q; want its usage and 0", name, help, code, out, errOut)
			}
		}
		out, errOut, code := runIt(append(c, "--no-such-flag")...)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "-no-such-flag") {
			t.Errorf("uplift %s --no-such-flag: exit %d, stdout %q, stderr %q; want one line and 2", name, code, out, errOut)
		}
	}
	for _, args := range [][]string{{}, {"explode"}, {"tenant"}, {"tenant", "explode"}, {"tenant", "invite"},
		{"backup"}, {"backup", "a.db", "b.db"}, {"serve", "stray"}} {
		out, errOut, code := runIt(args...)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 {
			t.Errorf("uplift %v: exit %d, stdout %q, stderr %q; want one line and 2", args, code, out, errOut)
		}
	}
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"tenant", "-h"}} {
		out, errOut, code := runIt(args...)
		if code != 0 || !strings.HasPrefix(out, "usage: ") || errOut != "" {
			t.Errorf("uplift %v: exit %d, stdout %q, stderr %q; want the usage and 0", args, code, out, errOut)
		}
	}
}
