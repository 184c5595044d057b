package clientapi_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// linkPage is an answer of the email link page.
type linkPage struct {
	status int
	header http.Header
	body   string
}

var (
	linkInMail  = regexp.MustCompile(`https?://[^/\s]+(/login/email-link\?\S+)`)
	hiddenField = regexp.MustCompile(`name="(t|c|s|csrf)" value="([^"]*)"`)
)

// emailLink returns the path and query of the link in the newest email
// to addr.
func (c *codeEnv) emailLink(addr string) string {
	c.T.Helper()
	m, err := c.mail.Last(addr)
	if err != nil {
		c.T.Fatalf("email to %s: %v", addr, err)
	}
	text, err := m.Part("text/plain")
	if err != nil {
		c.T.Fatal(err)
	}
	found := linkInMail.FindStringSubmatch(text)
	if found == nil {
		c.T.Fatalf("no link in %q", text)
	}
	return found[1]
}

// browse sends a browser request to the server, with cookies.
func (c *codeEnv) browse(method, target string, form url.Values, cookies []*http.Cookie) (linkPage, []*http.Cookie) {
	c.T.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.Handler.ServeHTTP(rec, req)
	return linkPage{rec.Code, rec.Header(), rec.Body.String()}, rec.Result().Cookies()
}

// linkForm loads the page at link and returns its form and cookies.
func (c *codeEnv) linkForm(link string) (url.Values, []*http.Cookie) {
	c.T.Helper()
	page, cookies := c.browse("GET", link, nil, nil)
	if page.status != 200 {
		c.T.Fatalf("GET the link: %d %s", page.status, page.body)
	}
	form := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(page.body, -1) {
		form.Set(m[1], m[2])
	}
	if len(form) != 4 {
		c.T.Fatalf("the link page's form has %v", form)
	}
	return form, cookies
}

// openLink opens a link as a browser does: the page, then its form.
func (c *codeEnv) openLink(link string) linkPage {
	c.T.Helper()
	form, cookies := c.linkForm(link)
	page, _ := c.browse("POST", "/login/email-link", form, cookies)
	return page
}

// wantPage fails unless the page has status and says words.
func wantPage(t *testing.T, what string, p linkPage, status int, words string) {
	t.Helper()
	if p.status != status || !strings.Contains(p.body, words) {
		t.Errorf("%s: %d %.300s; want %d saying %q", what, p.status, p.body, status, words)
	}
}

func TestEmailLinkEnrolAndSignIn(t *testing.T) {
	c := newCodeEnv(t)
	tok := c.track("ada", "signUp", nil)
	e := c.call(tok, "/v1/client/user-authenticators/email-magic-link", map[string]any{"email": "ada@example.com"}, 200)
	if e.Str("userId") != "ada" || e.Str("userAuthenticatorId") == "" {
		t.Fatalf("enroll: %s", e.Body)
	}
	link := c.emailLink("ada@example.com")

	// Loading the page completes nothing (mail scanners fetch links); it
	// may not be framed and sends no Referer.
	page, _ := c.browse("GET", link, nil, nil)
	h := page.header
	if h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Frame-Options") != "DENY" ||
		!strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("link page headers: %v", h)
	}
	wantFailure := func(r map[string]any) bool { return r["isVerified"] == false && r["accessToken"] == nil }
	if r := c.call(tok, "/v1/client/verify/email-magic-link/finalize", map[string]any{}, 200); !wantFailure(r.JSON) {
		t.Fatalf("finalize before the link is opened: %s", r.Body)
	}

	wantPage(t, "opening the link", c.openLink(link), 200, "Email confirmed")
	r := c.call(tok, "/v1/client/verify/email-magic-link/finalize", map[string]any{}, 200)
	au, _ := r.JSON["userAuthenticator"].(map[string]any)
	if r.JSON["isVerified"] != true || r.Str("accessToken") == "" || au["verificationMethod"] != "EMAIL_MAGIC_LINK" ||
		au["userAuthenticatorId"] != e.Str("userAuthenticatorId") || au["email"] != "ada@example.com" {
		t.Fatalf("finalize after the enrolment link: %s", r.Body)
	}
	if v := c.validate(r.Str("accessToken")); v.JSON["isValid"] != true || v.Str("state") != "CHALLENGE_SUCCEEDED" ||
		v.Str("verificationMethod") != "EMAIL_MAGIC_LINK" {
		t.Errorf("validate after enrolment: %s", v.Body)
	}
	wantPage(t, "opening the link again", c.openLink(link), 409, "already used")

	// Sign in with it in a new action.
	c.Clock.Advance(31 * time.Second)
	tok = c.track("ada", "signIn", nil)
	ch := c.call(tok, "/v1/client/challenge/email-magic-link", nil, 200)
	if ch.Str("challengeId") == "" {
		t.Fatalf("challenge: %s", ch.Body)
	}
	if v := c.validate(tok); v.Str("state") != "CHALLENGE_REQUIRED" {
		t.Fatalf("before the link: %s", v.Body)
	}
	wantPage(t, "opening the sign-in link", c.openLink(c.emailLink("ada@example.com")), 200, "Email confirmed")
	r = c.call(tok, "/v1/client/verify/email-magic-link/finalize", nil, 200)
	if r.JSON["isVerified"] != true || r.JSON["userAuthenticator"] != nil {
		t.Fatalf("finalize after the sign-in link: %s", r.Body)
	}
	if v := c.validate(r.Str("accessToken")); v.JSON["isValid"] != true || v.Str("state") != "CHALLENGE_SUCCEEDED" {
		t.Errorf("validate after sign-in: %s", v.Body)
	}
}

func TestEmailLinkAttacks(t *testing.T) {
	c := newCodeEnv(t)
	c.Do(c.secret, "POST", "/v1/users/ada/authenticators",
		map[string]any{"verificationMethod": "EMAIL_MAGIC_LINK", "email": "ada@example.com"}).MustOK(t)
	tok := c.track("ada", "signIn", nil)
	c.call(tok, "/v1/client/challenge/email-magic-link", nil, 200)
	link := c.emailLink("ada@example.com")
	form, cookies := c.linkForm(link)

	post := func(change func(url.Values), cookies []*http.Cookie) linkPage {
		f := url.Values{}
		for k, v := range form {
			f[k] = append([]string(nil), v...)
		}
		change(f)
		p, _ := c.browse("POST", "/login/email-link", f, cookies)
		return p
	}
	other, _ := c.Tenant("Other")
	wantPage(t, "no CSRF field", post(func(f url.Values) { f.Del("csrf") }, cookies), 403, "start again")
	wantPage(t, "no CSRF cookie", post(func(url.Values) {}, nil), 403, "start again")
	wantPage(t, "another challenge's CSRF field", post(func(f url.Values) { f.Set("c", f.Get("c")+"x") }, cookies), 403, "start again")
	wantPage(t, "a wrong secret", post(func(f url.Values) { f.Set("s", strings.Repeat("A", 43)) }, cookies), 404, "not valid")
	wantPage(t, "another tenant", post(func(f url.Values) { f.Set("t", other.ID) }, cookies), 404, "not valid")
	wantPage(t, "a NUL byte in the form", post(func(f url.Values) { f.Set("s", f.Get("s")+"\x00") }, cookies), 400, "s")
	page, _ := c.browse("GET", link+"%00", nil, nil)
	wantPage(t, "a NUL byte in the link", page, 400, "")

	// Polling with another user's or another action's token learns nothing.
	for _, who := range []string{"bob", "ada"} {
		r := c.Client(c.track(who, "signIn", nil), "POST", "/v1/client/verify/email-magic-link/finalize", map[string]any{})
		if r.Status != 400 || r.Str("accessToken") != "" || r.JSON["isVerified"] != nil {
			t.Errorf("finalize with %s's other token: %d %s", who, r.Status, r.Body)
		}
	}
	wantAPIError(t, c.Client(tok, "POST", "/v1/client/verify/email-magic-link/finalize", map[string]any{"secret": "x"}),
		400, "invalid_request", "secret")

	// None of it touched the link: it still opens, once.
	wantPage(t, "the real link", c.openLink(link), 200, "Email confirmed")
	if r := c.call(tok, "/v1/client/verify/email-magic-link/finalize", nil, 200); r.JSON["isVerified"] != true {
		t.Errorf("finalize: %s", r.Body)
	}

	// Expired: ten minutes later a new link no longer opens.
	c.Clock.Advance(31 * time.Second)
	tok = c.track("ada", "signIn", nil)
	c.call(tok, "/v1/client/challenge/email-magic-link", nil, 200)
	link = c.emailLink("ada@example.com")
	c.Clock.Advance(10 * time.Minute)
	wantPage(t, "an expired link", c.openLink(link), 400, "expired")
	actions := c.Do(c.secret, "GET", "/v1/users/ada/actions", nil).MustOK(t)
	if len(actions.List) == 0 || actions.List[0].(map[string]any)["state"] != "CHALLENGE_REQUIRED" {
		t.Errorf("after the expired link: %s", actions.Body)
	}
}

// TestEmailLinksShareEmailThrottles: a link and a code go to the same
// mailbox, so they count against the same send throttle.
func TestEmailLinksShareEmailThrottles(t *testing.T) {
	c := newCodeEnv(t)
	for _, m := range []string{"EMAIL_OTP", "EMAIL_MAGIC_LINK"} {
		c.Do(c.secret, "POST", "/v1/users/ada/authenticators", map[string]any{"verificationMethod": m, "email": "ada@example.com"}).MustOK(t)
	}
	tok := c.track("ada", "signIn", nil)
	c.call(tok, "/v1/client/challenge/email-otp", nil, 200)
	r := c.call(tok, "/v1/client/challenge/email-magic-link", nil, 429)
	if r.Header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After: %v", r.Header)
	}
	c.Clock.Advance(31 * time.Second)
	c.call(tok, "/v1/client/challenge/email-magic-link", nil, 200)
	c.call(tok, "/v1/client/challenge/email-otp", nil, 429)
}

// TestEmailLinkEnrolmentRule: email links are enrolled by the rule every
// method follows.
func TestEmailLinkEnrolmentRule(t *testing.T) {
	c := newCodeEnv(t)
	c.Do(c.secret, "POST", "/v1/users/ada/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": "ada@example.com"}).MustOK(t)
	wantAPIError(t, c.Client(c.track("ada", "signIn", nil), "POST", "/v1/client/user-authenticators/email-magic-link",
		map[string]any{"email": "ada@example.com"}), 403, "forbidden", "already has an authenticator")
	c.call(c.track("ada", "signIn", map[string]any{"scope": "add:authenticators"}),
		"/v1/client/user-authenticators/email-magic-link", map[string]any{"email": "ada@example.com"}, 200)

	wantAPIError(t, c.Client(c.track("bob", "signUp", map[string]any{"email": "bob@example.com"}), "POST",
		"/v1/client/user-authenticators/email-magic-link", map[string]any{"email": "mallory@example.com"}), 403, "address_mismatch", "email address")
	wantAPIError(t, c.Client(c.track("carol", "signUp", nil), "POST",
		"/v1/client/user-authenticators/email-magic-link", map[string]any{"email": "carol@example.com\x00"}), 400, "invalid_text", "email")
	if n := len(c.mail.Messages()); n != 1 {
		t.Errorf("%d emails sent, want 1", n)
	}
}
