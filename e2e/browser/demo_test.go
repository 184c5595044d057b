package browser_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/uplift-dev/uplift/internal/mailparse"
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

// A newcomer's first run, with the built binary as the README says to
// start it: walk the demo (email code from the dev inbox, then a
// passkey), open the console invitation `uplift demo` printed, become an
// admin with a passkey, and find in the console the user, their device
// and passkey, and a funnel that counts them. A passkey whose AAGUID is
// Google Password Manager's is shown with that name and its icon, from
// the list built into the binary; the provider of the browser's own
// passkey comes from a list at UPLIFT_AAGUID_URL and shows on the hosted
// "Passkey created" page.
func TestNewcomerSeesTheDemoInTheConsole(t *testing.T) {
	requireBrowser(t)
	// The provider list override, served locally: it names the virtual
	// authenticator Chromium tests make passkeys with.
	list := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{chromiumVirtualAAGUID: map[string]any{
			"name": "Test Keychain", "icon_light": "data:image/svg+xml;base64," + testIcon}})
	}))
	t.Cleanup(list.Close)
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p := startDemo(t, addr, "UPLIFT_DATABASE_URL=sqlite://"+filepath.Join(t.TempDir(), "uplift.db"),
		"UPLIFT_AAGUID_URL="+list.URL, "UPLIFT_RATE_LIMITS=off")
	public := fmt.Sprintf("http://localhost:%d", port)
	invite := p.waitOutput(`Console of "Uplift demo": open this one-time link[^\n]*\n\s+(\S+)`)[1]
	secret := p.waitOutput(`secret key for this run: (sk_\S+)`)[1]
	p.waitOutput(`passkey provider names loaded from UPLIFT_AAGUID_URL`)
	if !strings.HasPrefix(invite, public+"/console/invite/") {
		t.Fatalf("the invitation %s is not below %s", invite, public)
	}

	e := &hostedEnv{env: &env{t: t, api: public, app: public + "/demo"}}
	d := e.newDevice(platform)
	const who = "grace@example.com"
	d.open(public + "/demo")
	d.typeInto("Username or email address", who)
	d.press("button", "Sign in")
	d.find("heading", "Confirm your email")
	d.press("button", "Email me a code")
	d.find("textbox", "Verification code")
	inbox := e.newDevice()
	inbox.open(public + "/dev/inbox")
	code, err := mailparse.FindCode(inbox.text())
	if err != nil || !strings.Contains(inbox.text(), who) {
		t.Fatalf("no code to %s in the dev inbox:\n%s", who, inbox.text())
	}
	d.typeInto("Verification code", code)
	d.press("button", "Verify")
	if !d.promptOrApp() {
		t.Fatalf("no prompt after the first sign-in:\n%s", d.text())
	}
	d.press("button", "Create passkey")
	d.find("heading", "Passkey created")
	if got := d.text(); !strings.Contains(got, "Saved in Test Keychain.") {
		t.Errorf("the confirmation does not name the passkey's provider:\n%s", got)
	}
	if !iconsShown(t, d.ctx, ".provider img") {
		t.Error("the confirmation's provider icon is not shown")
	}
	d.press("link", "Continue")
	d.waitForURL(public + "/demo/callback")
	if got := d.text(); !strings.Contains(got, "Signed in as "+who+" with EMAIL_OTP") {
		t.Fatalf("after the first sign-in the demo says:\n%s", got)
	}
	device := d.deviceID()

	// Another user, with a passkey from Google Password Manager.
	registerSoftwarePasskey(t, public, addr, secret, "ada", uuid.MustParse("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4"))

	a := &admin{e.newDevice(platform)}
	a.open(invite)
	a.find("heading", "Become an admin of Uplift demo")
	a.typeInto("Your name", "Newcomer")
	a.press("button", "Create passkey")
	a.waitForURL(public + "/console/")
	a.find("link", "Dashboard")

	if f := a.dashboardJSON().Funnel; f["evaluated"] < 1 || f["shown"] < 1 || f["accepted"] < 1 {
		t.Errorf("the dashboard's funnel is %v, want the newcomer's prompt evaluated, shown and accepted", f)
	}
	a.visit("/console/users", "Users")
	if got := a.text(); !strings.Contains(got, who) || !strings.Contains(got, "ada") {
		t.Errorf("the users page does not list %s and ada:\n%s", who, got)
	}
	a.visit("/console/users/"+url.PathEscape(who), who)
	if got := a.text(); !strings.Contains(got, device) || !strings.Contains(got, "Test Keychain") {
		t.Errorf("the user page does not show the device %s and its Test Keychain passkey:\n%s", device, got)
	}
	a.visit("/console/users/ada", "ada")
	if got := a.text(); !strings.Contains(got, "Google Password Manager") {
		t.Errorf("ada's passkey is not named Google Password Manager:\n%s", got)
	}
	if !iconsShown(t, a.ctx, "img.provider-icon") {
		t.Error("the console does not show the provider's icon")
	}
}

// chromiumVirtualAAGUID is the AAGUID Chromium's virtual authenticators
// report.
const chromiumVirtualAAGUID = "01020304-0506-0708-0102-030405060708"

// testIcon is a small square SVG, base64-encoded.
var testIcon = "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAxIDEiPjxyZWN0IHdpZHRoPSIxIiBoZWlnaHQ9IjEiLz48L3N2Zz4="

// iconsShown reports whether the page has images matching selector and
// every one of them loaded: a Content-Security-Policy that refused their
// data: URLs would leave them empty.
func iconsShown(t *testing.T, ctx context.Context, selector string) bool {
	t.Helper()
	js := fmt.Sprintf(`(() => { const imgs = [...document.querySelectorAll(%q)];
		return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); })()`, selector)
	deadline := time.Now().Add(waitTimeout)
	for {
		shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err != nil {
			t.Fatal(err)
		}
		if shown || time.Now().After(deadline) {
			return shown
		}
		time.Sleep(50 * time.Millisecond) // polling the page, not waiting out time
	}
}
