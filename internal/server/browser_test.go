package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBrowserMuxGuardsEveryUnsafeMethod: a surface's guard sees every
// request with a method other than GET or HEAD, on a route that names
// its method and on one that names none, after the rate limit; it sees
// no GET or HEAD, and what it refuses never reaches the handler.
func TestBrowserMuxGuardsEveryUnsafeMethod(t *testing.T) {
	var seen []string
	note := func(what string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = append(seen, what)
				if what == "guard" && r.Header.Get("X-Forged") != "" {
					w.WriteHeader(http.StatusForbidden)
					return
				}
				next.ServeHTTP(w, r)
			})
		}
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = append(seen, "handler") })
	b := newBrowserMux()
	routes := b.surface(note("guard"))
	routes.limited(note("limit")).Handle("POST /limited", handler)
	routes.Handle("GET /page", handler)
	routes.Handle("POST /page", handler)
	routes.Handle("/any", handler)

	for _, tc := range []struct {
		method, path string
		forged       bool
		want         []string
	}{
		{"GET", "/page", false, []string{"handler"}},
		{"HEAD", "/page", false, []string{"handler"}},
		{"POST", "/page", false, []string{"guard", "handler"}},
		{"POST", "/page", true, []string{"guard"}},
		{"POST", "/limited", true, []string{"limit", "guard"}},
		{"POST", "/limited", false, []string{"limit", "guard", "handler"}},
		{"GET", "/any", false, []string{"handler"}},
		{"POST", "/any", false, []string{"guard", "handler"}},
		{"PUT", "/any", true, []string{"guard"}},
		{"PATCH", "/any", true, []string{"guard"}},
		{"DELETE", "/any", true, []string{"guard"}},
		{"OPTIONS", "/any", true, []string{"guard"}},
		{"BREW", "/any", true, []string{"guard"}},
	} {
		seen = nil
		req := httptest.NewRequest(tc.method, tc.path, nil)
		if tc.forged {
			req.Header.Set("X-Forged", "1")
		}
		b.ServeHTTP(httptest.NewRecorder(), req)
		if diff := cmp.Diff(seen, tc.want); diff != "" {
			t.Errorf("%s %s (forged %v) (-got +want):\n%s", tc.method, tc.path, tc.forged, diff)
		}
	}
	if diff := cmp.Diff(b.patterns, []string{"POST /limited", "GET /page", "POST /page", "/any"}); diff != "" {
		t.Errorf("patterns (-got +want):\n%s", diff)
	}
}

// TestReadOnlyRefusesEveryPost: the development inbox's guard lets no
// unsafe request through.
func TestReadOnlyRefusesEveryPost(t *testing.T) {
	reached := false
	b := newBrowserMux()
	b.surface(readOnly).Handle("/inbox", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		rec := httptest.NewRecorder()
		b.ServeHTTP(rec, httptest.NewRequest(m, "/inbox", nil))
		if rec.Code != http.StatusForbidden || reached {
			t.Errorf("%s: status %d, handler reached %v; want 403 and not reached", m, rec.Code, reached)
		}
	}
}

// TestRequestsGoToTheirMux: /v1 and below, /healthz, /readyz and the
// QR code WebSocket's /ws-v1-challenge go to the API mux, everything
// else to the browser's.
func TestRequestsGoToTheirMux(t *testing.T) {
	var got string
	h := byPath(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { got = "api" }),
		http.HandlerFunc(func(http.ResponseWriter, *http.Request) { got = "browser" }))
	for path, want := range map[string]string{
		"/v1": "api", "/v1/": "api", "/v1/users/ada": "api", "/v1/client/verify/passkey": "api",
		"/healthz": "api", "/readyz": "api", "/ws-v1-challenge": "api", "/ws-v1-challenge/x": "browser",
		"/": "browser", "/login": "browser", "/login/email": "browser", "/console/": "browser", "/demo": "browser",
		"/dev/inbox": "browser", "/v1x": "browser", "/v10/users": "browser", "/healthz/x": "browser", "/readyzz": "browser",
		"/login/../v1/users": "browser", // the browser mux redirects it to the cleaned path
	} {
		got = ""
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "http://x"+path, nil))
		if got != want {
			t.Errorf("%s went to the %s mux, want %s", path, got, want)
		}
	}
}
