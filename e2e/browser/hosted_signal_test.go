package browser_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// addCredential is WebAuthn.addCredential with only the fields this
// Chromium knows: cdproto's Credential always sends a CMTG flag, which it
// refuses.
var addCredential = cdp.Command[addCredentialParams, struct{}]{Method: "WebAuthn.addCredential"}

type addCredentialParams struct {
	AuthenticatorID webauthn.AuthenticatorID `json:"authenticatorId"`
	Credential      credential               `json:"credential"`
}

type credential struct {
	CredentialID         []byte `json:"credentialId"`
	IsResidentCredential bool   `json:"isResidentCredential"`
	RpID                 string `json:"rpId"`
	PrivateKey           []byte `json:"privateKey"`
	UserHandle           []byte `json:"userHandle"`
	SignCount            int    `json:"signCount"`
}

// After a passkey sign-in the hosted page tells the browser which of the
// user's passkeys the server still accepts (SPEC §5), so a credential
// manager drops one the server deleted. Here a security key holds a
// passkey of the user that the server does not have (a resident passkey
// per user and relying party fits on one authenticator, so the stray one
// lives on a second); the signal removes it and keeps the one in use.
func TestHostedSignalsAcceptedCredentials(t *testing.T) {
	e := newHostedEnv(t)
	d := signUpWithPrompt(t, e, "ada")
	handle, err := e.st.UserHandle(context.Background(), e.tenant.ID, "ada")
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	stray := []byte("deleted-on-the-server")
	key2 := addVirtualAuthenticator(t, d.ctx, securityKey)
	if _, err := chromedp.Call(d.ctx, addCredential, addCredentialParams{AuthenticatorID: key2,
		Credential: credential{CredentialID: stray, IsResidentCredential: true, RpID: "localhost",
			PrivateKey: pkcs8, UserHandle: handle}}); err != nil {
		t.Fatalf("WebAuthn.addCredential: %v", err)
	}
	if n := len(d.credentials(key2)); n != 1 {
		t.Fatalf("the security key holds %d passkeys before the sign-in, want 1", n)
	}

	d.open(e.trackSignIn("ada", "signIn", nil))
	d.press("button", "Sign in with passkey")
	e.validateRedirect(d.waitForApp(), "PASSKEY")

	// The signal runs before the page moves on; the authenticator may
	// apply it a moment later.
	deadline := time.Now().Add(waitTimeout)
	for len(d.credentials(key2)) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the security key still holds the passkey the server does not accept after signalAllAcceptedCredentials")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if creds := d.credentials(d.platform); len(creds) != 1 || string(creds[0].CredentialID) != string(e.passkeys("ada")[0].CredentialID) {
		t.Errorf("the platform authenticator holds %d passkeys after the signal, want the accepted one", len(creds))
	}
}
