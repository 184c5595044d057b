// Package e2e holds black-box tests that run the uplift binary as an
// operator would and talk to it only over HTTP.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	readyTimeout = 15 * time.Second // how long a starting server may take to answer /readyz
	stopTimeout  = 10 * time.Second // how long a stopping server may take after SIGTERM
)

// binDir holds the binary built for this test run; TestMain removes it.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "uplift-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var build struct {
	once sync.Once
	path string
	err  error
}

// upliftBinary builds ./cmd/uplift once per test run and returns its path.
func upliftBinary(t *testing.T) string {
	t.Helper()
	build.once.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			build.err = err
			return
		}
		path := filepath.Join(binDir, "uplift")
		cmd := exec.Command("go", "build", "-o", path, "./cmd/uplift")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("go build ./cmd/uplift: %v\n%s", err, out)
			return
		}
		build.path = path
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.path
}

// moduleRoot walks up from the working directory to the directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// server is one uplift process on a private SQLite file and loopback port.
type server struct {
	t         *testing.T
	bin       string
	env       []string
	addr      string // host:port the process listens on
	PublicURL string // UPLIFT_PUBLIC_URL, e.g. http://localhost:41234
	TenantID  string
	SecretKey string

	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
	output *lockedBuffer // stdout and stderr of every process started so far
}

// startServer creates a tenant on a fresh database and starts `uplift serve`
// on it, with env (KEY=value) added to its environment. The process is
// stopped when the test ends.
func startServer(t *testing.T, env ...string) *server {
	t.Helper()
	bin := upliftBinary(t)
	dir := t.TempDir()
	port := freePort(t)
	s := &server{
		t:         t,
		bin:       bin,
		addr:      fmt.Sprintf("127.0.0.1:%d", port),
		PublicURL: fmt.Sprintf("http://localhost:%d", port),
		output:    &lockedBuffer{},
	}
	s.env = append(cleanEnv(),
		"UPLIFT_DATABASE_URL=sqlite://"+filepath.Join(dir, "uplift.db"),
		"UPLIFT_ADDR="+s.addr,
		"UPLIFT_PUBLIC_URL="+s.PublicURL,
	)
	s.env = append(s.env, env...)
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("uplift output:\n%s", s.output.String())
		}
	})
	first := s.CreateTenant("Test")
	s.TenantID, s.SecretKey = first.ID, first.SecretKey
	s.Start()
	return s
}

// APIURL is the Server API base URL, as given to the SDK's apiUrl.
func (s *server) APIURL() string { return "http://" + s.addr + "/v1" }

// tenant is the output of `uplift tenant create --json`.
type tenant struct {
	ID        string `json:"tenantId"`
	SecretKey string `json:"secretKey"`
}

// CreateTenant runs `uplift tenant create --json` on the server's database;
// the server may be running.
func (s *server) CreateTenant(name string) tenant {
	s.t.Helper()
	cmd := exec.Command(s.bin, "tenant", "create", "--name", name,
		"--origin", s.PublicURL, "--redirect", s.PublicURL+"/", "--json")
	cmd.Env = s.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		s.t.Fatalf("uplift tenant create: %v\nstdout: %s\nstderr: %s", err, stdout.Bytes(), stderr.Bytes())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 1 {
		s.t.Fatalf("uplift tenant create --json printed %d lines on stdout, want 1:\n%s", len(lines), stdout.Bytes())
	}
	var tn tenant
	if err := json.Unmarshal([]byte(lines[0]), &tn); err != nil {
		s.t.Fatalf("uplift tenant create --json: %v in %q", err, lines[0])
	}
	if tn.ID == "" || tn.SecretKey == "" {
		s.t.Fatalf("uplift tenant create --json: empty tenantId or secretKey in %q", lines[0])
	}
	return tn
}

// Start runs `uplift serve` and waits until GET /readyz answers 200.
func (s *server) Start() {
	s.t.Helper()
	cmd := exec.Command(s.bin, "serve")
	cmd.Env = s.env
	cmd.Stdout, cmd.Stderr = s.output, s.output
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start uplift serve: %v", err)
	}
	fmt.Fprintf(s.output, "--- uplift serve started (pid %d)\n", cmd.Process.Pid)
	s.cmd = cmd
	s.exited = make(chan struct{})
	go func(exited chan struct{}) {
		err := cmd.Wait()
		fmt.Fprintf(s.output, "--- uplift serve exited: %v\n", err)
		close(exited)
	}(s.exited)

	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	for {
		resp, err := client.Get("http://" + s.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-s.exited:
			s.t.Fatalf("uplift serve exited before it was ready:\n%s", s.output.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("uplift serve not ready after %v (last error: %v)", readyTimeout, err)
		}
	}
}

// Stop sends SIGTERM and waits; a process still running after stopTimeout is killed.
func (s *server) Stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		s.t.Errorf("uplift serve still running %v after SIGTERM; killing it", stopTimeout)
		s.Kill()
	}
	s.cmd = nil
}

// Kill ends the process with SIGKILL, as a power cut would, and waits for it.
func (s *server) Kill() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// freePort asks the kernel for a loopback port that is free right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// cleanEnv is the test's environment without UPLIFT_ variables, so that the
// settings of the machine running the tests cannot leak into the server.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "UPLIFT_") {
			env = append(env, kv)
		}
	}
	return env
}

// lockedBuffer is a bytes.Buffer safe for the concurrent writes of a process's
// stdout and stderr.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// withTimeout returns a context bounded by d and cancelled when the test ends.
func withTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// Call sends one Server API request authenticated with secretKey and returns
// the status and body. path is below /v1, e.g. "/users/u1"; body, when not
// nil, is sent as JSON.
func (s *server) Call(secretKey, method, path string, body any) (int, []byte) {
	s.t.Helper()
	var reader io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		reader = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.APIURL()+path, reader)
	if err != nil {
		s.t.Fatal(err)
	}
	req.SetBasicAuth(secretKey, "")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp.StatusCode, respBody
}
