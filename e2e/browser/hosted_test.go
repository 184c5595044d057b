package browser_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/server"
)

const (
	platform    = webauthn.AuthenticatorTransportInternal
	securityKey = webauthn.AuthenticatorTransportUsb
)

// signUpWithPrompt is scenario 1's path: an email-code user signs in on a
// device with a platform authenticator, sees the prompt and creates a
// passkey. It returns the device.
func signUpWithPrompt(t *testing.T, e *hostedEnv, userID string) *device {
	t.Helper()
	email := e.emailUser(userID)
	d := e.newDevice(platform)
	if !d.signInWithEmailCode(e.trackSignIn(userID, "signIn", nil), email) {
		t.Fatalf("no prompt after an email code on a device with a platform authenticator:\n%s", d.text())
	}
	e.checkReason("1", userID, "signIn", d, "eligible")
	callback := d.createPasskeyFromPrompt()
	e.validateRedirect(callback, "EMAIL_OTP")
	return d
}

// Scenario 1: an email-code user on a device with a platform authenticator
// is prompted; "Create passkey" stores a passkey bound to the device, and
// the token the app receives validates as CHALLENGE_SUCCEEDED by EMAIL_OTP.
func TestHostedScenario1PromptCreatesPasskey(t *testing.T) {
	e := newHostedEnv(t)
	d := signUpWithPrompt(t, e, "ada")
	ps := e.passkeys("ada")
	if len(ps) != 1 {
		t.Fatalf("%d passkeys stored, want 1", len(ps))
	}
	if ps[0].DeviceID != d.deviceID() || ps[0].Attachment != "platform" {
		t.Errorf("passkey device %q attachment %q; want this device (%s) and platform", ps[0].DeviceID, ps[0].Attachment, d.deviceID())
	}
	if n := len(d.credentials(d.platform)); n != 1 {
		t.Errorf("the platform authenticator holds %d passkeys, want 1", n)
	}
	kinds := e.eventKinds("ada", d.deviceID())
	if kinds[model.UpliftShown] != 1 || kinds[model.UpliftAccepted] != 1 {
		t.Errorf("uplift events %v, want one shown and one accepted", kinds)
	}
}

// Scenario 2: the same user in the same browser profile signs in next with
// the passkey offered first, and sees no prompt (passkey_on_device).
func TestHostedScenario2PasskeyFirstNoPrompt(t *testing.T) {
	e := newHostedEnv(t)
	d := signUpWithPrompt(t, e, "ada")
	d.open(e.trackSignIn("ada", "signIn", nil))
	d.find("button", "Sign in with passkey")
	if d.has("button", "Email me a code") {
		t.Errorf("the email code is offered beside the passkey; want it behind Use another method")
	}
	d.press("button", "Sign in with passkey")
	if d.promptOrApp() {
		t.Fatal("the prompt was shown to a user whose passkey is on this device")
	}
	e.validateRedirect(d.url(), "PASSKEY")
	e.checkReason("2", "ada", "signIn", d, "passkey_on_device")
}

// Scenario 3: the same user on a fresh browser profile (a new device) signs
// in with an email code and is prompted again.
func TestHostedScenario3NewDevicePromptedAgain(t *testing.T) {
	e := newHostedEnv(t)
	signUpWithPrompt(t, e, "ada")
	d := e.newDevice(platform)
	hosted := e.trackSignIn("ada", "signIn", nil)
	d.open(hosted)
	if d.has("button", "Sign in with passkey") {
		t.Errorf("a passkey made on another device is offered first on a new one")
	}
	if !d.signInWithEmailCode(hosted, "ada@example.com") {
		t.Fatalf("no prompt on a new device:\n%s", d.text())
	}
	e.checkReason("3", "ada", "signIn", d, "eligible")
}

// Scenario 4: a device without a platform authenticator (none at all, or
// only a security key) is never prompted (device_unsupported).
func TestHostedScenario4NoPlatformAuthenticator(t *testing.T) {
	for name, transports := range map[string][]webauthn.AuthenticatorTransport{
		"no authenticator":  nil,
		"security key only": {securityKey},
	} {
		t.Run(name, func(t *testing.T) {
			e := newHostedEnv(t)
			email := e.emailUser("ada")
			d := e.newDevice(transports...)
			if d.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
				t.Fatal("the prompt was shown on a device without a platform authenticator")
			}
			e.validateRedirect(d.url(), "EMAIL_OTP")
			e.checkReason("4 ("+name+")", "ada", "signIn", d, "device_unsupported")
		})
	}
}

// Scenario 5: "Not now" with interval 0 leaves the prompt for the next
// sign-in; with an interval it stays hidden (frequency_not_elapsed) until
// the interval has passed on the service's clock, then shows again.
func TestHostedScenario5NotNowAndInterval(t *testing.T) {
	e := newHostedEnv(t)
	email := e.emailUser("ada")
	d := e.newDevice(platform)
	signInAndDismiss := func(step string) {
		t.Helper()
		if !d.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
			t.Fatalf("%s: no prompt:\n%s", step, d.text())
		}
		d.press("button", "Not now")
		d.waitForApp()
	}

	signInAndDismiss("interval 0, first sign-in")
	signInAndDismiss("interval 0, next sign-in")
	e.checkReason("5 (interval 0)", "ada", "signIn", d, "eligible")
	if n := e.eventKinds("ada", d.deviceID())[model.UpliftDismissed]; n != 2 {
		t.Errorf("%d dismissals stored, want 2", n)
	}

	// Once a day: the dismissal a minute ago now holds the prompt back for
	// a day from when it was made.
	e.setPasskeyConfig(map[string]any{"enrollmentPromptInterval": 86400})
	if d.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
		t.Fatal("prompted again within the interval after Not now")
	}
	e.checkReason("5 (once a day, minutes later)", "ada", "signIn", d, "frequency_not_elapsed")

	e.clock.Advance(23 * time.Hour)
	if d.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
		t.Fatal("prompted again 23 hours after Not now with a daily interval")
	}
	e.checkReason("5 (23 hours later)", "ada", "signIn", d, "frequency_not_elapsed")

	e.clock.Advance(time.Hour)
	if !d.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
		t.Fatalf("no prompt once the interval passed:\n%s", d.text())
	}
	e.checkReason("5 (a day later)", "ada", "signIn", d, "eligible")
}

// Scenario 6: with the tenant's prompt off it is hidden (prompt_disabled);
// an action's switch shows it for that action only; a rule's switch shows
// it only when that rule wins.
func TestHostedScenario6Switches(t *testing.T) {
	e := newHostedEnv(t)
	email := e.emailUser("ada")
	d := e.newDevice(platform)
	e.setPasskeyConfig(map[string]any{"disableEnrollmentPrompt": true})
	e.serverAPI("POST", "/v1/management/action-configurations", map[string]any{
		"actionCode": "withdraw", "defaultUserActionResult": "CHALLENGE", "promptToEnrollVerificationMethods": []string{"PASSKEY"}})
	e.serverAPI("POST", "/v1/management/action-configurations", map[string]any{
		"actionCode": "transfer", "defaultUserActionResult": "CHALLENGE"})
	e.serverAPI("POST", "/v1/management/action-configurations/transfer/rules", map[string]any{
		"name": "Large transfers", "isActive": true, "priority": 1, "type": "CHALLENGE",
		"promptToEnrollVerificationMethods": []string{"PASSKEY"},
		"conditions":                        map[string]any{">=": []any{map[string]any{"var": "action.custom.amount"}, 1000}}})

	for _, tc := range []struct {
		name, action string
		custom       map[string]any
		shown        bool
		reason       string
	}{
		{"tenant off, no switch", "signIn", nil, false, "prompt_disabled"},
		{"action switch on", "withdraw", nil, true, "eligible"},
		{"rule switch, rule wins", "transfer", map[string]any{"amount": 5000}, true, "eligible"},
		{"rule switch, rule does not match", "transfer", map[string]any{"amount": 10}, false, "prompt_disabled"},
	} {
		extra := map[string]any{}
		if tc.custom != nil {
			extra["custom"] = tc.custom
		}
		shown := d.signInWithEmailCode(e.trackSignIn("ada", tc.action, extra), email)
		if shown != tc.shown {
			t.Errorf("%s: prompt shown = %v, want %v", tc.name, shown, tc.shown)
		}
		got := e.lastReason("ada", d.deviceID())
		t.Logf("scenario 6 (%s): uplift reason %s", tc.name, got)
		if got != tc.reason {
			t.Errorf("%s: uplift reason %s, want %s", tc.name, got, tc.reason)
		}
		if shown {
			d.press("button", "Not now")
			d.waitForApp()
		}
	}
}

// Scenario 7: a user whose only method is not among the recovery methods
// is not prompted (no_recovery_method).
func TestHostedScenario7NoRecoveryMethod(t *testing.T) {
	e := newHostedEnv(t)
	email := e.emailUser("ada")
	e.setPasskeyConfig(map[string]any{"recoveryMethods": []string{"SMS", "AUTHENTICATOR_APP"}})
	d := e.newDevice(platform)
	if d.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
		t.Fatal("prompted although the user has no recovery method")
	}
	e.validateRedirect(d.url(), "EMAIL_OTP")
	e.checkReason("7", "ada", "signIn", d, "no_recovery_method")
}

// registerPasskeyThroughClientAPI makes a passkey in the browser through
// the Client API, as an app would, with a token from a track call that
// allows adding authenticators and names the device the server records.
func (d *device) registerPasskeyThroughClientAPI(userID, attachment, trackDeviceID string) {
	d.t.Helper()
	tok := d.e.serverAPI("POST", "/v1/users/"+userID+"/actions/addPasskey", map[string]any{
		"scope": "add:authenticators", "deviceId": trackDeviceID})["token"].(string)
	d.open(d.e.api + "/healthz")
	js := fmt.Sprintf(`(async () => {
		const h = {"Content-Type": "application/json", "Authorization": "Bearer " + %q};
		const o = await (await fetch("/v1/client/user-authenticators/passkey/registration-options",
			{method: "POST", headers: h, body: JSON.stringify({authenticatorAttachment: %q})})).json();
		const cred = await navigator.credentials.create({publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(o.options)});
		const r = await fetch("/v1/client/user-authenticators/passkey",
			{method: "POST", headers: h, body: JSON.stringify({challengeId: o.challengeId, registrationCredential: cred.toJSON()})});
		return r.status;
	})()`, tok, attachment)
	status, err := chromedp.Run(d.ctx, chromedp.Evaluate[int](js, chromedp.EvalAwaitPromise))
	if err != nil || status != 200 {
		d.t.Fatalf("register a %s passkey through the Client API: status %d, %v", attachment, status, err)
	}
}

// Scenario 8: a user who signs in with a roaming authenticator's passkey
// (a security key here; a phone over hybrid alike) is prompted to add a
// passkey to this device.
func TestHostedScenario8RoamingPasskeyThenLocal(t *testing.T) {
	e := newHostedEnv(t)
	e.emailUser("ada")
	d := e.newDevice(securityKey)
	d.registerPasskeyThroughClientAPI("ada", "cross-platform", "")
	d.platform = addVirtualAuthenticator(t, d.ctx, platform)

	d.open(e.trackSignIn("ada", "signIn", nil))
	d.press("link", "Use another method")
	d.press("button", "Sign in with passkey")
	if !d.promptOrApp() {
		t.Fatalf("no prompt after signing in with a security key's passkey:\n%s", d.text())
	}
	e.checkReason("8", "ada", "signIn", d, "eligible")
	e.validateRedirect(d.createPasskeyFromPrompt(), "PASSKEY")
	ps := e.passkeys("ada")
	if len(ps) != 2 || ps[1].Attachment != "platform" || ps[1].DeviceID != d.deviceID() {
		t.Fatalf("passkeys after the prompt: %d, want the security key's and a platform one on this device", len(ps))
	}
}

// Scenario 9: the platform authenticator already holds the user's passkey,
// but the server does not know it is on this device: the registration
// fails with InvalidStateError, the page says no passkey was made as the
// device already has one and offers to continue (no error), the device
// is marked, and the prompt does not come back.
func TestHostedScenario9AuthenticatorAlreadyHoldsPasskey(t *testing.T) {
	e := newHostedEnv(t)
	email := e.emailUser("ada")
	d := e.newDevice(platform)
	d.registerPasskeyThroughClientAPI("ada", "platform", "some-other-device")

	if !d.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
		t.Fatalf("no prompt although the server knows no passkey on this device:\n%s", d.text())
	}
	e.checkReason("9 (before)", "ada", "signIn", d, "eligible")
	d.press("button", "Create passkey")
	d.waitForText("No passkey was made: this device already has one of your passkeys.")
	d.press("link", "Continue")
	e.validateRedirect(d.waitForApp(), "EMAIL_OTP")
	if n := len(e.passkeys("ada")); n != 1 {
		t.Errorf("%d passkeys stored, want still 1", n)
	}
	kinds := e.eventKinds("ada", d.deviceID())
	if kinds[model.UpliftFailed] != 0 || kinds[model.UpliftDismissed] != 0 {
		t.Errorf("uplift events %v; InvalidStateError is neither a failure nor a dismissal", kinds)
	}

	if d.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
		t.Fatal("prompted again on a device marked as holding the user's passkey")
	}
	e.checkReason("9 (next sign-in)", "ada", "signIn", d, "passkey_on_device")
}

// Cancelling the system's passkey dialog counts as "Not now" (SPEC §4):
// here the authenticator refuses to verify the user, which the page sees
// as the same NotAllowedError. The page says no passkey was made and
// offers to continue.
func TestHostedCancelledDialogIsADismissal(t *testing.T) {
	e := newHostedEnv(t)
	email := e.emailUser("ada")
	d := e.newDevice(platform)
	e.setPasskeyConfig(map[string]any{"enrollmentPromptInterval": 86400})
	if !d.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
		t.Fatalf("no prompt:\n%s", d.text())
	}
	if _, err := chromedp.Call(d.ctx, webauthn.SetUserVerified, webauthn.SetUserVerifiedParams{
		AuthenticatorID: d.platform, IsUserVerified: false}); err != nil {
		t.Fatal(err)
	}
	d.press("button", "Create passkey")
	d.waitForText("No passkey was made")
	d.press("link", "Continue")
	e.validateRedirect(d.waitForApp(), "EMAIL_OTP")
	kinds := e.eventKinds("ada", d.deviceID())
	if kinds[model.UpliftDismissed] != 1 || kinds[model.UpliftFailed] != 0 || len(e.passkeys("ada")) != 0 {
		t.Errorf("uplift events %v and %d passkeys; want one dismissal and no passkey", kinds, len(e.passkeys("ada")))
	}
	if d.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
		t.Error("prompted again within the interval after cancelling the dialog")
	}
	e.checkReason("cancelled dialog", "ada", "signIn", d, "frequency_not_elapsed")
}

// The "Passkey created" confirmation continues to the app by itself.
func TestHostedConfirmationContinuesByItself(t *testing.T) {
	e := startHostedEnv(t, false, server.WithConfirmation(500*time.Millisecond))
	email := e.emailUser("ada")
	d := e.newDevice(platform)
	if !d.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
		t.Fatalf("no prompt:\n%s", d.text())
	}
	d.press("button", "Create passkey")
	d.find("heading", "Passkey created")
	e.validateRedirect(d.waitForApp(), "EMAIL_OTP")
}
