package sdk_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"testing"

	"github.com/uplift-dev/uplift/internal/sdk"
)

// maxCompressed is the component's budget: 15 KB gzip-compressed.
const maxCompressed = 15 * 1024

// TestComponentSize: the component stays under 15 KB compressed (gzip at
// its best level, as a server or CDN would send it).
func TestComponentSize(t *testing.T) {
	b, err := os.ReadFile("uplift-prompt.js")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("uplift-prompt.js: %d bytes, %d gzip-compressed", len(b), buf.Len())
	if buf.Len() >= maxCompressed {
		t.Errorf("uplift-prompt.js is %d bytes compressed, want under %d", buf.Len(), maxCompressed)
	}
}

// TestComponentIsSelfContained: the module imports nothing, and neither
// evaluates strings as code nor writes markup or inline style that a
// strict CSP would refuse.
func TestComponentIsSelfContained(t *testing.T) {
	b, err := os.ReadFile("uplift-prompt.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`(?m)^\s*import\s`, `\bimport\(`, `\beval\(`, `new Function\(`, `innerHTML`,
		`outerHTML`, `insertAdjacentHTML`, `document\.write`, `setAttribute\("style"`, `<style`, `\.style\.`} {
		if regexp.MustCompile(bad).Match(b) {
			t.Errorf("uplift-prompt.js matches %s", bad)
		}
	}
}

// TestHandler: the component is served as a JavaScript module any origin
// may load, revalidated by its entity tag; other names are not found.
func TestHandler(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("GET /sdk/{name}", sdk.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res, err := http.Get(srv.URL + sdk.ComponentPath)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for k, want := range map[string]string{
		"Content-Type": "text/javascript; charset=utf-8", "Access-Control-Allow-Origin": "*",
		"Cross-Origin-Resource-Policy": "cross-origin", "X-Content-Type-Options": "nosniff",
		"Cache-Control": "public, max-age=3600",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("ETag") == "" {
		t.Fatalf("GET %s = %d with ETag %q", sdk.ComponentPath, res.StatusCode, res.Header.Get("ETag"))
	}

	req, _ := http.NewRequest("GET", srv.URL+sdk.ComponentPath, nil)
	req.Header.Set("If-None-Match", res.Header.Get("ETag"))
	again, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation = %d, want 304", again.StatusCode)
	}

	for _, p := range []string{"/sdk/nothing.js", "/sdk/sdk.go", "/sdk/..%2fsdk.go"} {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, res.StatusCode)
		}
	}
}
