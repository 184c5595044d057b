package browser_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// openPasskeysPage tracks an action with redirectToSettings for the
// user, opens its url on the device and proves who the user is there:
// with the passkey when the page offers it first, else with an email
// code. It waits for the Passkeys page.
func openPasskeysPage(t *testing.T, e *hostedEnv, d *device, userID, email string) {
	t.Helper()
	d.open(e.trackSignIn(userID, "manage", map[string]any{"redirectToSettings": true}))
	if d.has("button", "Sign in with passkey") {
		d.press("button", "Sign in with passkey")
	} else {
		d.press("button", "Email me a code")
		d.find("textbox", "Verification code")
		d.typeInto("Verification code", e.lastCode(email))
		d.press("button", "Verify")
	}
	d.find("heading", "Passkeys")
}

// waitForText waits until the page's text holds s.
func (d *device) waitForText(s string) {
	d.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !strings.Contains(d.text(), s) {
		if time.Now().After(deadline) {
			d.t.Fatalf("the page on %s never says %q:\n%s", d.url(), s, d.text())
		}
		time.Sleep(50 * time.Millisecond) // polling the page, not waiting out time
	}
}

// The Passkeys page, where a track with redirectToSettings leads once the
// user has proved who they are: it lists the passkey created in the
// prompt with its provider's name and icon; Rename renames it; Remove is
// refused while it is the user's only way in; on a new device (a fresh
// browser profile with its own virtual authenticator and device id)
// "Add a passkey" creates one there, and removing it makes that device's
// credential manager forget it through the Signal API.
func TestHostedPasskeysPage(t *testing.T) {
	e := newHostedEnv(t)
	ctx := context.Background()
	if err := e.st.SaveProviderNames(ctx, []model.ProviderName{{AAGUID: chromiumVirtualAAGUID, Name: "Test Keychain",
		SVGIconLight: "data:image/svg+xml;base64," + testIcon}}, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	d := signUpWithPrompt(t, e, "ada")

	openPasskeysPage(t, e, d, "ada", "")
	for _, want := range []string{"Test Keychain", "Saved in Test Keychain", "Created on this device", "Last used on this device"} {
		if !strings.Contains(d.text(), want) {
			t.Errorf("the Passkeys page does not say %q:\n%s", want, d.text())
		}
	}
	if !iconsShown(t, d.ctx, ".passkeys .provider img") {
		t.Error("the provider's icon is not shown")
	}
	if d.has("button", "Add a passkey") {
		t.Error("Add a passkey offered on the device that holds the user's passkey")
	}
	auditPasskeysPage(t, d)

	d.typeInto("New name for Test Keychain", "Work laptop")
	d.press("button", "Rename Test Keychain")
	d.find("button", "Rename Work laptop")
	d.waitForText("Passkey renamed.")
	if ps := e.passkeys("ada"); len(ps) != 1 || ps[0].Name != "Work laptop" {
		t.Fatalf("passkeys after the rename = %+v, want one named Work laptop", ps)
	}

	// Without the email address the passkey is the only way in.
	auths, err := e.svc.Authenticators(ctx, e.tenant.ID, "ada")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range auths {
		if a.Method == model.MethodEmailOTP {
			e.serverAPI("DELETE", "/v1/users/ada/authenticators/"+a.ID, nil)
		}
	}
	d.press("button", "Remove Work laptop")
	d.waitForText("it's your only way to sign in")
	if len(e.passkeys("ada")) != 1 || len(d.credentials(d.platform)) != 1 {
		t.Fatal("the only way in was removed")
	}

	// A new device: an email code, then Add a passkey.
	email := e.emailUser("ada")
	d2 := e.newDevice(platform)
	openPasskeysPage(t, e, d2, "ada", email)
	if d2.deviceID() == d.deviceID() {
		t.Fatal("the new browser profile has the first one's device id")
	}
	d2.press("button", "Add a passkey")
	d2.waitForText("Passkey added.")
	d2.find("button", "Remove Test Keychain")
	ps := e.passkeys("ada")
	if len(ps) != 2 || ps[1].DeviceID != d2.deviceID() || ps[1].Attachment != "platform" {
		t.Fatalf("passkeys after Add a passkey = %+v; want a second one made on the new device %s", ps, d2.deviceID())
	}
	if n := len(d2.credentials(d2.platform)); n != 1 {
		t.Fatalf("the new device's authenticator holds %d passkeys, want 1", n)
	}
	if d2.has("button", "Add a passkey") {
		t.Error("Add a passkey still offered once the device holds a passkey")
	}

	d2.press("button", "Remove Test Keychain")
	d2.waitForText("Passkey removed.")
	if ps := e.passkeys("ada"); len(ps) != 1 || ps[0].Name != "Work laptop" {
		t.Errorf("passkeys after the removal = %+v, want Work laptop alone", ps)
	}
	deadline := time.Now().Add(waitTimeout)
	for len(d2.credentials(d2.platform)) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the new device's credential manager still holds the removed passkey")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(d.credentials(d.platform)); n != 1 {
		t.Errorf("the first device holds %d passkeys, want its own still", n)
	}
}

// auditPasskeysPage runs the hosted pages' accessibility checks on the
// Passkeys page when axe-core is installed.
func auditPasskeysPage(t *testing.T, d *device) {
	t.Helper()
	axe, err := os.ReadFile(axePath)
	if err != nil {
		if os.Getenv("UPLIFT_REQUIRE_BROWSER") == "1" {
			t.Errorf("UPLIFT_REQUIRE_BROWSER=1 but %s is missing: %v", axePath, err)
		}
		t.Logf("no accessibility audit: %v", err)
		return
	}
	pageCheck{t: t, d: d, axe: string(axe), dir: artifactsDir(t)}.check("passkeys")
}
