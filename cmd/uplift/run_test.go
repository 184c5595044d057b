package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/config"
)

// cli runs the program with the given environment and returns its output.
type cli struct {
	t   *testing.T
	env map[string]string
}

func newCLI(t *testing.T) *cli {
	return &cli{t: t, env: map[string]string{
		"UPLIFT_DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "u.db"),
		"UPLIFT_PUBLIC_URL":   "http://localhost:9999",
	}}
}

func (c *cli) run(args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	err = run(context.Background(), args, func(k string) string { return c.env[k] }, &out, &errb)
	return out.String(), errb.String(), err
}

func TestTenantCreateJSON(t *testing.T) {
	c := newCLI(t)
	out, _, err := c.run("tenant", "create", "--name", "Shop", "--rp-id", "example.com",
		"--origin", "https://shop.example.com", "--origin", "https://www.example.com",
		"--redirect", "https://shop.example.com/callback", "--json")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("--json printed %d lines, want exactly 1: %q", len(lines), out)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["tenantId"] == "" || !strings.HasPrefix(got["secretKey"], "sk_") {
		t.Fatalf("--json printed %v, want tenantId and secretKey only", got)
	}
	list, _, err := c.run("tenant", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(list, got["tenantId"]) || !strings.Contains(list, `"rpId":"example.com"`) ||
		!strings.Contains(list, "https://www.example.com") {
		t.Errorf("tenant list does not show the new tenant as created: %s", list)
	}
}

func TestTenantCreateRefusesBadInput(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{
		{"tenant", "create"},
		{"tenant", "create", "--name", "X", "--origin", "ftp://x"},
		{"tenant", "create", "--name", "X", "--rp-id", "example.com", "--origin", "https://example.org"},
		{"tenant", "create", "--name", "X", "--redirect", "not a url"},
		{"tenant", "create", "--name", "X", "stray"},
		{"tenant", "explode"},
	} {
		if out, _, err := c.run(args...); err == nil {
			t.Errorf("%v succeeded, want an error (printed %q)", args, out)
		}
	}
	out, _, err := c.run("tenant", "list", "--json")
	if err != nil || out != "" {
		t.Errorf("refused creates left tenants behind: %q, %v", out, err)
	}
}

// TestTenantCommandsNeedTheDatabase runs the tenant subcommands that read
// tenants against a mistyped SQLite path: they say so and create nothing
// there.
func TestTenantCommandsNeedTheDatabase(t *testing.T) {
	c := newCLI(t)
	path := filepath.Join(t.TempDir(), "typo.db")
	c.env["UPLIFT_DATABASE_URL"] = "sqlite://" + path
	for _, args := range [][]string{
		{"tenant", "list"},
		{"tenant", "keys", "--tenant", "x"},
		{"tenant", "issue-key", "--tenant", "x"},
		{"tenant", "invite", "--tenant", "x"},
	} {
		if _, _, err := c.run(args...); err == nil || !strings.Contains(err.Error(), "no database at "+path) {
			t.Errorf("%v: %v, want no database at %s", args, err, path)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a database was created at the mistyped path: %v", err)
	}
	if _, _, err := c.run("tenant", "create", "--name", "First"); err != nil {
		t.Fatalf("create on a new path: %v", err)
	}
	if out, _, err := c.run("tenant", "list"); err != nil || !strings.Contains(out, "First") {
		t.Errorf("list after create: %q, %v", out, err)
	}
}

func TestTenantFlagsHint(t *testing.T) {
	for _, tt := range []struct {
		db, public, want string
	}{
		{"sqlite://uplift.db", "http://localhost:8080", ""},
		{"sqlite:///var/lib/uplift.db", "http://localhost:8080", " --database-url sqlite:///var/lib/uplift.db"},
		{"postgres://u:secret@db/x", "http://localhost:8080", " --database-url URL"},
		{"sqlite://uplift.db", "https://id.example.com", " --public-url https://id.example.com"},
	} {
		if got := tenantFlags(config.Config{DatabaseURL: tt.db, PublicURL: tt.public}); got != tt.want {
			t.Errorf("tenantFlags(%s, %s) = %q, want %q", tt.db, tt.public, got, tt.want)
		}
	}
}

func TestKeysIssueListRevoke(t *testing.T) {
	c := newCLI(t)
	out, _, err := c.run("tenant", "create", "--name", "T", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var tenant map[string]string
	json.Unmarshal([]byte(out), &tenant)
	out, _, err = c.run("tenant", "issue-key", "--tenant", tenant["tenantId"], "--json")
	if err != nil {
		t.Fatal(err)
	}
	var key map[string]string
	json.Unmarshal([]byte(out), &key)
	if key["keyId"] == "" || !strings.HasPrefix(key["secretKey"], "sk_") {
		t.Fatalf("issue-key printed %q", out)
	}
	keys, _, err := c.run("tenant", "keys", "--tenant", tenant["tenantId"])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(keys, "sk_") != 2 || strings.Contains(keys, key["secretKey"]) {
		t.Errorf("keys should list two prefixes and never a whole key:\n%s", keys)
	}
	if _, _, err := c.run("tenant", "revoke-key", "--tenant", tenant["tenantId"], "--key", key["keyId"]); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.run("tenant", "revoke-key", "--tenant", tenant["tenantId"], "--key", key["keyId"]); err == nil {
		t.Error("revoking twice succeeded")
	}
	if _, _, err := c.run("tenant", "keys", "--tenant", "00000000-0000-0000-0000-000000000000"); err == nil {
		t.Error("keys of an unknown tenant succeeded")
	}
}

func TestMigrate(t *testing.T) {
	c := newCLI(t)
	out, _, err := c.run("migrate")
	if err != nil || !strings.HasPrefix(out, "applied ") || strings.HasPrefix(out, "applied 0 ") {
		t.Fatalf("migrate: %q, %v", out, err)
	}
	out, _, err = c.run("migrate")
	if err != nil || !strings.Contains(out, "applied 0 migrations") {
		t.Fatalf("second migrate: %q, %v", out, err)
	}
}

func TestUsage(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{nil, {"frobnicate"}, {"serve", "--no-such-flag"}} {
		if _, _, err := c.run(args...); err == nil {
			t.Errorf("%v succeeded, want a usage error", args)
		}
	}
	c.env["UPLIFT_DATABASE_URL"] = "mysql://x"
	if _, _, err := c.run("migrate"); err == nil || !strings.Contains(err.Error(), "sqlite://") {
		t.Errorf("unknown database scheme: %v, want an error naming the supported ones", err)
	}
}

// TestServeFirstTenantAndShutdown starts serve on a new database, checks it
// printed a working first tenant, and stops it by cancelling its context.
func TestServeFirstTenantAndShutdown(t *testing.T) {
	c := newCLI(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c.env["UPLIFT_ADDR"] = addr
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, func(k string) string { return c.env[k] }, &out, &errb) }()

	base := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(base + "/readyz")
		if err == nil && res.StatusCode == 200 {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v\n%s", err, errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	var secret string
	for _, line := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "secret" {
			secret = f[2]
		}
	}
	req, _ := http.NewRequest("GET", base+"/v1/users/nobody", nil)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(secret+":")))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("first tenant's key %q: status %d, want 200 (an unknown user, reported as not enrolled)", secret, res.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after shutdown", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
	// A second start on the same database creates no new tenant.
	out2, _, _ := c.run("tenant", "list")
	if n := strings.Count(out2, "Default"); n != 1 {
		t.Errorf("%d default tenants, want 1:\n%s", n, out2)
	}
}
