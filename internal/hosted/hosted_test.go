package hosted_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/hosted"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/server"
)

func TestSecurityHeadersOnEveryPage(t *testing.T) {
	e := newEnv(t)
	e.emailUser("ada")
	path, _ := e.track("ada")
	b := e.browser()
	for name, p := range map[string]page{
		"challenge": b.get(path),
		"bad token": b.get("/login?token=nonsense"),
	} {
		h := p.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self' http://localhost:8080"} {
			if name == "bad token" && strings.HasPrefix(want, "form-action") {
				want = "form-action 'self'"
			}
			if !strings.Contains(csp, want) {
				t.Errorf("%s: Content-Security-Policy %q lacks %q", name, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("%s: Content-Security-Policy %q allows unsafe sources", name, csp)
		}
		got := []string{h.Get("X-Frame-Options"), h.Get("Referrer-Policy"), h.Get("Cache-Control")}
		if diff := cmp.Diff(got, []string{"DENY", "no-referrer", "no-store"}); diff != "" {
			t.Errorf("%s: headers (-got +want):\n%s", name, diff)
		}
		if strings.Contains(p.body, "<script>") || strings.Contains(p.body, "style=") || strings.Contains(p.body, "<style") {
			t.Errorf("%s: page has inline script or style", name)
		}
	}
}

func TestDeviceCookie(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       []server.Option
		wantSecure bool
	}{
		{"http", nil, false},
		{"https public URL", []server.Option{server.WithPublicURL("https://auth.example.com")}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts...)
			e.emailUser("ada")
			path, _ := e.track("ada")
			p := e.browser().get(path)
			var did *http.Cookie
			for _, c := range p.Cookies() {
				if c.Name == hosted.DeviceCookie {
					did = c
				}
			}
			if did == nil {
				t.Fatalf("no %s cookie set: %v", hosted.DeviceCookie, p.Header["Set-Cookie"])
			}
			raw, err := base64.RawURLEncoding.DecodeString(did.Value)
			if err != nil || len(raw) != 16 {
				t.Errorf("device id %q is not 16 bytes of base64url", did.Value)
			}
			got := []any{did.HttpOnly, did.SameSite, did.Secure, did.Path, did.MaxAge}
			want := []any{true, http.SameSiteLaxMode, tc.wantSecure, "/", 400 * 24 * 3600}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("cookie HttpOnly, SameSite, Secure, Path, MaxAge (-got +want):\n%s", diff)
			}
		})
	}
}

func TestDeviceCookieKept(t *testing.T) {
	e := newEnv(t)
	e.emailUser("ada")
	b := e.browser()
	path, _ := e.track("ada")
	b.get(path)
	second := b.get(path)
	for _, c := range second.Cookies() {
		if c.Name == hosted.DeviceCookie {
			t.Errorf("a browser with a device id got a new one: %v", c)
		}
	}
}

func TestBadTokens(t *testing.T) {
	e := newEnv(t)
	e.emailUser("ada")
	path, _ := e.track("ada")
	expired := e.browser()
	e.clock.Advance(11 * time.Minute)
	for _, tc := range []struct {
		name, path, want string
		status           int
	}{
		{"missing", "/login", "This sign-in link doesn't work", http.StatusUnauthorized},
		{"forged", "/login?token=eyJhbGciOiJIUzI1NiJ9.e30.c2ln", "This sign-in link doesn't work", http.StatusUnauthorized},
		{"expired", path, "This sign-in link has expired", http.StatusUnauthorized},
		{"expired on the decision step", strings.Replace(path, "/login?", "/login/done?", 1), "This sign-in link has expired", http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := expired.get(tc.path)
			if p.StatusCode != tc.status || !p.has(tc.want) {
				t.Errorf("status %d, want %d with %q: %s", p.StatusCode, tc.status, tc.want, p.body)
			}
		})
	}
}

func TestCSRFRefusal(t *testing.T) {
	e := newEnv(t)
	email := e.emailUser("ada")
	path, _ := e.track("ada")
	b := e.browser()
	fields := b.get(path).fields(t)
	other := e.browser()
	otherFields := other.get(path).fields(t)

	for _, tc := range []struct {
		name string
		b    *browser
		form url.Values
	}{
		{"no field", b, url.Values{"token": {fields.Get("token")}}},
		{"wrong field", b, with(fields, "csrf", "AAAA")},
		{"another browser's field", b, with(fields, "csrf", otherFields.Get("csrf"))},
		{"no cookie", e.browser(), fields},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.b.postForm("/login/email", tc.form)
			if p.StatusCode != http.StatusForbidden || !p.has("Please start again") {
				t.Errorf("status %d, want 403 and a page saying to start again: %s", p.StatusCode, p.body)
			}
		})
	}
	if _, ok := e.inbox.Last(email); ok {
		t.Errorf("a refused post sent a code")
	}
	t.Run("JSON without the header", func(t *testing.T) {
		p := b.postJSON("/login/capabilities", "", `{"token":"`+fields.Get("token")+`","capabilities":{}}`)
		if p.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403: %s", p.StatusCode, p.body)
		}
	})
	if p := b.postForm("/login/email", fields); p.StatusCode != http.StatusSeeOther {
		t.Errorf("the page's own fields: status %d, want 303: %s", p.StatusCode, p.body)
	}
}

// signInWithEmail completes the challenge with an email code and returns
// the browser, its flow fields and the response to the right code.
func signInWithEmail(t *testing.T, e *env, b *browser, userID, email string, caps string) (url.Values, page) {
	t.Helper()
	path, _ := e.track(userID)
	fields := b.get(path).fields(t)
	if caps != "" {
		p := b.postJSON("/login/capabilities", fields.Get("csrf"), `{"token":"`+fields.Get("token")+`","capabilities":`+caps+`}`)
		if p.StatusCode != http.StatusNoContent {
			t.Fatalf("capabilities: status %d: %s", p.StatusCode, p.body)
		}
	}
	code := b.follow(b.postForm("/login/email", fields))
	if !strings.Contains(code.body, "Verification code") {
		t.Fatalf("code page: %s", code.body)
	}
	wrong := b.postForm("/login/verify", with(fields, "method", "EMAIL_OTP", "code", "000000"))
	if wrong.StatusCode != http.StatusBadRequest || !wrong.has("That code isn't right") {
		t.Errorf("wrong code: status %d: %s", wrong.StatusCode, wrong.body)
	}
	right := b.postForm("/login/verify", with(fields, "method", "EMAIL_OTP", "code", e.lastCode(email)))
	return fields, right
}

func TestEmailCodeWithoutCapabilitiesReturnsToApp(t *testing.T) {
	e := newEnv(t)
	email := e.emailUser("ada")
	b := e.browser()
	_, right := signInWithEmail(t, e, b, "ada", email, "")
	done := b.follow(right)
	loc, err := url.Parse(done.Header.Get("Location"))
	if done.StatusCode != http.StatusSeeOther || err != nil || !strings.HasPrefix(loc.String(), appURL+"?token=") {
		t.Fatalf("after the code: status %d, Location %q; want a redirect to the app", done.StatusCode, done.Header.Get("Location"))
	}
	v, err := e.svc.Validate(context.Background(), e.tenant, loc.Query().Get("token"), "ada", "signIn")
	if err != nil || !v.IsValid || v.Action.VerificationMethod != model.MethodEmailOTP {
		t.Errorf("validate = %+v, %v; want valid by EMAIL_OTP", v, err)
	}
	if diff := cmp.Diff(e.events("ada"), []string{"evaluated:device_unsupported"}); diff != "" {
		t.Errorf("uplift events (-got +want):\n%s", diff)
	}
}

const platformCaps = `{"publicKeyCredential":true,"isUserVerifyingPlatformAuthenticatorAvailable":true,"isConditionalMediationAvailable":true,"clientCapabilities":{"passkeyPlatformAuthenticator":true,"conditionalGet":true}}`

func TestPromptShownAndDismissed(t *testing.T) {
	e := newEnv(t)
	email := e.emailUser("ada")
	b := e.browser()
	_, right := signInWithEmail(t, e, b, "ada", email, platformCaps)
	prompt := b.follow(right)
	if prompt.StatusCode != http.StatusOK || !strings.Contains(prompt.body, "<h1>Create a passkey</h1>") {
		t.Fatalf("prompt: status %d: %s", prompt.StatusCode, prompt.body)
	}
	fields := prompt.fields(t)
	if p := b.postForm("/login/prompt", with(fields, "choice", "dismiss", "csrf", "AAAA")); p.StatusCode != http.StatusForbidden {
		t.Errorf("dismissal with a wrong CSRF field: status %d, want 403", p.StatusCode)
	}
	p := b.postForm("/login/prompt", with(fields, "choice", "dismiss"))
	final := b.follow(p)
	if !strings.HasPrefix(final.Header.Get("Location"), appURL+"?token=") {
		t.Errorf("after Not now: status %d, Location %q", final.StatusCode, final.Header.Get("Location"))
	}
	// Reaching the app after the prompt is recorded too (the experiments'
	// guardrail).
	want := []string{"dismissed", "evaluated:eligible", "returned", "shown"}
	if diff := cmp.Diff(e.events("ada"), want); diff != "" {
		t.Errorf("uplift events (-got +want):\n%s", diff)
	}
	d, err := e.st.Device(context.Background(), e.tenant.ID, deviceID(t, b))
	if err != nil || d.Capabilities["isUserVerifyingPlatformAuthenticatorAvailable"] != true ||
		d.Capabilities["clientCapabilities"].(map[string]any)["conditionalGet"] != true {
		t.Errorf("stored capabilities = %v, %v", d.Capabilities, err)
	}
}

func TestPromptResults(t *testing.T) {
	for _, tc := range []struct {
		outcome, cause string
		wantEvents     []string
		wantHeld       bool
	}{
		{"dismissed", "NotAllowedError", []string{"dismissed", "evaluated:eligible", "shown"}, false},
		{"failed", "UnknownError", []string{"evaluated:eligible", "failed", "shown"}, false},
		{"exists", "InvalidStateError", []string{"evaluated:eligible", "shown"}, true},
	} {
		t.Run(tc.outcome, func(t *testing.T) {
			e := newEnv(t)
			email := e.emailUser("ada")
			e.passkeyElsewhere("ada")
			b := e.browser()
			_, right := signInWithEmail(t, e, b, "ada", email, platformCaps)
			fields := b.follow(right).fields(t)
			body := `{"token":"` + fields.Get("token") + `","outcome":"` + tc.outcome + `","cause":"` + tc.cause + `"}`
			p := b.postJSON("/login/prompt/result", fields.Get("csrf"), body)
			if p.StatusCode != http.StatusOK || !strings.Contains(p.body, `"next":"/login/finish?token=`) {
				t.Fatalf("status %d: %s", p.StatusCode, p.body)
			}
			if diff := cmp.Diff(e.events("ada"), tc.wantEvents); diff != "" {
				t.Errorf("uplift events (-got +want):\n%s", diff)
			}
			held, err := e.st.PasskeyOnDevice(context.Background(), e.tenant.ID, "ada", deviceID(t, b))
			if err != nil || held != tc.wantHeld {
				t.Errorf("device marked as holding a passkey = %v, want %v", held, tc.wantHeld)
			}
		})
	}
}

func TestForeignRedirectRefused(t *testing.T) {
	e := newEnv(t)
	email := e.emailUser("ada")
	b := e.browser()
	_, right := signInWithEmail(t, e, b, "ada", email, "")
	// The tenant stops allowing the app's URL after track accepted it.
	tn := e.tenant
	tn.RedirectPrefixes = []string{"https://elsewhere.example.com/"}
	if err := e.st.UpdateTenant(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	e.tn.ForgetTenant(tn.ID) // as after a change made through another instance, once its time is up
	p := b.follow(right)
	if p.StatusCode != http.StatusOK || p.Header.Get("Location") != "" || !p.has("You're signed in") {
		t.Errorf("status %d, Location %q; want the signed-in page and no redirect: %s", p.StatusCode, p.Header.Get("Location"), p.body)
	}
}

func TestCapabilityReportChecked(t *testing.T) {
	e := newEnv(t)
	e.emailUser("ada")
	path, _ := e.track("ada")
	b := e.browser()
	fields := b.get(path).fields(t)
	for _, caps := range []string{
		`{"somethingElse":true}`,
		`{"publicKeyCredential":"yes"}`,
		`{"clientCapabilities":{"conditionalGet":"maybe"}}`,
		`[]`,
	} {
		p := b.postJSON("/login/capabilities", fields.Get("csrf"), `{"token":"`+fields.Get("token")+`","capabilities":`+caps+`}`)
		if p.StatusCode != http.StatusBadRequest {
			t.Errorf("capabilities %s: status %d, want 400: %s", caps, p.StatusCode, p.body)
		}
	}
}

func TestAssets(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	for name, ctype := range map[string]string{"hosted.js": "text/javascript", "hosted.css": "text/css"} {
		p := b.get(hosted.AssetPrefix + name)
		if p.StatusCode != http.StatusOK || !strings.HasPrefix(p.Header.Get("Content-Type"), ctype) ||
			p.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: status %d, headers %v", name, p.StatusCode, p.Header)
		}
	}
	if p := b.get(hosted.AssetPrefix + "layout.html"); p.StatusCode != http.StatusNotFound {
		t.Errorf("a template is served as an asset: status %d", p.StatusCode)
	}
}

func deviceID(t *testing.T, b *browser) string {
	t.Helper()
	u, _ := url.Parse(b.e.srv.URL)
	i := slices.IndexFunc(b.client.Jar.Cookies(u), func(c *http.Cookie) bool { return c.Name == hosted.DeviceCookie })
	if i < 0 {
		t.Fatal("the browser has no device cookie")
	}
	return b.client.Jar.Cookies(u)[i].Value
}

// Without a redirectUrl in track, the action configuration's redirect URL
// is used; with neither, the signed-in page is shown.
func TestRedirectFallsBackToTheActionConfiguration(t *testing.T) {
	e := newEnv(t)
	email := e.emailUser("ada")
	ctx := context.Background()
	signIn := func() page {
		t.Helper()
		res, err := e.svc.Track(ctx, e.tenant, actions.TrackInput{UserID: "ada", ActionCode: "signIn"})
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
		u, _ := url.Parse(res.URL)
		b := e.browser()
		fields := b.get(u.RequestURI()).fields(t)
		b.follow(b.postForm("/login/email", fields))
		right := b.postForm("/login/verify", with(fields, "method", "EMAIL_OTP", "code", e.lastCode(email)))
		return b.follow(right)
	}
	if p := signIn(); p.StatusCode != http.StatusOK || !p.has("You're signed in") {
		t.Errorf("with no redirect URL: status %d: %s", p.StatusCode, p.body)
	}
	const configured = "http://localhost:8080/app/configured"
	if _, err := e.policy.UpdateActionConfig(ctx, e.tenant, "signIn", func(c *model.ActionConfig) { c.RedirectURL = configured }); err != nil {
		t.Fatal(err)
	}
	if p := signIn(); !strings.HasPrefix(p.Header.Get("Location"), configured+"?token=") {
		t.Errorf("with the configuration's redirect URL: status %d, Location %q", p.StatusCode, p.Header.Get("Location"))
	}
}
