package browser_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/google/uuid"

	"github.com/uplift-dev/uplift/internal/webauthntest"
)

// demoProcess is `uplift demo` run from the built binary, as a newcomer
// runs it.
type demoProcess struct {
	t      *testing.T
	cmd    *exec.Cmd
	out    *syncBuffer // standard output and error
	exited chan struct{}
}

// startDemo builds the binary, runs `uplift demo --addr addr` with env
// (KEY=value) added to the test's environment without its UPLIFT_
// variables, and waits until it answers GET /healthz. It is stopped when
// the test ends.
func startDemo(t *testing.T, addr string, env ...string) *demoProcess {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "uplift")
	build := exec.Command("go", "build", "-o", bin, "./cmd/uplift")
	build.Dir = moduleRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/uplift: %v\n%s", err, out)
	}
	p := &demoProcess{t: t, out: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, "demo", "--addr", addr)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "UPLIFT_") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("uplift demo output:\n%s", p.out)
		}
	})
	deadline := time.Now().Add(waitTimeout)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("uplift demo exited:\n%s", p.out)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("uplift demo does not answer /healthz: %v\n%s", err, p.out)
		}
	}
}

// waitOutput waits until the process's output matches pattern and
// returns the submatches.
func (p *demoProcess) waitOutput(pattern string) []string {
	p.t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.Now().Add(waitTimeout)
	for {
		if m := re.FindStringSubmatch(p.out.String()); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("uplift demo printed nothing matching %s:\n%s", pattern, p.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for a process's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// moduleRoot is the directory holding go.mod, above the working directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal(errors.New("no go.mod above the working directory"))
		}
		dir = parent
	}
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

// registerSoftwarePasskey tracks an action for a new user of the tenant
// whose secret key is given, and registers a passkey for them through the
// Client API from a software authenticator reporting aaguid. public is
// the origin the passkey is made at; addr is where the server listens.
func registerSoftwarePasskey(t *testing.T, public, addr, secret, userID string, aaguid uuid.UUID) {
	t.Helper()
	api := "http://" + addr + "/v1"
	var tracked struct {
		Token string `json:"token"`
	}
	postJSON(t, api+"/users/"+userID+"/actions/signUp", "Basic "+basicAuth(secret), map[string]any{}, &tracked)
	var opts struct {
		ChallengeID string          `json:"challengeId"`
		Options     json.RawMessage `json:"options"`
	}
	postJSON(t, api+"/client/user-authenticators/passkey/registration-options", "Bearer "+tracked.Token,
		map[string]any{"username": userID}, &opts)
	o, err := virtualwebauthn.ParseAttestationOptions(string(opts.Options))
	if err != nil {
		t.Fatalf("parse creation options %s: %v", opts.Options, err)
	}
	auth := virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{
		UserHandle: []byte(o.UserID), BackupEligible: true, BackupState: true})
	auth.Aaguid = aaguid
	rp := virtualwebauthn.RelyingParty{ID: "localhost", Name: "Test", Origin: public}
	attestation := virtualwebauthn.CreateAttestationResponse(rp, auth, webauthntest.MustCredential(), *o)
	var added map[string]any
	postJSON(t, api+"/client/user-authenticators/passkey", "Bearer "+tracked.Token,
		map[string]any{"challengeId": opts.ChallengeID, "registrationCredential": json.RawMessage(attestation)}, &added)
}

func basicAuth(secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(secret + ":"))
}

// postJSON posts body with the Authorization header auth and decodes the
// 200 answer into out.
func postJSON(t *testing.T, url, auth string, body, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, out) != nil {
		t.Fatalf("POST %s = %d %s", url, resp.StatusCode, raw)
	}
}
