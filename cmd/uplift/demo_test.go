package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLoopbackAPI(t *testing.T) {
	for _, tc := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 8080}, "http://127.0.0.1:8080/v1"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 8080}, "http://127.0.0.1:8080/v1"},
		{&net.TCPAddr{IP: net.ParseIP("127.0.0.2"), Port: 9000}, "http://127.0.0.2:9000/v1"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 9000}, "http://[::1]:9000/v1"},
	} {
		if got := loopbackAPI(tc.addr); got != tc.want {
			t.Errorf("loopbackAPI(%v) = %s, want %s", tc.addr, got, tc.want)
		}
	}
}

// startCommand runs `uplift cmd` on a free port until the test ends and
// returns its base URL once it is ready.
func startCommand(t *testing.T, c *cli, cmd string) string {
	t.Helper()
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
	go func() { done <- run(ctx, []string{cmd}, func(k string) string { return c.env[k] }, &out, &errb) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("the server did not shut down")
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready: %v\n%s", cmd, err, errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDemoServesTheExampleApp checks that `uplift demo` serves the example
// app, whose Go client reaches the server with the demo tenant's key, and
// that `uplift serve` does not.
func TestDemoServesTheExampleApp(t *testing.T) {
	base := startCommand(t, newCLI(t), "demo")
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Get(base + "/demo")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("GET /demo: status %d: %s", res.StatusCode, body)
	}
	res, err = hc.PostForm(base+"/demo/signin", url.Values{"csrf": {string(m[1])}, "username": {"ada"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	// The public URL of newCLI names another port; the hosted pages are
	// reached there in real use.
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "/login?token=") {
		t.Errorf("POST /demo/signin: status %d, Location %q; want the hosted pages", res.StatusCode, loc)
	}

	serveBase := startCommand(t, newCLI(t), "serve")
	res, err = http.Get(serveBase + "/demo")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("uplift serve answers GET /demo with %d, want 404", res.StatusCode)
	}
}
