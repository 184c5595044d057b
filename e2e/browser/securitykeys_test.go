package browser_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/uplift-dev/uplift/internal/policy"
	"github.com/uplift-dev/uplift/internal/prompt"
)

// TestSecurityKeysWithTheBrowserSDK enrols a USB security key and signs in
// with it through @authsignal/browser's securityKey.enroll() and verify()
// in Chromium, on a device that also has a platform authenticator; the
// key is created on the USB authenticator only, and afterwards the uplift
// prompt still offers a passkey on that device, until one is made there.
func TestSecurityKeysWithTheBrowserSDK(t *testing.T) {
	e := newEnv(t)
	usb := addVirtualAuthenticator(t, e.ctx, webauthn.AuthenticatorTransportUsb)
	// No recovery method is required (a security key is not one), so the
	// diagnosis below turns on the device alone.
	if _, err := e.uplift.Policy.UpdatePasskeySettings(context.Background(), e.tenant.ID, func(ps *policy.PasskeySettings) {
		ps.Passkey.RecoveryMethods = nil
	}); err != nil {
		t.Fatal(err)
	}

	enrolled := e.data(e.sdk(fmt.Sprintf(`(client.setToken(%q), client.securityKey.enroll())`, e.track("ada", "signUp"))),
		"securityKey.enroll")
	if v := e.validate(enrolled["token"].(string)); v["state"] != "CHALLENGE_SUCCEEDED" || v["verificationMethod"] != "SECURITY_KEY" {
		t.Errorf("validate after enroll = %v", v)
	}
	if n, p := e.credentials(usb), e.credentials(e.authnID); n != 1 || p != 0 {
		t.Errorf("credentials on the USB key %d and the platform authenticator %d, want 1 and 0", n, p)
	}

	verified := e.data(e.sdk(fmt.Sprintf(`(client.setToken(%q), client.securityKey.verify())`, e.track("ada", "signIn"))),
		"securityKey.verify")
	if verified["isVerified"] != true {
		t.Errorf("verify = %v", verified)
	}
	if v := e.validate(verified["token"].(string)); v["state"] != "CHALLENGE_SUCCEEDED" || v["verificationMethod"] != "SECURITY_KEY" ||
		v["action"] != "signIn" {
		t.Errorf("validate after verify = %v", v)
	}

	// The device reports what Chromium says of it, as the hosted pages do.
	deviceID := e.reportCapabilities()
	if d := e.serverAPI("GET", "/v1/users/ada/uplift?deviceId="+deviceID+"&action=signIn", nil); d["show"] != true || d["reason"] != "eligible" {
		t.Errorf("diagnosis after a security key sign-in = %v, want eligible", d)
	}

	// A passkey made on this device's platform authenticator is the passkey
	// on the device.
	tok := e.serverAPI("POST", "/v1/users/ada/actions/addPasskey", map[string]any{"deviceId": deviceID,
		"scope": "add:authenticators"})["token"].(string)
	e.data(e.sdk(fmt.Sprintf(`client.passkey.signUp({token: %q, authenticatorAttachment: "platform"})`, tok)), "passkey.signUp")
	if d := e.serverAPI("GET", "/v1/users/ada/uplift?deviceId="+deviceID+"&action=signIn", nil); d["reason"] != "passkey_on_device" {
		t.Errorf("diagnosis after a passkey made on the device = %v, want passkey_on_device", d)
	}
}

// credentials counts the credentials a virtual authenticator holds.
func (e *env) credentials(id webauthn.AuthenticatorID) int {
	e.t.Helper()
	r, err := chromedp.Call(e.ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: id})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(r.Credentials)
}

type capabilities struct {
	DeviceID string `json:"deviceId"`
	PKC      bool   `json:"pkc"`
	Platform bool   `json:"platform"`
}

// reportCapabilities stores for the SDK's device id what the page's
// browser says it can do, and returns the device id.
func (e *env) reportCapabilities() string {
	e.t.Helper()
	caps, err := chromedp.Run(e.ctx, chromedp.Evaluate[capabilities](`(async () => ({deviceId: client.anonymousId,
		pkc: !!window.PublicKeyCredential,
		platform: await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable()}))()`, chromedp.EvalAwaitPromise))
	if err != nil {
		e.t.Fatal(err)
	}
	err = e.uplift.Actions.SetDeviceCapabilities(context.Background(), e.tenant.ID, caps.DeviceID,
		map[string]any{prompt.CapPublicKeyCredential: caps.PKC, prompt.CapPlatformAuthenticator: caps.Platform})
	if err != nil {
		e.t.Fatal(err)
	}
	return caps.DeviceID
}
