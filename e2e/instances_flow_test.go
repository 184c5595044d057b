package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/hosted"
	"github.com/uplift-dev/uplift/internal/notify/notifytest"
	"github.com/uplift-dev/uplift/internal/pgtest"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// startPairBehindProxy starts two instances on one fresh PostgreSQL
// database that both serve publicURL, as behind one proxy, with a tenant
// made on it whose origin and redirect prefix is publicURL.
func startPairBehindProxy(t *testing.T, publicURL string, env ...string) (a, b *server) {
	t.Helper()
	dbURL := pgtest.URL(t)
	env = append(env, "UPLIFT_PUBLIC_URL="+publicURL) // the last value of a key wins
	a, b = newInstance(t, dbURL, env...), newInstance(t, dbURL, env...)
	a.PublicURL, b.PublicURL = publicURL, publicURL
	a.Start()
	b.Start()
	tn := a.CreateTenant("Shared")
	a.TenantID, a.SecretKey = tn.ID, tn.SecretKey
	b.TenantID, b.SecretKey = tn.ID, tn.SecretKey
	return a, b
}

// browser is one browser behind the proxy: one cookie jar for both
// instances (cookies ignore ports, so what one instance sets the other
// receives), no redirects followed, each request sent to the instance
// the test chooses.
type browser struct {
	t      *testing.T
	public *url.URL
	client *http.Client
	steps  []string // "A GET /login 200", in order
	names  map[*server]string
	// cookies counts the Set-Cookie of each name over all answers.
	cookies map[string]int
}

func newBrowser(t *testing.T, publicURL string, a, b *server) *browser {
	t.Helper()
	public, err := url.Parse(publicURL)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, public: public, names: map[*server]string{a: "A", b: "B"}, cookies: map[string]int{},
		client: &http.Client{Jar: jar, Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// answer is one response, its body read.
type answer struct {
	status   int
	location string
	body     string
}

// send sends a request for link, a link as the pages give it (relative,
// or absolute on the public URL), to s instead of the public URL. A
// form is posted as a form; a JSON body is posted with the CSRF header.
func (br *browser) send(s *server, method, link string, form url.Values, jsonBody any, csrf string) answer {
	br.t.Helper()
	u, err := br.public.Parse(link)
	if err != nil {
		br.t.Fatalf("link %q: %v", link, err)
	}
	if u.Host != br.public.Host {
		br.t.Fatalf("link %q is not on the public URL %s", link, br.public)
	}
	target := s.Base() + u.RequestURI()
	var body io.Reader
	contentType := ""
	switch {
	case form != nil:
		body, contentType = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	case jsonBody != nil:
		raw, _ := json.Marshal(jsonBody)
		body, contentType = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		br.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Origin", br.public.Scheme+"://"+br.public.Host)
	}
	if csrf != "" {
		req.Header.Set(hosted.CSRFHeader, csrf)
	}
	resp, err := br.client.Do(req)
	if err != nil {
		br.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		br.cookies[c.Name]++
	}
	br.steps = append(br.steps, fmt.Sprintf("%s %s %s %d", br.names[s], method, u.Path, resp.StatusCode))
	return answer{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(raw)}
}

// get loads a page on s and wants 200.
func (br *browser) get(s *server, link string) string {
	br.t.Helper()
	ans := br.send(s, "GET", link, nil, nil, "")
	if ans.status != http.StatusOK {
		br.t.Fatalf("GET %s on %s = %d %s", link, br.names[s], ans.status, ans.body)
	}
	return ans.body
}

// post posts a form on s and wants a redirect; it returns where to.
func (br *browser) post(s *server, action string, form url.Values) string {
	br.t.Helper()
	ans := br.send(s, "POST", action, form, nil, "")
	if ans.status != http.StatusSeeOther || ans.location == "" {
		br.t.Fatalf("POST %s on %s = %d (Location %q), want 303:\n%s", action, br.names[s], ans.status, ans.location, ans.body)
	}
	return ans.location
}

var (
	formRE   = regexp.MustCompile(`(?s)<form method="post" action="([^"]+)"[^>]*>(.*?)</form>`)
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// formFields returns the hidden fields of the page's form posting to action.
func formFields(t *testing.T, page, action string) url.Values {
	t.Helper()
	for _, m := range formRE.FindAllStringSubmatch(page, -1) {
		if html.UnescapeString(m[1]) != action {
			continue
		}
		v := url.Values{}
		for _, h := range hiddenRE.FindAllStringSubmatch(m[2], -1) {
			v.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
		}
		return v
	}
	t.Fatalf("no form posting to %s on the page:\n%s", action, page)
	return nil
}

// One hosted sign-in whose steps alternate between two instances that
// share a database and a public URL: tracked on A, its page loaded on B,
// the device's capabilities reported to A, the code sent from B, entered
// on A, the prompt decided and shown on B, answered on A, back to the
// app from B, and the final token validated on A. Cookies and CSRF
// fields one instance made are accepted by the other; the browser's
// cookies are set once, by the first page.
func TestHostedSignInAlternatesBetweenInstances(t *testing.T) {
	mail := notifytest.StartSMTP(t)
	publicURL := fmt.Sprintf("http://localhost:%d", freePort(t)) // the proxy's, where nothing listens
	a, b := startPairBehindProxy(t, publicURL, "UPLIFT_SMTP_URL="+mail.URL())

	const user, email = "ada", "ada@example.com"
	if status, body := a.Call(a.SecretKey, "POST", "/users/"+user+"/authenticators",
		map[string]any{"verificationMethod": "EMAIL_OTP", "email": email}); status != http.StatusOK {
		t.Fatalf("add ada's email = %d %s", status, body)
	}

	// Track on A: the app gets the hosted page's URL, on the public URL.
	status, body := a.Call(a.SecretKey, "POST", "/users/"+user+"/actions/signIn",
		map[string]any{"redirectUrl": publicURL + "/app/callback"})
	var tracked struct {
		URL, State, IdempotencyKey string
	}
	if status != http.StatusOK || json.Unmarshal(body, &tracked) != nil || tracked.State != "CHALLENGE_REQUIRED" {
		t.Fatalf("track on A = %d %s, want 200 CHALLENGE_REQUIRED", status, body)
	}
	if !strings.HasPrefix(tracked.URL, publicURL+"/login?") {
		t.Fatalf("track on A gave url %q, want one under the public URL %s", tracked.URL, publicURL)
	}

	br := newBrowser(t, publicURL, a, b)
	// The page on B, which sets the browser's device and CSRF cookies.
	page := br.get(b, tracked.URL)
	emailForm := formFields(t, page, "/login/email")
	if emailForm.Get("token") == "" || emailForm.Get("csrf") == "" {
		t.Fatalf("the challenge page's email form has no token or CSRF field: %v", emailForm)
	}
	// The page's script reports the device to A, with B's CSRF field.
	if ans := br.send(a, "POST", "/login/capabilities", nil, map[string]any{"token": emailForm.Get("token"),
		"capabilities": map[string]any{"publicKeyCredential": true, "isUserVerifyingPlatformAuthenticatorAvailable": true}},
		emailForm.Get("csrf")); ans.status != http.StatusNoContent {
		t.Fatalf("capabilities on A with B's CSRF field = %d %s, want 204", ans.status, ans.body)
	}
	// "Email me a code" on B, the code page on B.
	codeLink := br.post(b, "/login/email", emailForm)
	codePage := br.get(b, codeLink)
	verifyForm := formFields(t, codePage, "/login/verify")
	if verifyForm.Get("csrf") != emailForm.Get("csrf") {
		t.Errorf("the code page's CSRF field differs from the first page's: the browser's secret changed")
	}
	var code string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var err error
		if code, err = mail.LastCode(email); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no code reached the SMTP server: %v", err)
		}
	}
	// The code entered on A.
	verifyForm.Set("code", code)
	doneLink := br.post(a, "/login/verify", verifyForm)
	if !strings.HasPrefix(doneLink, "/login/done?") {
		t.Fatalf("the right code on A led to %q, want /login/done", doneLink)
	}
	// The uplift decision on B, which shows the prompt.
	prompt := br.get(b, doneLink)
	promptForm := formFields(t, prompt, "/login/prompt")
	// "Not now" on A, then back to the app from B.
	promptForm.Set("choice", "dismiss")
	finishLink := br.post(a, "/login/prompt", promptForm)
	ans := br.send(b, "GET", finishLink, nil, nil, "")
	if ans.status != http.StatusSeeOther {
		t.Fatalf("GET %s on B = %d %s, want 303 to the app", finishLink, ans.status, ans.body)
	}
	back, err := url.Parse(ans.location)
	if err != nil || back.Scheme+"://"+back.Host+back.Path != publicURL+"/app/callback" || back.Query().Get("token") == "" {
		t.Fatalf("back to the app at %q, want %s/app/callback?token=...", ans.location, publicURL)
	}

	// The app validates the token on A.
	status, body = a.Call(a.SecretKey, "POST", "/validate", map[string]any{"token": back.Query().Get("token")})
	var valid struct {
		IsValid                                           bool
		State, UserID, IdempotencyKey, VerificationMethod string
	}
	if status != http.StatusOK || json.Unmarshal(body, &valid) != nil {
		t.Fatalf("validate on A = %d %s", status, body)
	}
	if !valid.IsValid || valid.State != "CHALLENGE_SUCCEEDED" || valid.UserID != user ||
		valid.IdempotencyKey != tracked.IdempotencyKey || valid.VerificationMethod != "EMAIL_OTP" {
		t.Errorf("validate on A = %s, want a valid CHALLENGE_SUCCEEDED by EMAIL_OTP for %s's action %s",
			body, user, tracked.IdempotencyKey)
	}
	// The prompt was shown and dismissed, both recorded in the database.
	status, body = a.Call(a.SecretKey, "GET", "/users/"+user+"/uplift?deviceId="+url.QueryEscape(deviceID(t, br)), nil)
	var diag struct {
		Reason     string
		Dismissals int
	}
	if status != http.StatusOK || json.Unmarshal(body, &diag) != nil || diag.Dismissals != 1 {
		t.Errorf("diagnosis on A after the sign-in = %d %s, want 1 dismissal on the device", status, body)
	}

	for _, name := range []string{hosted.CSRFCookie, hosted.DeviceCookie} {
		if n := br.cookies[name]; n != 1 {
			t.Errorf("%s set %d times over the sign-in, want once (by the first page): an instance did not take the other's", name, n)
		}
	}
	t.Logf("steps: %s", strings.Join(br.steps, ", "))
}

// deviceID is the device id the browser's cookie holds for the instances.
func deviceID(t *testing.T, br *browser) string {
	t.Helper()
	for _, c := range br.client.Jar.Cookies(&url.URL{Scheme: "http", Host: "127.0.0.1"}) {
		if c.Name == hosted.DeviceCookie {
			return c.Value
		}
	}
	t.Fatal("the browser holds no device cookie")
	return ""
}

// Prompt settings changed through one instance decide the other's
// answers within the documented cache time (tenancy.DefaultTenantCacheTTL),
// and the changing instance's at once: the prompt turned off through A
// is off on B, and rolled out to nobody through B, on A.
func TestPromptSettingsReachTheOtherInstanceWithinTheCacheTime(t *testing.T) {
	a, b := startPair(t)
	const bound = tenancy.DefaultTenantCacheTTL + 2*time.Second // the cache time, and a margin for a loaded machine (an 8 s cache still fails)
	// carol, a user for the diagnosis to know.
	a.trackToken("carol", "signIn")
	reason := func(s *server) string {
		t.Helper()
		status, body := s.Call(s.SecretKey, "GET", "/users/carol/uplift?deviceId=laptop", nil)
		var d struct{ Reason string }
		if status != http.StatusOK || json.Unmarshal(body, &d) != nil || d.Reason == "" {
			t.Fatalf("diagnosis on %s = %d %s", s.addr, status, body)
		}
		return d.Reason
	}
	change := func(through, other *server, settings map[string]any, want string) time.Duration {
		t.Helper()
		// The other instance reads the settings now, and keeps them.
		if got := reason(other); got == want {
			t.Fatalf("diagnosis before the change already says %s", got)
		}
		if status, body := through.Call(through.SecretKey, "PATCH", "/management/authenticator-configurations/passkey",
			settings); status != http.StatusOK {
			t.Fatalf("PATCH passkey configuration %v = %d %s", settings, status, body)
		}
		changed := time.Now()
		if got := reason(through); got != want {
			t.Errorf("the instance the change went through says %s right after it, want %s at once", got, want)
		}
		for {
			got := reason(other)
			took := time.Since(changed)
			if got == want {
				if took > bound {
					t.Errorf("the other instance said %s %v after the change, want within %v", want, took, bound)
				}
				return took
			}
			if took > bound+5*time.Second {
				t.Fatalf("the other instance still says %s %v after the change, want %s within %v", got, took, want, bound)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	off := change(a, b, map[string]any{"disableEnrollmentPrompt": true}, "prompt_disabled")
	rollout := change(b, a, map[string]any{"disableEnrollmentPrompt": false, "enrollmentPromptRolloutPercent": 0}, "not_in_rollout")
	t.Logf("prompt turned off through A: off on B after %v; rollout 0 through B: on A after %v (cache time %v)",
		off.Round(time.Millisecond), rollout.Round(time.Millisecond), tenancy.DefaultTenantCacheTTL)
}
