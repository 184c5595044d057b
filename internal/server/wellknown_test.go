package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/policy"
	"github.com/uplift-dev/uplift/internal/ratelimit"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// wellKnownTenant creates a tenant whose relying party id is rpID, with
// related origins.
func wellKnownTenant(t *testing.T, e *apitest.Env, rpID string, related ...string) model.Tenant {
	t.Helper()
	ctx := context.Background()
	tn, _, err := e.App.Tenancy.CreateTenant(ctx, tenancy.NewTenant{Name: rpID, RPID: rpID,
		Origins: []string{"https://" + rpID}, RedirectPrefixes: []string{"https://" + rpID + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	tn, err = e.App.Policy.UpdatePasskeySettings(ctx, tn.ID, func(ps *policy.PasskeySettings) {
		ps.Passkey.RelatedOrigins = related
	})
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

// getHost sends GET path with the Host header set as a browser on that
// host would.
func getHost(e *apitest.Env, path, host string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	r.Host = host
	r.RemoteAddr = "203.0.113.20:1234"
	w := httptest.NewRecorder()
	e.Handler.ServeHTTP(w, r)
	return w
}

// decodeBody decodes a JSON answer, failing the test on anything else.
func decodeBody(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("%d %q is not JSON: %v", w.Code, w.Body.String(), err)
	}
	return out
}

// /.well-known/webauthn answers for the tenant whose relying party id is
// the Host, with its related origins, as a public cacheable JSON file;
// what an attacker sends (an unknown host, a huge or malformed one, an
// address, another tenant's host) gets 404 or 400 and never another
// tenant's list.
func TestWellKnownWebAuthn(t *testing.T) {
	e := apitest.New(t)
	wellKnownTenant(t, e, "shop.example", "https://shop.example.org", "https://login.example.net")
	wellKnownTenant(t, e, "other.example", "https://other.example.org")
	wellKnownTenant(t, e, "plain.example") // no related origins

	w := getHost(e, "/.well-known/webauthn", "shop.example")
	if w.Code != http.StatusOK {
		t.Fatalf("GET /.well-known/webauthn: %d %s", w.Code, w.Body)
	}
	for h, want := range map[string]string{"Content-Type": "application/json", "Cache-Control": "public, max-age=300",
		"Access-Control-Allow-Origin": "*"} {
		if got := w.Header().Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	want := map[string]any{"origins": []any{"https://shop.example.org", "https://login.example.net"}}
	if diff := cmp.Diff(decodeBody(t, w), want); diff != "" {
		t.Errorf("body (-got +want):\n%s", diff)
	}
	for _, host := range []string{"SHOP.example:443", "shop.example.", "shop.example:8443"} {
		if w := getHost(e, "/.well-known/webauthn", host); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "shop.example.org") {
			t.Errorf("Host %q: %d %s, want shop.example's origins", host, w.Code, w.Body)
		}
	}
	if w := getHost(e, "/.well-known/webauthn", "other.example"); w.Code != http.StatusOK ||
		strings.Contains(w.Body.String(), "shop") || !strings.Contains(w.Body.String(), "other.example.org") {
		t.Errorf("another tenant's host: %d %s, want only its own origins", w.Code, w.Body)
	}

	attacks := []struct {
		name, host string
		status     int
	}{
		{"unknown host", "unknown.example", http.StatusNotFound},
		{"a tenant without related origins", "plain.example", http.StatusNotFound},
		{"a suffix of a tenant's host", "example", http.StatusNotFound},
		{"a tenant's host under another", "shop.example.evil.test", http.StatusNotFound},
		{"huge host", strings.Repeat("a", 10000) + ".example", http.StatusBadRequest},
		{"long label", strings.Repeat("a", 64) + ".example", http.StatusBadRequest},
		{"IP address", "203.0.113.1", http.StatusBadRequest},
		{"IPv6 address", "[2001:db8::1]:443", http.StatusBadRequest},
		{"underscore", "shop_example", http.StatusBadRequest},
		{"empty", "", http.StatusBadRequest},
	}
	for _, a := range attacks {
		w := getHost(e, "/.well-known/webauthn", a.host)
		if w.Code != a.status {
			t.Errorf("%s: %d %s, want %d", a.name, w.Code, w.Body, a.status)
			continue
		}
		if body := decodeBody(t, w); body["error"] == nil || body["origins"] != nil {
			t.Errorf("%s: body %v, want an error and no origins", a.name, body)
		}
	}
	if w := httptest.NewRecorder(); true {
		r := httptest.NewRequest("POST", "/.well-known/webauthn", strings.NewReader("{}"))
		r.Host = "shop.example"
		e.Handler.ServeHTTP(w, r)
		if w.Code != http.StatusForbidden && w.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST /.well-known/webauthn: %d, want it refused", w.Code)
		}
	}
}

// /.well-known/passkey-endpoints points password managers at the hosted
// Passkeys page of the tenant whose relying party id is the Host; that
// page, reached without a flow, leads the user to the app.
func TestPasskeyEndpoints(t *testing.T) {
	e := apitest.New(t)
	shop := wellKnownTenant(t, e, "shop.example")
	wellKnownTenant(t, e, "shared.example")
	wellKnownTenant(t, e, "shared.example")

	w := getHost(e, "/.well-known/passkey-endpoints", "shop.example")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /.well-known/passkey-endpoints: %d %s %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	page := "http://localhost:8080/login/passkeys?tenant=" + shop.ID
	if diff := cmp.Diff(decodeBody(t, w), map[string]any{"enroll": page, "manage": page}); diff != "" {
		t.Errorf("body (-got +want):\n%s", diff)
	}
	if w := getHost(e, "/.well-known/passkey-endpoints", "shared.example"); w.Code != http.StatusOK ||
		strings.TrimSpace(w.Body.String()) != "{}" {
		t.Errorf("two tenants sharing the relying party id: %d %s, want {} (no page to name)", w.Code, w.Body)
	}
	for host, status := range map[string]int{"unknown.example": 404, strings.Repeat("x", 300): 400, "198.51.100.7": 400} {
		if w := getHost(e, "/.well-known/passkey-endpoints", host); w.Code != status {
			t.Errorf("Host %.20q: %d %s, want %d", host, w.Code, w.Body, status)
		}
	}

	w = getHost(e, "/login/passkeys?tenant="+shop.ID, "localhost:8080")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "<h1>Passkeys</h1>") ||
		!strings.Contains(w.Body.String(), `href="https://shop.example"`) {
		t.Errorf("the Passkeys page without a flow: %d %s, want the page leading to the app", w.Code, w.Body)
	}
	r := httptest.NewRequest("GET", "/login/passkeys?tenant="+shop.ID, nil)
	r.Header.Set("Accept-Language", "fr-CA,fr;q=0.9")
	fr := httptest.NewRecorder()
	e.Handler.ServeHTTP(fr, r)
	if fr.Code != http.StatusOK || !strings.Contains(fr.Body.String(), "Vos clés d’accès pour shop.example") {
		t.Errorf("the Passkeys page without a flow in French: %d %s", fr.Code, fr.Body)
	}
	for _, bad := range []string{"not-a-tenant", "00000000-0000-4000-8000-000000000000"} {
		if w := getHost(e, "/login/passkeys?tenant="+bad, "localhost:8080"); w.Code != http.StatusNotFound {
			t.Errorf("the Passkeys page for tenant %q: %d, want 404", bad, w.Code)
		}
	}
}

// Both files are limited per client address like the other anonymous
// routes: a flood from one address is refused with 429 and Retry-After.
func TestWellKnownLimitedPerAddress(t *testing.T) {
	e := newLimited(t, ratelimit.Defaults())
	// httptest's requests are for the host example.com.
	wellKnownTenant(t, e.Env, "example.com", "https://example.org")
	for _, path := range []string{"/.well-known/webauthn", "/.well-known/passkey-endpoints"} {
		statuses, refused := e.flood(200, func(int) request {
			return request{method: "GET", path: path, remote: "203.0.113.30:1"}
		})
		if statuses[http.StatusTooManyRequests] == 0 || statuses[http.StatusOK] == 0 {
			t.Errorf("200 requests of %s from one address: %v, want some answered and the rest refused", path, statuses)
		}
		if refused != nil && refused.Header().Get("Retry-After") == "" {
			t.Errorf("%s: a refusal without Retry-After", path)
		}
		e.Clock.Advance(60e9)
	}
}
