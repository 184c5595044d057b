package browser_test

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// linkInMail finds the link Uplift emails.
var linkInMail = regexp.MustCompile(`https?://\S+/login/email-link\?\S+`)

// emailLink returns the link in the newest email to addr.
func (e *env) emailLink(addr string) string {
	e.t.Helper()
	m, err := e.mail.Last(addr)
	if err != nil {
		e.t.Fatalf("email to %s: %v", addr, err)
	}
	text, err := m.Part("text/plain")
	if err != nil {
		e.t.Fatal(err)
	}
	link := linkInMail.FindString(text)
	if link == "" {
		e.t.Fatalf("no link in %q", text)
	}
	return link
}

// startPolling starts the SDK's emailML.checkVerificationStatus() in the
// app's page without waiting for it; awaitPolling waits for its result.
func (e *env) startPolling() {
	e.t.Helper()
	if _, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](
		`(window.linkStatus = run(() => client.emailML.checkVerificationStatus()), true)`)); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) awaitPolling() outcome {
	e.t.Helper()
	out, err := chromedp.Run(e.ctx, chromedp.Evaluate[outcome](`window.linkStatus`, chromedp.EvalAwaitPromise))
	if err != nil {
		e.t.Fatalf("checkVerificationStatus: %v", err)
	}
	return out
}

// openLinkElsewhere opens link in another browser, as when the email is
// read on another device, and returns the heading its page ends on.
func openLinkElsewhere(t *testing.T, link string) string {
	t.Helper()
	ctx := newBrowser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(link), chromedp.WaitReady("body")); err != nil {
		t.Fatalf("open the link: %v", err)
	}
	// The page submits its form by itself and ends on another heading.
	var heading string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		h, err := chromedp.Run(ctx, chromedp.Evaluate[string](
			`document.readyState === "complete" ? (document.querySelector("h1") || {textContent: ""}).textContent.trim() : ""`))
		if err == nil && h != "" && h != "Confirming it is you" {
			heading = h
			break
		}
	}
	if heading == "" {
		t.Fatal("the link's page did not finish")
	}
	return heading
}

// TestEmailLinksWithTheBrowserSDK enrols an email address for links and
// signs in with one through @authsignal/browser: the app's page asks for
// the link and polls with checkVerificationStatus, the link (read from
// the mail the SMTP server received) is opened in another browser, and
// the app's page gets a token the Server API validates.
func TestEmailLinksWithTheBrowserSDK(t *testing.T) {
	e := newEnv(t)
	const addr = "ada@example.com"

	call := fmt.Sprintf(`(client.setToken(%q), client.emailML.enroll({email: %q}))`, e.track("ada", "signUp"), addr)
	en := e.data(e.sdk(call), "emailML.enroll")
	if en["userId"] != "ada" || en["userAuthenticatorId"] == "" {
		t.Fatalf("emailML.enroll = %v", en)
	}
	e.startPolling()
	if h := openLinkElsewhere(t, e.emailLink(addr)); h != "Email confirmed" {
		t.Fatalf("the enrolment link's page says %q", h)
	}
	v := e.data(e.awaitPolling(), "emailML.checkVerificationStatus")
	ua, _ := v["userAuthenticator"].(map[string]any)
	if v["isVerified"] != true || ua["verificationMethod"] != "EMAIL_MAGIC_LINK" || ua["email"] != addr ||
		ua["userAuthenticatorId"] != en["userAuthenticatorId"] {
		t.Fatalf("checkVerificationStatus after enrolment = %v", v)
	}
	if got := e.validate(v["token"].(string)); got["state"] != "CHALLENGE_SUCCEEDED" || got["verificationMethod"] != "EMAIL_MAGIC_LINK" {
		t.Errorf("validate after enrolment = %v", got)
	}

	// A later sign-in.
	e.clock.Advance(time.Minute)
	tok := e.track("ada", "signIn")
	ch := e.data(e.sdk(fmt.Sprintf(`(client.setToken(%q), client.emailML.challenge())`, tok)), "emailML.challenge")
	if ch["challengeId"] == "" {
		t.Fatalf("emailML.challenge = %v", ch)
	}
	e.startPolling()
	link := e.emailLink(addr)
	if got := e.validate(tok); got["state"] != "CHALLENGE_REQUIRED" {
		t.Fatalf("before the link is opened: %v", got)
	}
	if h := openLinkElsewhere(t, link); h != "Email confirmed" {
		t.Fatalf("the sign-in link's page says %q", h)
	}
	v = e.data(e.awaitPolling(), "emailML.checkVerificationStatus")
	if v["isVerified"] != true || v["userAuthenticator"] != nil {
		t.Fatalf("checkVerificationStatus at sign-in = %v", v)
	}
	got := e.validate(v["token"].(string))
	if got["isValid"] != true || got["state"] != "CHALLENGE_SUCCEEDED" || got["verificationMethod"] != "EMAIL_MAGIC_LINK" ||
		got["action"] != "signIn" || got["userId"] != "ada" {
		t.Errorf("validate after sign-in = %v", got)
	}

	// The link works once.
	if h := openLinkElsewhere(t, link); h != "This link was already used" {
		t.Errorf("the link opened again says %q", h)
	}
}
