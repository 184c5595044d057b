package browser_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// Passkey autofill (conditional mediation) in the virtual authenticator
// environment: Chromium answers a conditional request by itself, at once,
// with a discoverable passkey the authenticator holds for the relying
// party, as if the person had picked it from the field's suggestions;
// with none, the request waits. So that a test's button press never
// races a conditional sign-in, newDevice hides autofill (the page sees a
// browser without it, as in browsers that lack it); the tests of
// autofill offer it back with offerAutofill before opening the page.

// autofillField is the challenge page's identifier field, where browsers
// offer passkeys (autocomplete="username webauthn").
const autofillField = "Email or username"

// hideAutofill makes PublicKeyCredential.isConditionalMediationAvailable
// answer false on every page the device loads from now on.
func (d *device) hideAutofill() {
	d.t.Helper()
	r, err := chromedp.Call(d.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `if (window.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);`})
	if err != nil {
		d.t.Fatalf("hide autofill: %v", err)
	}
	d.noAutofill = r.Identifier
}

// offerAutofill lets the pages the device loads from now on use passkey
// autofill, as Chromium offers it.
func (d *device) offerAutofill() {
	d.t.Helper()
	if _, err := chromedp.Call(d.ctx, page.RemoveScriptToEvaluateOnNewDocument,
		page.RemoveScriptToEvaluateOnNewDocumentParams{Identifier: d.noAutofill}); err != nil {
		d.t.Fatalf("offer autofill: %v", err)
	}
}

// setPresence makes the authenticator answer tests of user presence at
// once (true) or never (false): a request it cannot answer waits.
func (d *device) setPresence(id webauthn.AuthenticatorID, on bool) {
	d.t.Helper()
	if _, err := chromedp.Call(d.ctx, webauthn.SetAutomaticPresenceSimulation,
		webauthn.SetAutomaticPresenceSimulationParams{AuthenticatorID: id, Enabled: on}); err != nil {
		d.t.Fatal(err)
	}
}

// attribute is an attribute of the control with the role and name.
func (d *device) attribute(role, name, attr string) string {
	d.t.Helper()
	r, err := chromedp.Call(d.ctx, dom.DescribeNode, dom.DescribeNodeParams{BackendNodeID: d.find(role, name)})
	if err != nil {
		d.t.Fatal(err)
	}
	for i := 0; i+1 < len(r.Node.Attributes); i += 2 {
		if r.Node.Attributes[i] == attr {
			return r.Node.Attributes[i+1]
		}
	}
	return ""
}

// trackSignInKey is trackSignIn that also returns the action's
// idempotency key.
func (e *hostedEnv) trackSignInKey(userID, action string) (hostedURL, key string) {
	e.t.Helper()
	e.clock.Advance(time.Minute)
	r := e.serverAPI("POST", "/v1/users/"+userID+"/actions/"+action, map[string]any{"redirectUrl": e.app + "/callback"})
	return r["url"].(string), r["idempotencyKey"].(string)
}

// actionState is the state of the user's action as the Server API says.
func (e *hostedEnv) actionState(userID, action, key string) any {
	e.t.Helper()
	return e.serverAPI("GET", "/v1/users/"+userID+"/actions/"+action+"/"+key, nil)["state"]
}

// Passkey autofill: on a device without the user's passkey the challenge
// page shows the identifier field for passkeys beside the button, and
// the conditional request waits there; on the device holding the
// passkey, the person picks it from the field's suggestions (the virtual
// authenticator answers the conditional request as that choice) and is
// signed in without pressing the button.
func TestHostedPasskeyAutofill(t *testing.T) {
	e := newHostedEnv(t)
	d := signUpWithPrompt(t, e, "ada")

	other := e.newDevice(platform)
	other.offerAutofill()
	hosted, key := e.trackSignInKey("ada", "signIn")
	other.open(hosted)
	if got := other.attribute("textbox", autofillField, "autocomplete"); got != "username webauthn" {
		t.Errorf("the identifier field's autocomplete is %q, want \"username webauthn\"", got)
	}
	if axe, err := os.ReadFile(axePath); err == nil { // the field passes the pages' checks too
		pageCheck{t: t, d: other, axe: string(axe), dir: artifactsDir(t)}.check("challenge-autofill")
	}
	other.press("link", "Use another method")
	other.find("button", "Sign in with passkey") // the button stays for browsers without autofill
	other.find("textbox", autofillField)
	if s := e.actionState("ada", "signIn", key); s != "CHALLENGE_REQUIRED" {
		t.Errorf("the action is %v on a device without the passkey, want CHALLENGE_REQUIRED", s)
	}

	d.offerAutofill()
	hosted, key = e.trackSignInKey("ada", "signIn")
	d.open(hosted)
	e.validateRedirect(d.waitForApp(), "PASSKEY")
	if s := e.actionState("ada", "signIn", key); s != "CHALLENGE_SUCCEEDED" {
		t.Errorf("the action is %v after autofill, want CHALLENGE_SUCCEEDED", s)
	}
}

// The button works while a conditional request waits: with the
// authenticator unable to answer at first, the page's conditional
// request waits at it; once it can, pressing the button (which aborts
// the conditional request first) signs in. This Chromium also lets a
// modal request through while a conditional one is pending, so the test
// shows the button is never blocked, not that the abort happened.
func TestHostedPasskeyButtonWhileAutofillWaits(t *testing.T) {
	e := newHostedEnv(t)
	d := signUpWithPrompt(t, e, "ada")
	d.offerAutofill()
	d.setPresence(d.platform, false)
	d.open(e.trackSignIn("ada", "signIn", nil))
	d.find("textbox", autofillField)   // shown once the conditional request starts
	time.Sleep(500 * time.Millisecond) // let it reach the authenticator
	if u := d.url(); !strings.HasPrefix(u, e.api+"/login") {
		t.Fatalf("left the challenge for %s before any choice", u)
	}
	d.setPresence(d.platform, true)
	d.press("button", "Sign in with passkey")
	e.validateRedirect(d.waitForApp(), "PASSKEY")
}

// The conditional request lists every passkey the browser holds for the
// relying party, but the action belongs to its user: on a device that
// holds only bob's passkey, ada's challenge page refuses it, as the
// button path refuses another user's passkey, and ada's action stays
// open.
func TestHostedPasskeyAutofillRefusesAnotherUsersPasskey(t *testing.T) {
	e := newHostedEnv(t)
	signUpWithPrompt(t, e, "ada")
	bobs := signUpWithPrompt(t, e, "bob")
	bobs.offerAutofill()
	hosted, key := e.trackSignInKey("ada", "signIn")
	bobs.open(hosted)
	bobs.waitForText("couldn't sign you in with that passkey")
	if u := bobs.url(); !strings.HasPrefix(u, e.api+"/login") {
		t.Fatalf("left the challenge for %s after another user's passkey", u)
	}
	if s := e.actionState("ada", "signIn", key); s != "CHALLENGE_REQUIRED" {
		t.Errorf("ada's action is %v after bob's passkey was chosen, want CHALLENGE_REQUIRED", s)
	}
	if n := len(bobs.credentials(bobs.platform)); n != 1 {
		t.Errorf("the device holds %d passkeys after the refusal, want bob's still there", n)
	}
}

// signalUnknownCredential: a passkey the server deleted is still on the
// device; picking it from autofill is answered unknown_credential, and
// the page tells the credential manager, which forgets it.
func TestHostedAutofillSignalsUnknownCredential(t *testing.T) {
	e := newHostedEnv(t)
	d := signUpWithPrompt(t, e, "ada")
	second := e.newDevice(platform) // ada keeps a passkey, so passkeys stay offered
	if !second.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), "ada@example.com") {
		t.Fatalf("no prompt on the second device:\n%s", second.text())
	}
	second.createPasskeyFromPrompt()
	var onFirst string
	for _, p := range e.passkeys("ada") {
		if p.DeviceID == d.deviceID() {
			onFirst = p.AuthenticatorID
		}
	}
	if onFirst == "" {
		t.Fatal("no passkey stored for the first device")
	}
	e.serverAPI("DELETE", "/v1/users/ada/authenticators/"+onFirst, nil)

	d.offerAutofill()
	d.open(e.trackSignIn("ada", "signIn", nil))
	d.waitForText("This passkey has been removed from your account")
	deadline := time.Now().Add(waitTimeout)
	for len(d.credentials(d.platform)) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the device still holds the passkey the server deleted after signalUnknownCredential")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signalCurrentUserDetails: after the app changes the user's display
// name, the next passkey sign-in tells the credential manager, which
// shows the passkey under the new name.
func TestHostedSignalsCurrentUserDetails(t *testing.T) {
	e := newHostedEnv(t)
	d := signUpWithPrompt(t, e, "ada")
	if creds := d.credentials(d.platform); len(creds) != 1 || creds[0].UserDisplayName != "ada@example.com" {
		t.Fatalf("the passkey before the change: %+v", creds)
	}
	e.serverAPI("PATCH", "/v1/users/ada", map[string]any{"displayName": "Ada Lovelace"})
	d.open(e.trackSignIn("ada", "signIn", nil))
	d.press("button", "Sign in with passkey")
	e.validateRedirect(d.waitForApp(), "PASSKEY")
	deadline := time.Now().Add(waitTimeout)
	for {
		creds := d.credentials(d.platform)
		if len(creds) == 1 && creds[0].UserDisplayName == "Ada Lovelace" && creds[0].UserName == "ada@example.com" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the passkey after signalCurrentUserDetails: %+v, want display name Ada Lovelace", creds)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
