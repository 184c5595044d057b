package hosted_test

import (
	"context"
	"fmt"
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
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/mailparse"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/policy"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/testclock"
)

// appURL is the app the tenant allows redirects to.
const appURL = "http://localhost:8080/app/callback"

// env is Uplift in process with an inbox for email codes and a clock
// tests can move.
type env struct {
	t      *testing.T
	srv    *httptest.Server
	svc    *actions.Service
	tn     *tenancy.Service
	policy *policy.Service
	st     *store.Store
	inbox  *notify.Inbox
	tenant model.Tenant
	clock  *testclock.Clock
}

func newEnv(t *testing.T, opts ...server.Option) *env {
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
	c := testclock.New(time.Now().UTC())
	inbox := notify.NewInbox(nil, 0, c.Now)
	log := slog.New(slog.DiscardHandler)
	uplift := app.New(app.Options{Store: st, Log: log, PublicURL: "http://localhost:8080", Now: c.Now, Email: inbox, SMS: inbox})
	svc := uplift.Actions
	tn, _, err := uplift.Tenancy.CreateTenant(ctx, tenancy.NewTenant{Name: "Hosted test"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(uplift, log, opts...).Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, svc: svc, tn: uplift.Tenancy, policy: uplift.Policy, st: st, inbox: inbox, tenant: tn, clock: c}
}

// emailUser enrols a verified email for a user.
func (e *env) emailUser(userID string) string {
	e.t.Helper()
	email := userID + "@example.com"
	if _, err := e.svc.EnrollVerified(context.Background(), e.tenant.ID, userID,
		model.Authenticator{Method: model.MethodEmailOTP, Email: email}); err != nil {
		e.t.Fatal(err)
	}
	return email
}

// passkeyElsewhere gives a user a passkey made on another device; its
// key material is never used here.
func (e *env) passkeyElsewhere(userID string) {
	e.t.Helper()
	now := e.clock.Now()
	a := model.Authenticator{ID: "11111111-1111-4111-8111-" + fmt.Sprintf("%012d", len(userID)), TenantID: e.tenant.ID,
		UserID: userID, Method: model.MethodPasskey, CreatedAt: now, VerifiedAt: now, LastVerifiedAt: now}
	p := model.Passkey{CredentialID: []byte("credential-of-" + userID), PublicKey: []byte{1}, DeviceID: "another-device",
		Attachment: "platform", CreatedAt: now, LastVerifiedAt: now}
	if err := e.st.CreatePasskey(context.Background(), a, p); err != nil {
		e.t.Fatal(err)
	}
}

// track tracks signIn for a user and returns the hosted URL's path and query.
func (e *env) track(userID string) (string, actions.TrackResult) {
	e.t.Helper()
	res, err := e.svc.Track(context.Background(), e.tenant, actions.TrackInput{UserID: userID, ActionCode: "signIn",
		RedirectURL: appURL})
	if err != nil {
		e.t.Fatal(err)
	}
	u, _ := url.Parse(res.URL)
	return u.RequestURI(), res
}

// browser is an HTTP client with its own cookies that does not follow
// redirects, so tests see every step.
type browser struct {
	e      *env
	client *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is a response with its body read.
type page struct {
	*http.Response
	body string
}

// has reports whether the page's text, entities decoded, contains s.
func (p page) has(s string) bool { return strings.Contains(html.UnescapeString(p.body), s) }

func (b *browser) get(path string) page {
	b.e.t.Helper()
	res, err := b.client.Get(b.e.srv.URL + path)
	return b.read(res, err)
}

func (b *browser) postForm(path string, form url.Values) page {
	b.e.t.Helper()
	res, err := b.client.PostForm(b.e.srv.URL+path, form)
	return b.read(res, err)
}

func (b *browser) postJSON(path, csrf, body string) page {
	b.e.t.Helper()
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if csrf != "" {
		req.Header.Set("X-Uplift-CSRF", csrf)
	}
	res, err := b.client.Do(req)
	return b.read(res, err)
}

func (b *browser) read(res *http.Response, err error) page {
	b.e.t.Helper()
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return page{res, string(body)}
}

// follow requests the page a redirect points at.
func (b *browser) follow(p page) page {
	b.e.t.Helper()
	if p.StatusCode != http.StatusSeeOther {
		b.e.t.Fatalf("status %d, want 303: %s", p.StatusCode, p.body)
	}
	return b.get(p.Header.Get("Location"))
}

var fieldPattern = regexp.MustCompile(`name="(token|csrf)" value="([^"]+)"`)

// fields returns a page's hidden flow fields.
func (p page) fields(t *testing.T) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range fieldPattern.FindAllStringSubmatch(p.body, -1) {
		v.Set(m[1], htmlUnescape(m[2]))
	}
	if v.Get("token") == "" || v.Get("csrf") == "" {
		t.Fatalf("no flow fields in page: %s", p.body)
	}
	return v
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#43;", "+", "&#61;", "=", "&amp;", "&").Replace(s)
}

// with returns a copy of v with the extra fields set.
func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// lastCode reads the code of the newest email to an address.
func (e *env) lastCode(to string) string {
	e.t.Helper()
	d, ok := e.inbox.Last(to)
	if !ok {
		e.t.Fatalf("no email to %s", to)
	}
	code, err := mailparse.FindCode(d.Text)
	if err != nil {
		e.t.Fatalf("no code in email: %s", d.Text)
	}
	return code
}

// events returns the kinds and reasons of a user's uplift events, sorted
// (the test clock stands still, so their times are equal).
func (e *env) events(userID string) []string {
	e.t.Helper()
	evs, err := e.st.UpliftEvents(context.Background(), e.tenant.ID, userID, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		s := string(ev.Kind)
		if ev.Reason != "" {
			s += ":" + ev.Reason
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
