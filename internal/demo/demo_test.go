package demo_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/client"
	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/codes"
	"github.com/uplift-dev/uplift/internal/demo"
	"github.com/uplift-dev/uplift/internal/hosted"
	"github.com/uplift-dev/uplift/internal/mailparse"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// env serves Uplift with the demo app, whose Go client calls the same
// server over HTTP, as `uplift demo` does.
type env struct {
	t      *testing.T
	srv    *httptest.Server
	svc    *actions.Service
	tn     *tenancy.Service
	codes  *codes.Service
	inbox  *notify.Inbox
	tenant model.Tenant
	client *http.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "u.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	log := slog.New(slog.DiscardHandler)
	inbox := notify.NewInbox(nil, 0, nil)
	uplift := app.New(app.Options{Store: st, Log: log, PublicURL: srv.URL, Email: inbox})
	dt, err := demo.EnsureTenant(ctx, uplift.Tenancy, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if !dt.Created || dt.Name != demo.TenantName {
		t.Fatalf("the first start found tenant %q (created %v), want a new %q", dt.Name, dt.Created, demo.TenantName)
	}
	app := demo.New(client.New(srv.URL+"/v1", dt.Secret), srv.URL, log)
	handler = server.New(uplift, log, server.WithDemo(app)).Handler()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &env{t: t, srv: srv, svc: uplift.Actions, tn: uplift.Tenancy, codes: uplift.Codes, inbox: inbox, tenant: dt.Tenant, client: hc}
}

func (e *env) do(method, path string, form url.Values) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(form.Encode()))
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, html.UnescapeString(string(b))
}

var tags = regexp.MustCompile(`<[^>]+>`)

// text is a page's text without its markup.
func text(page string) string { return tags.ReplaceAllString(page, "") }

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn posts the demo's form for a username and returns the answer.
func (e *env) signIn(username string) *http.Response {
	e.t.Helper()
	_, page := e.do("GET", "/demo", nil)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		e.t.Fatalf("no CSRF field on the demo page: %s", page)
	}
	res, _ := e.do("POST", "/demo/signin", url.Values{"csrf": {m[1]}, "username": {username}})
	return res
}

func TestEnsureTenantIssuesAKeyPerRun(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	again, err := demo.EnsureTenant(ctx, e.tn, e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != e.tenant.ID || again.Created {
		t.Errorf("a second start gave tenant %s (created %v), want to find the demo tenant %s", again.ID, again.Created, e.tenant.ID)
	}
	if _, err := e.tn.TenantForSecret(ctx, again.Secret); err != nil {
		t.Errorf("the new key does not work: %v", err)
	}
	// The first run's key, held by the app, was revoked: the app can no
	// longer track, which is a failure on the server's side.
	if res := e.signIn("ada"); res.StatusCode != http.StatusInternalServerError {
		t.Errorf("the app still tracks with the previous run's key: status %d", res.StatusCode)
	}
}

func TestEnsureTenantFollowsThePublicURL(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "u.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var first string
	for i, tc := range []struct {
		publicURL, rpID string
		origins         []string
	}{
		{"http://localhost:8080", "localhost", []string{"http://localhost:8080"}},
		// Another port: the origin is added, passkeys keep working.
		{"http://localhost:9090", "localhost", []string{"http://localhost:8080", "http://localhost:9090"}},
		{"http://localhost:9090", "localhost", []string{"http://localhost:8080", "http://localhost:9090"}},
		// Another host: a relying party of its own.
		{"https://demo.example.com", "demo.example.com", []string{"https://demo.example.com"}},
	} {
		uplift := app.New(app.Options{Store: st, PublicURL: tc.publicURL})
		got, err := demo.EnsureTenant(ctx, uplift.Tenancy, tc.publicURL)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = got.ID
		}
		if got.ID != first || got.Created != (i == 0) || got.RPID != tc.rpID ||
			strings.Join(got.Origins, " ") != strings.Join(tc.origins, " ") || !slices.Contains(got.RedirectPrefixes, tc.publicURL+"/") {
			t.Errorf("at %s: tenant %s (created %v) with relying party %s, origins %v, redirects %v; want %s, %s and %v",
				tc.publicURL, got.ID, got.Created, got.RPID, got.Origins, got.RedirectPrefixes, first, tc.rpID, tc.origins)
		}
		stored, err := st.Tenant(ctx, got.ID)
		if err != nil || stored.RPID != tc.rpID || len(stored.Origins) != len(tc.origins) {
			t.Errorf("at %s: stored %+v, %v", tc.publicURL, stored, err)
		}
	}
	all, err := st.Tenants(ctx)
	if err != nil || len(all) != 1 {
		t.Errorf("the database holds %d tenants (%v), want the demo's only", len(all), err)
	}
}

func TestSignInTracksAndOpensTheHostedPages(t *testing.T) {
	e := newEnv(t)
	res := e.signIn("ada@example.com")
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, e.srv.URL+"/login?token=") {
		t.Fatalf("status %d, Location %q; want the hosted pages", res.StatusCode, loc)
	}
	u, _ := url.Parse(loc)
	c, err := e.tn.ClientByToken(context.Background(), u.Query().Get("token"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.svc.Action(context.Background(), e.tenant.ID, c.Claims.IdempotencyKey)
	if err != nil {
		t.Fatal(err)
	}
	srvURL, _ := url.Parse(e.srv.URL)
	var did string
	for _, ck := range e.client.Jar.Cookies(srvURL) {
		if ck.Name == hosted.DeviceCookie {
			did = ck.Value
		}
	}
	if a.Code != "signIn" || a.RedirectURL != e.srv.URL+"/demo/callback" || did == "" || a.DeviceID != did {
		t.Errorf("tracked %s redirecting to %q on device %q; want signIn, /demo/callback and the cookie's device %q",
			a.Code, a.RedirectURL, a.DeviceID, did)
	}
	u2, _ := e.svc.User(context.Background(), e.tenant.ID, "ada@example.com")
	if u2.Email != "ada@example.com" {
		t.Errorf("user email %q, want the username given as an email", u2.Email)
	}
}

func TestSignInRefusesForgedForms(t *testing.T) {
	e := newEnv(t)
	for name, form := range map[string]url.Values{
		"no field":    {"username": {"ada"}},
		"wrong field": {"username": {"ada"}, "csrf": {"AAAA"}},
	} {
		res, page := e.do("POST", "/demo/signin", form)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(page, "Please start again") {
			t.Errorf("%s: status %d: %s", name, res.StatusCode, page)
		}
	}
	if res := e.signIn("a/b"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("a username with a slash: status %d, want 400", res.StatusCode)
	}
}

func TestCallbackSaysWhoSignedInAndHow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.svc.EnrollVerified(ctx, e.tenant.ID, "ada", model.Authenticator{
		Method: model.MethodEmailOTP, Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	loc, _ := url.Parse(e.signIn("ada").Header.Get("Location"))
	c, err := e.tn.ClientByToken(ctx, loc.Query().Get("token"))
	if err != nil {
		t.Fatal(err)
	}
	if _, page := e.do("GET", "/demo/callback?token="+url.QueryEscape(loc.Query().Get("token")), nil); !strings.Contains(page, "Not signed in") {
		t.Errorf("before the challenge the callback says: %s", page)
	}
	if _, err := e.codes.ChallengeContact(ctx, c, model.MethodEmailOTP); err != nil {
		t.Fatal(err)
	}
	d, _ := e.inbox.Last("ada@example.com")
	code, err := mailparse.FindCode(d.Text)
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.codes.VerifyContact(ctx, c, model.MethodEmailOTP, code)
	if err != nil || !v.IsVerified {
		t.Fatalf("verify = %+v, %v", v, err)
	}
	_, page := e.do("GET", "/demo/callback?token="+url.QueryEscape(v.AccessToken), nil)
	if !strings.Contains(text(page), "Signed in as ada with EMAIL_OTP") {
		t.Errorf("after the challenge the callback says: %s", page)
	}
}
