package console_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/console"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/webauthntest"
)

// consoleOrigin is where apitest's server says it is served.
const consoleOrigin = "http://localhost:8080"

// harness is Uplift in process with a tenant, driven through the console's
// routes as a browser would.
type harness struct {
	t      *testing.T
	env    *apitest.Env
	tenant model.Tenant
	secret string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	env := apitest.New(t)
	tn, secret := env.Tenant("Acme")
	return &harness{t: t, env: env, tenant: tn, secret: secret}
}

// page is an HTTP answer with its body read.
type page struct {
	status int
	header http.Header
	body   string
}

// do sends one request with the given session cookie (may be empty) and
// headers (pairs of name, value).
func (h *harness) do(method, path, session string, body io.Reader, headers ...string) page {
	h.t.Helper()
	req := httptest.NewRequest(method, consoleOrigin+path, body)
	if session != "" {
		req.AddCookie(&http.Cookie{Name: console.SessionCookie, Value: session})
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.env.Handler.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return page{status: rec.Code, header: rec.Result().Header, body: string(b)}
}

// get fetches a console page as the admin with session.
func (h *harness) get(path, session string) page {
	h.t.Helper()
	return h.do("GET", path, session, nil)
}

// post submits a form as the admin with session; the CSRF field is added
// from the session unless form sets it.
func (h *harness) post(path, session string, form url.Values) page {
	h.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form[console.CSRFField]; !ok && session != "" {
		form.Set(console.CSRFField, h.csrf(session))
	}
	return h.do("POST", path, session, strings.NewReader(form.Encode()),
		"Content-Type", "application/x-www-form-urlencoded", "Origin", consoleOrigin)
}

var csrfAttr = regexp.MustCompile(`data-csrf="([^"]+)"`)

// csrf reads the session's CSRF value from a console page, as the
// browser's form would carry it.
func (h *harness) csrf(session string) string {
	h.t.Helper()
	p := h.get("/console/settings", session)
	m := csrfAttr.FindStringSubmatch(p.body)
	if m == nil {
		h.t.Fatalf("no CSRF value on the settings page (status %d)", p.status)
	}
	return m[1]
}

// postJSON sends a JSON step of a ceremony and decodes the answer.
func (h *harness) postJSON(path string, body any) (int, map[string]any, []*http.Cookie) {
	h.t.Helper()
	b, _ := json.Marshal(body)
	req := httptest.NewRequest("POST", consoleOrigin+path, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", consoleOrigin)
	rec := httptest.NewRecorder()
	h.env.Handler.ServeHTTP(rec, req)
	var out map[string]any
	json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out, rec.Result().Cookies()
}

// authenticator is an admin's software passkey provider.
type authenticator struct {
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
	rp   virtualwebauthn.RelyingParty
}

func newAuthenticator() *authenticator {
	return &authenticator{
		auth: virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{}),
		cred: webauthntest.MustCredential(),
		rp:   virtualwebauthn.RelyingParty{ID: "localhost", Name: "Uplift console", Origin: consoleOrigin},
	}
}

func (a *authenticator) attest(t *testing.T, options any) json.RawMessage {
	t.Helper()
	raw, _ := json.Marshal(options)
	o, err := virtualwebauthn.ParseAttestationOptions(string(raw))
	if err != nil {
		t.Fatalf("parse creation options %s: %v", raw, err)
	}
	a.auth.Options.UserHandle = []byte(o.UserID)
	return json.RawMessage(virtualwebauthn.CreateAttestationResponse(a.rp, a.auth, a.cred, *o))
}

func (a *authenticator) assert(t *testing.T, options any) json.RawMessage {
	t.Helper()
	raw, _ := json.Marshal(options)
	o, err := virtualwebauthn.ParseAssertionOptions(string(raw))
	if err != nil {
		t.Fatalf("parse request options %s: %v", raw, err)
	}
	return json.RawMessage(virtualwebauthn.CreateAssertionResponse(a.rp, a.auth, a.cred, *o))
}

// inviteToken issues an invitation for tenantID and returns its token.
func (h *harness) inviteToken(tenantID string) string {
	h.t.Helper()
	link, err := h.env.App.Admin.CreateAdminInvite(context.Background(), tenantID)
	if err != nil {
		h.t.Fatal(err)
	}
	return link.URL[strings.LastIndex(link.URL, "/")+1:]
}

// sessionFrom returns the console session cookie's value among cookies.
func sessionFrom(t *testing.T, cookies []*http.Cookie) string {
	t.Helper()
	for _, c := range cookies {
		if c.Name == console.SessionCookie && c.Value != "" {
			return c.Value
		}
	}
	t.Fatal("no console session cookie was set")
	return ""
}

// enrol makes a new admin of tenantID through an invitation and returns
// their authenticator and session.
func (h *harness) enrol(tenantID, name string) (*authenticator, string) {
	h.t.Helper()
	token := h.inviteToken(tenantID)
	a := newAuthenticator()
	status, start, _ := h.postJSON("/console/invite/"+token+"/options", map[string]any{"name": name})
	if status != 200 {
		h.t.Fatalf("invite options: %d %v", status, start)
	}
	status, done, cookies := h.postJSON("/console/invite/"+token+"/register", map[string]any{
		"ceremonyId": start["ceremonyId"], "response": a.attest(h.t, start["options"]),
	})
	if status != 200 {
		h.t.Fatalf("invite register: %d %v", status, done)
	}
	return a, sessionFrom(h.t, cookies)
}

// admin enrols a first admin of the harness's tenant and returns a session.
func (h *harness) admin() string {
	h.t.Helper()
	_, s := h.enrol(h.tenant.ID, "Ada Admin")
	return s
}

// signIn signs in with a's passkey and returns the session.
func (h *harness) signIn(a *authenticator) (int, map[string]any, string) {
	h.t.Helper()
	status, start, _ := h.postJSON("/console/signin/options", map[string]any{})
	if status != 200 {
		h.t.Fatalf("sign-in options: %d %v", status, start)
	}
	status, done, cookies := h.postJSON("/console/signin/verify", map[string]any{
		"ceremonyId": start["ceremonyId"], "response": a.assert(h.t, start["options"]),
	})
	if status != 200 {
		return status, done, ""
	}
	return status, done, sessionFrom(h.t, cookies)
}
