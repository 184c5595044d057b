package browser_test

import (
	"strings"
	"testing"
)

// The README's walkthrough of `uplift demo`: a newcomer enters a name in
// the example app, confirms an email address with the code from the dev
// inbox, creates a passkey at the prompt, and signs in with it next time.
// The example app uses only the Go client package.
func TestDemoWalkthrough(t *testing.T) {
	e := startHostedEnv(t, true)
	d := e.newDevice(platform)
	const who = "grace@example.com"

	d.open(e.api + "/demo")
	d.typeInto("Username or email address", who)
	d.press("button", "Sign in")
	d.find("heading", "Confirm your email")
	d.press("button", "Email me a code")
	d.find("textbox", "Verification code")
	code := e.lastCode(who)

	inbox := e.newDevice()
	inbox.open(e.api + "/dev/inbox")
	if !strings.Contains(inbox.text(), code) {
		t.Errorf("the dev inbox does not show the code:\n%s", inbox.text())
	}

	d.typeInto("Verification code", code)
	d.press("button", "Verify")
	if !d.promptOrApp() {
		t.Fatalf("no prompt after the first sign-in:\n%s", d.text())
	}
	d.press("button", "Create passkey")
	d.find("heading", "Passkey created")
	d.press("link", "Continue")
	d.waitForURL(e.api + "/demo/callback")
	if got := d.text(); !strings.Contains(got, "Signed in as "+who+" with EMAIL_OTP") {
		t.Errorf("after the first sign-in the demo says:\n%s", got)
	}

	d.press("link", "Sign in again")
	d.typeInto("Username or email address", who)
	d.press("button", "Sign in")
	d.press("button", "Sign in with passkey")
	d.waitForURL(e.api + "/demo/callback")
	d.find("heading", "You're signed in")
	if got := d.text(); !strings.Contains(got, "Signed in as "+who+" with PASSKEY") {
		t.Errorf("after the passkey sign-in the demo says:\n%s", got)
	}
}
