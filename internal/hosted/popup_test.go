package hosted_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/hosted"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/policy"
)

// appOrigins are the tenant's expected origins in the popup tests.
var appOrigins = []string{"http://localhost:8080", "http://localhost:3000"}

func popupEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	tn, err := e.policy.UpdatePasskeySettings(context.Background(), e.tenant.ID, func(ps *policy.PasskeySettings) {
		ps.Origins = appOrigins
	})
	if err != nil {
		t.Fatal(err)
	}
	e.tenant = tn
	return e
}

// framing is what a response's headers say about who may frame it.
type framing struct {
	FrameAncestors string
	XFrameOptions  string
	OpenerPolicy   string
}

var frameAncestorsPattern = regexp.MustCompile(`(?:^|;)\s*frame-ancestors ([^;]*)`)

func framingOf(p page) framing {
	f := framing{XFrameOptions: p.Header.Get("X-Frame-Options"), OpenerPolicy: p.Header.Get("Cross-Origin-Opener-Policy")}
	if m := frameAncestorsPattern.FindStringSubmatch(p.Header.Get("Content-Security-Policy")); m != nil {
		f.FrameAncestors = strings.TrimSpace(m[1])
	}
	return f
}

var (
	denied    = framing{FrameAncestors: "'none'", XFrameOptions: "DENY", OpenerPolicy: "same-origin"}
	byTheApps = framing{FrameAncestors: strings.Join(appOrigins, " ")}
)

// TestPopupFraming: only a page of a flow in popup mode may be framed, and
// only by the tenant's expected origins; everything else denies framing.
func TestPopupFraming(t *testing.T) {
	e := popupEnv(t)
	e.emailUser("ada")
	path, _ := e.track("ada")
	b := e.browser()
	for _, tc := range []struct {
		name, path string
		want       framing
	}{
		{"challenge", path, denied},
		{"challenge in popup mode", path + "&mode=popup", byTheApps},
		{"another mode", path + "&mode=window", denied},
		{"popup mode twice, the first one read", path + "&mode=redirect&mode=popup", denied},
		{"methods in popup mode", strings.Replace(path, "/login?", "/login/methods?", 1) + "&mode=popup", byTheApps},
		{"error in a popup flow", strings.Replace(path, "/login?", "/login/code?", 1) + "&method=PASSKEY&mode=popup", byTheApps},
		{"error in a flow", strings.Replace(path, "/login?", "/login/code?", 1) + "&method=PASSKEY", denied},
		{"bad token in popup mode", "/login?token=nonsense&mode=popup", denied},
		{"no token in popup mode", "/login?mode=popup", denied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := b.get(tc.path)
			if diff := cmp.Diff(framingOf(p), tc.want); diff != "" {
				t.Errorf("status %d, framing (-got +want):\n%s", p.StatusCode, diff)
			}
			popup := strings.Contains(p.body, `class="popup"`)
			if popup != (tc.want == byTheApps) {
				t.Errorf("compact popup page: %v, want %v", popup, tc.want == byTheApps)
			}
		})
	}
}

// TestPopupFramingWithOddOrigins: an origin a policy could misread is
// never put in frame-ancestors, and with none left framing stays denied.
func TestPopupFramingWithOddOrigins(t *testing.T) {
	e := newEnv(t)
	e.emailUser("ada")
	// The store holds what the tenancy checks let through; a row edited
	// by hand must still not widen the policy.
	e.tenant.Origins = []string{"http://localhost:8080 'unsafe-inline'", "*"}
	if err := e.st.UpdateTenant(context.Background(), e.tenant); err != nil {
		t.Fatal(err)
	}
	e.tn.ForgetTenant(e.tenant.ID)
	path, _ := e.track("ada")
	p := e.browser().get(path + "&mode=popup")
	if diff := cmp.Diff(framingOf(p), denied); diff != "" {
		t.Errorf("status %d, framing (-got +want):\n%s", p.StatusCode, diff)
	}
}

// TestPopupCookies: in popup mode the cookies work in a third-party frame
// (SameSite=None, Secure, Partitioned) where browsers take Secure
// cookies: https, or this machine over http. Elsewhere, and outside popup
// mode, they stay Lax.
func TestPopupCookies(t *testing.T) {
	e := popupEnv(t)
	e.emailUser("ada")
	path, _ := e.track("ada")
	type attrs struct {
		SameSite            http.SameSite
		Secure, Partitioned bool
	}
	frame := attrs{http.SameSiteNoneMode, true, true}
	lax := attrs{SameSite: http.SameSiteLaxMode}
	for _, tc := range []struct {
		name, path, host string
		want             attrs
	}{
		{"popup mode on localhost", path + "&mode=popup", "", frame},
		{"popup mode on localhost by name", path + "&mode=popup", "localhost:8080", frame},
		{"page mode", path, "", lax},
		{"popup mode over http elsewhere", path + "&mode=popup", "auth.example.com", lax},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.srv.URL+tc.path, nil)
			if tc.host != "" {
				req.Host = tc.host
			}
			b := e.browser()
			p := b.read(b.client.Do(req))
			n := 0
			for _, c := range p.Cookies() {
				if c.Name != hosted.DeviceCookie && c.Name != hosted.CSRFCookie {
					continue
				}
				n++
				if diff := cmp.Diff(attrs{c.SameSite, c.Secure, c.Partitioned}, tc.want); diff != "" || !c.HttpOnly {
					t.Errorf("%s: HttpOnly %v, attributes (-got +want):\n%s", c.Name, c.HttpOnly, diff)
				}
			}
			if n != 2 {
				t.Errorf("%d of the pages' cookies set, want 2: %v", n, p.Header["Set-Cookie"])
			}
		})
	}
}

var hrefPattern = regexp.MustCompile(`href="(/login[^"]*)"`)

// TestPopupFlowEndsWithTheCloseMessage follows an email-code sign-in in
// popup mode: every link, form and redirect keeps the mode, every page
// may be framed by the tenant's origins, and the flow ends on the page
// that posts the token to the app, a token that validates.
func TestPopupFlowEndsWithTheCloseMessage(t *testing.T) {
	e := popupEnv(t)
	email := e.emailUser("ada")
	e.passkeyElsewhere("ada") // so that the page offers another method
	path, _ := e.track("ada")
	b := e.browser()

	login := b.get(path + "&mode=popup")
	checkPopupPage(t, "challenge", login)
	fields := login.fields(t)
	if !strings.Contains(login.body, `name="mode" value="popup"`) {
		t.Fatalf("the challenge's forms carry no mode: %s", login.body)
	}
	fields.Set("mode", "popup")
	methods := b.get(hrefOf(t, login, "/login/methods"))
	checkPopupPage(t, "methods", methods)

	sent := b.postForm("/login/email", fields)
	code := b.follow(sent)
	checkPopupPage(t, "code", code)
	wrong := b.postForm("/login/verify", with(fields, "method", "EMAIL_OTP", "code", "000000"))
	checkPopupPage(t, "wrong code", wrong)
	right := b.postForm("/login/verify", with(fields, "method", "EMAIL_OTP", "code", e.lastCode(email)))
	closing := b.follow(right)
	checkPopupPage(t, "close", closing)

	m := regexp.MustCompile(`data-popup-close="([^"]+)"`).FindStringSubmatch(closing.body)
	if m == nil {
		t.Fatalf("the last page hands no token to the app: %s", closing.body)
	}
	v, err := e.svc.Validate(context.Background(), e.tenant, htmlUnescape(m[1]), "ada", "signIn")
	if err != nil || !v.IsValid || v.Action.State != model.StateChallengeSucceeded || v.Action.VerificationMethod != model.MethodEmailOTP {
		t.Errorf("validate = %+v, %v; want CHALLENGE_SUCCEEDED by EMAIL_OTP", v, err)
	}
	if !strings.Contains(closing.body, `data-popup-origins="`+strings.Join(appOrigins, " ")+`"`) {
		t.Errorf("the close page does not name the app's origins to post to: %s", closing.body)
	}
}

// TestPopupPromptKeepsTheMode: the uplift prompt's JSON steps and its
// "Not now" keep popup mode, and end on the close page.
func TestPopupPromptKeepsTheMode(t *testing.T) {
	e := popupEnv(t)
	email := e.emailUser("ada")
	path, _ := e.track("ada")
	b := e.browser()
	fields := b.get(path + "&mode=popup").fields(t)
	fields.Set("mode", "popup")
	caps := b.postJSON("/login/capabilities?mode=popup", fields.Get("csrf"),
		`{"token":"`+fields.Get("token")+`","capabilities":`+platformCaps+`}`)
	if caps.StatusCode != http.StatusNoContent {
		t.Fatalf("capabilities: status %d: %s", caps.StatusCode, caps.body)
	}
	b.postForm("/login/email", fields)
	prompt := b.follow(b.postForm("/login/verify", with(fields, "method", "EMAIL_OTP", "code", e.lastCode(email))))
	checkPopupPage(t, "prompt", prompt)
	pf := prompt.fields(t)

	res := b.postJSON("/login/prompt/result?mode=popup", pf.Get("csrf"), `{"token":"`+pf.Get("token")+`","outcome":"failed","cause":"UnknownError"}`)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, `mode=popup`) {
		t.Errorf("prompt result: status %d, want the next step in popup mode: %s", res.StatusCode, res.body)
	}
	notNow := b.postForm("/login/prompt", with(pf, "choice", "dismiss", "mode", "popup"))
	if loc := notNow.Header.Get("Location"); !strings.Contains(loc, "mode=popup") {
		t.Errorf("Not now leads to %q, out of popup mode", loc)
	}
	closing := b.follow(notNow)
	checkPopupPage(t, "close after Not now", closing)
	if !strings.Contains(closing.body, "data-popup-close=") {
		t.Errorf("Not now does not end on the close page: %s", closing.body)
	}
}

// checkPopupPage fails unless a page is a popup page framable by the
// app's origins, and every link and redirect it has keeps popup mode.
func checkPopupPage(t *testing.T, name string, p page) {
	t.Helper()
	if loc := p.Header.Get("Location"); loc != "" {
		u, err := url.Parse(loc)
		if err != nil || u.Query().Get("mode") != "popup" {
			t.Errorf("%s: redirect to %q leaves popup mode", name, loc)
		}
		return
	}
	if diff := cmp.Diff(framingOf(p), byTheApps); diff != "" {
		t.Errorf("%s: status %d, framing (-got +want):\n%s", name, p.StatusCode, diff)
	}
	for _, m := range hrefPattern.FindAllStringSubmatch(p.body, -1) {
		if strings.HasPrefix(m[1], hosted.AssetPrefix) {
			continue
		}
		u, err := url.Parse(htmlUnescape(m[1]))
		if err != nil || u.Query().Get("mode") != "popup" {
			t.Errorf("%s: link %q leaves popup mode", name, m[1])
		}
	}
	if forms, modes := strings.Count(p.body, `name="csrf"`), strings.Count(p.body, `name="mode" value="popup"`); forms != modes {
		t.Errorf("%s: %d forms, %d of them in popup mode", name, forms, modes)
	}
}

func hrefOf(t *testing.T, p page, prefix string) string {
	t.Helper()
	for _, m := range hrefPattern.FindAllStringSubmatch(p.body, -1) {
		if strings.HasPrefix(m[1], prefix+"?") {
			return htmlUnescape(m[1])
		}
	}
	t.Fatalf("no link to %s: %s", prefix, p.body)
	return ""
}

// TestPopupRefusalShowsInTheFrame: a post the CSRF guard refuses in popup
// mode says so inside the app's frame when its token names the tenant;
// with a bad token, or outside popup mode, framing stays denied.
func TestPopupRefusalShowsInTheFrame(t *testing.T) {
	e := popupEnv(t)
	e.emailUser("ada")
	path, _ := e.track("ada")
	b := e.browser()
	fields := b.get(path + "&mode=popup").fields(t)
	for _, tc := range []struct {
		name string
		form url.Values
		want framing
	}{
		{"wrong field in popup mode", with(fields, "csrf", "AAAA", "mode", "popup"), byTheApps},
		{"bad token in popup mode", with(fields, "token", "nonsense", "mode", "popup"), denied},
		{"wrong field", with(fields, "csrf", "AAAA"), denied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := b.postForm("/login/email", tc.form)
			if p.StatusCode != http.StatusForbidden && p.StatusCode != http.StatusUnauthorized {
				t.Errorf("status %d, want a refusal", p.StatusCode)
			}
			if diff := cmp.Diff(framingOf(p), tc.want); diff != "" {
				t.Errorf("framing (-got +want):\n%s", diff)
			}
		})
	}
	if _, ok := e.inbox.Last("ada@example.com"); ok {
		t.Errorf("a refused post sent a code")
	}
}
