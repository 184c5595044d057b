package console_test

import (
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/console"
)

// sessionRoutes are every console route behind the sign-in, with sample
// path values. TestEveryConsoleRouteIsListed keeps it complete.
var sessionRoutes = []struct{ method, pattern string }{
	{"GET", "/console/{$}"},
	{"POST", "/console/signout"},
	{"GET", "/console/settings"},
	{"POST", "/console/settings"},
	{"GET", "/console/settings/prices"},
	{"POST", "/console/settings/prices"},
	{"GET", "/console/actions"},
	{"POST", "/console/actions"},
	{"GET", "/console/actions/{code}"},
	{"POST", "/console/actions/{code}"},
	{"GET", "/console/actions/{code}/rules/new"},
	{"POST", "/console/actions/{code}/rules"},
	{"GET", "/console/actions/{code}/rules/{ruleId}"},
	{"POST", "/console/actions/{code}/rules/{ruleId}"},
	{"POST", "/console/actions/{code}/rules/{ruleId}/delete"},
	{"GET", "/console/users"},
	{"GET", "/console/users/{userId}"},
	{"POST", "/console/users/{userId}/locks/{method}/lift"},
	{"POST", "/console/users/{userId}/uplift-opt-out/reset"},
	{"GET", "/console/experiments"},
	{"POST", "/console/experiments"},
	{"GET", "/console/experiments/{experimentId}"},
	{"POST", "/console/experiments/{experimentId}/stop"},
	{"POST", "/console/experiments/{experimentId}/promote"},
	{"GET", "/console/keys"},
	{"POST", "/console/keys"},
	{"POST", "/console/keys/{keyId}/revoke"},
	{"GET", "/console/branding"},
	{"POST", "/console/branding"},
	{"GET", "/console/webhooks"},
	{"POST", "/console/webhooks"},
	{"POST", "/console/webhooks/deliveries/{id}/resend"},
	{"GET", "/console/api/dashboard"},
	{"POST", "/console/api/conditions/check"},
}

// publicRoutes need no session: the sign-in and invitation steps.
var publicRoutes = []string{
	"GET /console/signin", "POST /console/signin/options", "POST /console/signin/verify",
	"GET /console/invite/{token}", "POST /console/invite/{token}/options", "POST /console/invite/{token}/register",
	"GET /console/assets/{name}", "GET /console",
}

func samplePath(pattern string) string {
	return strings.NewReplacer("{$}", "", "{code}", "signIn", "{ruleId}", "6f1c1f57-3f0a-4a43-9a57-0d9b1b0d1f10",
		"{userId}", "user-1", "{keyId}", "key-1", "{experimentId}", "experiment-1", "{id}", "01900000-0000-7000-8000-000000000001").Replace(pattern)
}

func isAPI(pattern string) bool { return strings.HasPrefix(pattern, "/console/api/") }

// TestEveryConsoleRouteIsListed reads the route table so a new console
// route cannot escape the security tests below.
func TestEveryConsoleRouteIsListed(t *testing.T) {
	src, err := os.ReadFile("../server/routes.go")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, r := range sessionRoutes {
		known[r.method+" "+r.pattern] = true
	}
	for _, r := range publicRoutes {
		known[r] = true
	}
	re := regexp.MustCompile(`"((?:GET|POST|PUT|PATCH|DELETE) /console[^"]*)"`)
	found := 0
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		found++
		if !known[m[1]] {
			t.Errorf("route %q is not in sessionRoutes or publicRoutes", m[1])
		}
	}
	if strings.Contains(string(src), `"GET "+console.AssetPrefix+"{name}"`) {
		found++
	}
	if found != len(known) {
		t.Errorf("routes.go has %d console routes, the tests list %d", found, len(known))
	}
}

// TestWithoutSessionEverythingIsRefused: pages redirect to the sign-in,
// JSON answers 401, and a forged or expired cookie is no better.
func TestWithoutSessionEverythingIsRefused(t *testing.T) {
	h := newHarness(t)
	for _, cookie := range []string{"", "forged-session-token"} {
		for _, r := range sessionRoutes {
			p := h.do(r.method, samplePath(r.pattern), cookie, strings.NewReader(""),
				"Content-Type", "application/x-www-form-urlencoded", "Origin", consoleOrigin)
			switch {
			case isAPI(r.pattern):
				if p.status != 401 || !strings.Contains(p.body, `"error":"unauthenticated"`) {
					t.Errorf("%s %s (cookie %q) = %d %s, want 401", r.method, r.pattern, cookie, p.status, p.body)
				}
			default:
				loc := p.header.Get("Location")
				if p.status != 303 || !strings.HasPrefix(loc, console.SignInPath) {
					t.Errorf("%s %s (cookie %q) = %d to %q, want 303 to the sign-in", r.method, r.pattern, cookie, p.status, loc)
				}
				if strings.Contains(p.body, h.tenant.Name) {
					t.Errorf("%s %s leaks the tenant's name without a session", r.method, r.pattern)
				}
			}
		}
	}
	// An unknown console path answers the same as a page.
	if p := h.get("/console/no-such-page", ""); p.status != 303 {
		t.Errorf("unknown console path without a session = %d, want 303", p.status)
	}
	// A GET redirect comes back to the page after sign-in.
	if loc := h.get("/console/users?q=ada", "").header.Get("Location"); loc != "/console/signin?next="+url.QueryEscape("/console/users?q=ada") {
		t.Errorf("redirect = %q", loc)
	}
}

// TestPostsNeedTheSessionsCSRFField: with a session, a post without the
// field, with another session's field, or from another origin fails.
func TestPostsNeedTheSessionsCSRFField(t *testing.T) {
	h := newHarness(t)
	session := h.admin()
	_, other := h.enrol(h.tenant.ID, "Bob Admin")
	for _, r := range sessionRoutes {
		if r.method == "GET" {
			continue
		}
		path := samplePath(r.pattern)
		for name, form := range map[string]url.Values{
			"missing":           {console.CSRFField: nil},
			"another session's": {console.CSRFField: {h.csrf(other)}},
		} {
			p := h.post(path, session, form)
			if isAPI(r.pattern) {
				p = h.do("POST", path, session, strings.NewReader("{}"), "Content-Type", "application/json",
					console.CSRFHeader, form.Get(console.CSRFField))
			}
			if p.status != 403 {
				t.Errorf("%s %s with %s CSRF field = %d, want 403", r.method, r.pattern, name, p.status)
			}
		}
		p := h.do("POST", path, session, strings.NewReader(url.Values{console.CSRFField: {h.csrf(session)}}.Encode()),
			"Content-Type", "application/x-www-form-urlencoded", "Origin", "https://evil.example")
		if p.status != 403 {
			t.Errorf("%s %s from another origin = %d, want 403", r.method, r.pattern, p.status)
		}
	}
	// The session still works: the refusals did not end it.
	if p := h.get("/console/settings", session); p.status == 303 {
		t.Error("the session ended after refused posts")
	}
}

func TestInvitationSignInAndSignOut(t *testing.T) {
	h := newHarness(t)
	token := h.inviteToken(h.tenant.ID)
	if p := h.get("/console/invite/"+token, ""); p.status != 200 || !strings.Contains(p.body, "Acme") {
		t.Fatalf("invitation page = %d", p.status)
	}
	a := newAuthenticator()
	status, start, _ := h.postJSON("/console/invite/"+token+"/options", map[string]any{"name": "  "})
	if status != 400 {
		t.Errorf("blank name = %d %v, want 400", status, start)
	}
	status, start, _ = h.postJSON("/console/invite/"+token+"/options", map[string]any{"name": "Ada"})
	if status != 200 {
		t.Fatalf("options = %d %v", status, start)
	}
	resp := a.attest(t, start["options"])
	status, done, cookies := h.postJSON("/console/invite/"+token+"/register", map[string]any{"ceremonyId": start["ceremonyId"], "response": resp})
	if status != 200 || done["next"] != "/console/" {
		t.Fatalf("register = %d %v", status, done)
	}
	first := sessionFrom(t, cookies)

	// The invitation is used up: its page, a new ceremony and a replay fail.
	if p := h.get("/console/invite/"+token, ""); p.status != 404 {
		t.Errorf("used invitation page = %d, want 404", p.status)
	}
	if status, _, _ := h.postJSON("/console/invite/"+token+"/options", map[string]any{"name": "Eve"}); status != 404 {
		t.Errorf("options on a used invitation = %d, want 404", status)
	}
	if status, _, _ := h.postJSON("/console/invite/"+token+"/register", map[string]any{"ceremonyId": start["ceremonyId"], "response": resp}); status != 404 {
		t.Errorf("replayed registration = %d, want 404", status)
	}

	// Sign in again with the passkey: a second, independent session.
	status, body, second := h.signIn(a)
	if status != 200 || second == "" || second == first {
		t.Fatalf("sign-in = %d %v", status, body)
	}
	if p := h.get("/console/settings", second); p.status == 303 || !strings.Contains(p.body, "Acme") {
		t.Fatalf("signed-in page = %d", p.status)
	}

	// Signing out ends that session only.
	if p := h.post("/console/signout", second, nil); p.status != 303 || p.header.Get("Location") != console.SignInPath {
		t.Fatalf("sign out = %d %q", p.status, p.header.Get("Location"))
	}
	if p := h.get("/console/settings", second); p.status != 303 {
		t.Errorf("after sign-out = %d, want 303", p.status)
	}
	if p := h.get("/console/settings", first); p.status == 303 {
		t.Error("signing out one session ended another")
	}

	// Sessions expire.
	h.env.Clock.Advance(13 * time.Hour)
	if p := h.get("/console/settings", first); p.status != 303 {
		t.Errorf("after 13 hours = %d, want 303", p.status)
	}
}

func TestSignInRefusals(t *testing.T) {
	h := newHarness(t)
	a, _ := h.enrol(h.tenant.ID, "Ada")

	// A passkey the console does not know.
	if status, body, _ := h.signIn(newAuthenticator()); status != 401 || body["error"] != "invalid_credential" {
		t.Errorf("unknown passkey = %d %v, want 401 invalid_credential", status, body)
	}
	// A ceremony answered twice.
	status, start, _ := h.postJSON("/console/signin/options", map[string]any{})
	if status != 200 {
		t.Fatal(status)
	}
	resp := a.assert(t, start["options"])
	if status, body, _ := h.postJSON("/console/signin/verify", map[string]any{"ceremonyId": start["ceremonyId"], "response": resp}); status != 200 {
		t.Fatalf("first answer = %d %v", status, body)
	}
	if status, _, _ := h.postJSON("/console/signin/verify", map[string]any{"ceremonyId": start["ceremonyId"], "response": resp}); status != 404 {
		t.Errorf("second answer = %d, want 404", status)
	}
	// A form post from another site cannot start a ceremony.
	p := h.do("POST", "/console/signin/options", "", strings.NewReader("{}"), "Content-Type", "text/plain")
	if p.status != 400 {
		t.Errorf("text/plain options = %d, want 400", p.status)
	}
	p = h.do("POST", "/console/signin/options", "", strings.NewReader("{}"), "Content-Type", "application/json", "Origin", "https://evil.example")
	if p.status != 403 {
		t.Errorf("cross-origin options = %d, want 403", p.status)
	}
	// The sign-in page sends a signed-in admin on, and only to console paths.
	_, _, s := h.signIn(a)
	if loc := h.get("/console/signin?next=/console/users", s).header.Get("Location"); loc != "/console/users" {
		t.Errorf("next = %q", loc)
	}
	if loc := h.get("/console/signin?next=//evil.example/", s).header.Get("Location"); loc != "/console/" {
		t.Errorf("next to another site = %q, want /console/", loc)
	}
}

// TestAdminsSeeOnlyTheirTenant: a session names its tenant; an admin of
// one tenant never sees another's name, and one tenant's invitation
// makes an admin of that tenant only.
func TestAdminsSeeOnlyTheirTenant(t *testing.T) {
	h := newHarness(t)
	other, _ := h.env.Tenant("Globex")
	_, acme := h.enrol(h.tenant.ID, "Ada")
	_, globex := h.enrol(other.ID, "Gus")
	if p := h.get("/console/settings", acme); !strings.Contains(p.body, "Acme") || strings.Contains(p.body, "Globex") {
		t.Error("Acme's admin sees the wrong tenant")
	}
	if p := h.get("/console/settings", globex); !strings.Contains(p.body, "Globex") || strings.Contains(p.body, "Acme") {
		t.Error("Globex's admin sees the wrong tenant")
	}
}
