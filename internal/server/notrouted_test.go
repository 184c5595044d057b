package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
)

// TestUnroutedPathsAfterTheKey: outside the Client API, a path under /v1/
// that no route serves is authenticated first, so that without a valid
// secret key every path, served or not and whatever the method, answers
// the same 401 (what authsignalgo's GetAction with an empty idempotency
// key expects); with one, an unknown path is 404 and a known path asked
// with another method is 405 naming the methods it takes.
func TestUnroutedPathsAfterTheKey(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("T")
	e.Do(key, "POST", "/v1/users/ada/actions/signIn", map[string]any{"idempotencyKey": "k1"}).MustOK(t)

	paths := []struct {
		method, path string
		withKey      int    // the status with the tenant's key
		allow        string // the Allow header of a 405
	}{
		{"GET", "/v1/users/ada", 200, ""},
		{"GET", "/v1/users/ada/actions/signIn/", 404, ""}, // authsignalgo's GetAction without a key
		{"GET", "/v1/users/ada/actions/signIn/k1/extra", 404, ""},
		{"GET", "/v1/nothing/here", 404, ""},
		{"DELETE", "/v1/nothing", 404, ""},
		{"GET", "/v1/management/nothing", 404, ""},
		{"PUT", "/v1/users/ada", 405, "GET, HEAD, POST, PATCH, DELETE"},
		{"GET", "/v1/validate", 405, "POST"},
		{"DELETE", "/v1/users/ada/actions/signIn/k1", 405, "GET, HEAD, PATCH"},
		{"POST", "/v1/management/action-configurations/signIn", 405, "GET, HEAD, PATCH, DELETE"},
	}
	var refusal string
	for _, p := range paths {
		t.Run(p.method+" "+p.path, func(t *testing.T) {
			for _, secret := range []string{"", "sk_wrong", "bad-secret", key + "x"} {
				r := e.Do(secret, p.method, p.path, nil)
				if r.Status != http.StatusUnauthorized || r.Str("error") != "unauthorized" || r.Header.Get("Allow") != "" {
					t.Errorf("key %q: %d %s (Allow %q), want 401", secret, r.Status, r.Body, r.Header.Get("Allow"))
				}
				// Every 401 reads the same, served path or not.
				if secret == "sk_wrong" {
					if refusal == "" {
						refusal = string(r.Body)
					} else if string(r.Body) != refusal {
						t.Errorf("401 body %s differs from another path's %s", r.Body, refusal)
					}
				}
			}
			r := e.Do(key, p.method, p.path, nil)
			if r.Status != p.withKey || r.Header.Get("Allow") != p.allow {
				t.Errorf("with the key: %d (Allow %q) %s, want %d (Allow %q)", r.Status, r.Header.Get("Allow"), r.Body, p.withKey, p.allow)
			}
			if r.Status >= 400 && (r.Str("error") == "" || r.Str("errorDescription") == "") {
				t.Errorf("with the key: not a JSON error: %s", r.Body)
			}
		})
	}
}

// TestUnroutedPathText: bad text in a path is refused before the key is
// looked at, on an unrouted path as on a route's parameters, so that the
// status says nothing of whether the path is served.
func TestUnroutedPathText(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("T")
	long := strings.Repeat("u", 300)
	for _, path := range []string{
		"/v1/users/a%00b", "/v1/nothing/a%00b",
		"/v1/users/a%0Ab", "/v1/nothing/a%0Ab/more",
		"/v1/users/a%ffb", "/v1/nothing/a%ffb",
		"/v1/users/" + long, "/v1/nothing/" + long,
	} {
		for _, secret := range []string{"", "sk_wrong", key} {
			if r := e.Do(secret, "GET", path, nil); r.Status != http.StatusBadRequest {
				t.Errorf("GET %.40s with key %q: %d %s, want 400", path, secret, r.Status, r.Body)
			}
		}
	}
	// Long but valid segments of an unrouted path are not refused for
	// their total length, as a route's parameters are checked one by one.
	seg := strings.Repeat("s", 200)
	if r := e.Do("sk_wrong", "GET", "/v1/users/"+seg+"/nothing/"+seg, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("long unrouted path: %d %s, want 401", r.Status, r.Body)
	}
}

// TestUnroutedClientPaths: the Client API authenticates by token or
// tenant id with CORS; a path of it no route serves answers 404, or 405
// for a known path, without looking at any credential, as it did.
func TestUnroutedClientPaths(t *testing.T) {
	e := apitest.New(t)
	if r := e.Do("", "GET", "/v1/client/nothing", nil); r.Status != http.StatusNotFound || r.Str("error") != "not_found" {
		t.Errorf("unknown client path: %d %s, want 404", r.Status, r.Body)
	}
	r := e.Do("", "GET", "/v1/client/challenge", nil)
	if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "POST" {
		t.Errorf("GET of a POST client path: %d (Allow %q) %s, want 405 allowing POST", r.Status, r.Header.Get("Allow"), r.Body)
	}
	if r := e.Do("", "OPTIONS", "/v1/client/challenge", nil); r.Status == http.StatusMethodNotAllowed || r.Status == http.StatusNotFound {
		t.Errorf("preflight: %d %s", r.Status, r.Body)
	}
}
