package browser_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPasskeysWithTheBrowserSDK signs a user up with a passkey and signs
// them in twice (username-less for an action, and with a token), each
// time through @authsignal/browser in Chromium, and checks every result
// with the Server API's validate.
func TestPasskeysWithTheBrowserSDK(t *testing.T) {
	e := newEnv(t)

	call := fmt.Sprintf(`client.passkey.signUp({token: %q})`, e.track("ada", "signUp"))
	up := e.data(e.sdk(call), "signUp")
	if v := e.validate(up["token"].(string)); v["state"] != "CHALLENGE_SUCCEEDED" || v["verificationMethod"] != "PASSKEY" {
		t.Errorf("validate after signUp = %v", v)
	}
	cred := up["userAuthenticator"].(map[string]any)["webauthnCredential"].(map[string]any)
	if cred["name"] != "Chrome on Linux" || cred["deviceId"] == "" || cred["authenticatorAttachment"] != "platform" {
		t.Errorf("webauthnCredential = %v", cred)
	}

	in := e.data(e.sdk(`client.passkey.signIn({action: "signIn"})`), "signIn with an action")
	if in["isVerified"] != true || in["userId"] != "ada" || in["userAuthenticatorId"] == "" {
		t.Errorf("signIn({action}) = %v", in)
	}
	if v := e.validate(in["token"].(string)); v["state"] != "CHALLENGE_SUCCEEDED" || v["action"] != "signIn" || v["userId"] != "ada" {
		t.Errorf("validate after signIn({action}) = %v", v)
	}

	tok := e.track("ada", "withdraw")
	in = e.data(e.sdk(fmt.Sprintf(`client.passkey.signIn({token: %q})`, tok)), "signIn with a token")
	for _, tk := range []string{tok, in["token"].(string)} {
		if v := e.validate(tk); v["state"] != "CHALLENGE_SUCCEEDED" || v["action"] != "withdraw" {
			t.Errorf("validate after signIn({token}) = %v", v)
		}
	}
	avail, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](`client.passkey.isAvailableOnDevice({userId: "ada"})`, chromedp.EvalAwaitPromise))
	if err != nil || !avail {
		t.Errorf("isAvailableOnDevice = %v, %v; want true", avail, err)
	}
}

// TestPasskeyRejectionsInTheBrowser checks that tampered or misplaced
// responses from a real browser are refused with a clear error.
func TestPasskeyRejectionsInTheBrowser(t *testing.T) {
	e := newEnv(t)
	e.data(e.sdk(fmt.Sprintf(`client.passkey.signUp({token: %q})`, e.track("ada", "signUp"))), "signUp")
	signIn := `client.passkey.signIn({action: "signIn"})`

	t.Run("user not verified by the authenticator", func(t *testing.T) {
		e.setUserVerified(false)
		defer e.setUserVerified(true)
		o := e.sdk(signIn)
		if o.OK {
			t.Fatalf("signIn without user verification did not throw: %v", o.Value)
		}
		if o.Name != "NotAllowedError" {
			t.Errorf("signIn without user verification threw %s: %s, want NotAllowedError", o.Name, o.Message)
		}
	})
	t.Run("UV flag missing from the response", func(t *testing.T) {
		e.overrideBits(false, true)
		defer e.overrideBits(false, false)
		wantAPIError(t, e.sdk(signIn), "invalid_credential", "verify the user")
	})
	t.Run("bogus signature", func(t *testing.T) {
		e.overrideBits(true, false)
		defer e.overrideBits(false, false)
		wantAPIError(t, e.sdk(signIn), "invalid_credential", "signature")
	})
	t.Run("replayed challenge", func(t *testing.T) {
		e.data(e.sdk(signIn), "signIn")
		r, err := chromedp.Run(e.ctx, chromedp.Evaluate[struct {
			Status int            `json:"status"`
			Body   map[string]any `json:"body"`
		}](`replayVerify()`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != 400 || r.Body["errorCode"] != "invalid_challenge" ||
			!strings.Contains(fmt.Sprint(r.Body["errorDescription"]), "already used") {
			t.Errorf("replay answered %d %v", r.Status, r.Body)
		}
	})
	t.Run("wrong origin", func(t *testing.T) {
		e.open(e.api + "/page/") // Uplift's own origin, which the tenant does not expect
		defer e.open(e.app + "/")
		wantAPIError(t, e.sdk(signIn), "invalid_credential", "origin")
	})
	// After all that, the passkey still works.
	e.data(e.sdk(signIn), "signIn after the rejections")
}

// wantAPIError checks that an SDK call answered with the API error code
// and a description mentioning words.
func wantAPIError(t *testing.T, o outcome, code, words string) {
	t.Helper()
	if !o.OK {
		t.Fatalf("the SDK threw %s: %s, want an API error %s", o.Name, o.Message, code)
	}
	desc := fmt.Sprint(o.Value["errorDescription"])
	if o.Value["errorCode"] != code || !strings.Contains(desc, words) {
		t.Errorf("SDK answered %v, want errorCode %s mentioning %q", o.Value, code, words)
	}
}
