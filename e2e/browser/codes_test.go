package browser_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/notify/notifytest"
	"github.com/uplift-dev/uplift/internal/totp"
)

// startMail runs an SMTP server for the test and returns it with the
// sender `uplift serve` would use for it.
func startMail(t *testing.T) (*notifytest.SMTPServer, notify.EmailSender) {
	t.Helper()
	mail := notifytest.StartSMTP(t)
	sender, err := notify.NewSMTPSender(mail.URL(), "no-reply@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return mail, sender
}

// emailCode returns the code in the newest email to addr.
func (e *env) emailCode(addr string) string {
	e.t.Helper()
	code, err := e.mail.LastCode(addr)
	if err != nil {
		e.t.Fatalf("code emailed to %s: %v", addr, err)
	}
	return code
}

// TestEmailCodesWithTheBrowserSDK enrols an email address and signs in
// with it through @authsignal/browser in Chromium, each code read from
// the mail the SMTP server received, and checks every result with the
// Server API's validate.
func TestEmailCodesWithTheBrowserSDK(t *testing.T) {
	e := newEnv(t)
	const addr = "ada@example.com"

	call := fmt.Sprintf(`(client.setToken(%q), client.email.enroll({email: %q}))`, e.track("ada", "signUp"), addr)
	en := e.data(e.sdk(call), "email.enroll")
	if en["userId"] != "ada" || en["userAuthenticatorId"] == "" {
		t.Fatalf("email.enroll = %v", en)
	}
	call = fmt.Sprintf(`client.email.verify({code: %q})`, e.emailCode(addr))
	v := e.data(e.sdk(call), "email.verify")
	ua, _ := v["userAuthenticator"].(map[string]any)
	if v["isVerified"] != true || ua["verificationMethod"] != "EMAIL_OTP" || ua["email"] != addr ||
		ua["userAuthenticatorId"] != en["userAuthenticatorId"] {
		t.Fatalf("email.verify after enroll = %v", v)
	}
	if got := e.validate(v["token"].(string)); got["state"] != "CHALLENGE_SUCCEEDED" || got["verificationMethod"] != "EMAIL_OTP" {
		t.Errorf("validate after enrolment = %v", got)
	}

	// A later sign-in: challenge, one wrong code, then the right one.
	e.clock.Advance(time.Minute)
	tok := e.track("ada", "signIn")
	ch := e.data(e.sdk(fmt.Sprintf(`(client.setToken(%q), client.email.challenge())`, tok)), "email.challenge")
	if ch["challengeId"] == "" {
		t.Fatalf("email.challenge = %v", ch)
	}
	code := e.emailCode(addr)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	v = e.data(e.sdk(fmt.Sprintf(`client.email.verify({code: %q})`, wrong)), "email.verify with a wrong code")
	if v["isVerified"] != false || v["failureReason"] != "CODE_INVALID_OR_EXPIRED" || v["token"] != nil {
		t.Errorf("email.verify with a wrong code = %v", v)
	}
	v = e.data(e.sdk(fmt.Sprintf(`client.email.verify({code: %q})`, code)), "email.verify")
	if v["isVerified"] != true || v["userAuthenticator"] != nil {
		t.Fatalf("email.verify at sign-in = %v", v)
	}
	got := e.validate(v["token"].(string))
	if got["state"] != "CHALLENGE_SUCCEEDED" || got["verificationMethod"] != "EMAIL_OTP" || got["action"] != "signIn" || got["userId"] != "ada" {
		t.Errorf("validate after sign-in = %v", got)
	}

	// Asking for another code at once is throttled, with an error the SDK passes on.
	o := e.sdk(fmt.Sprintf(`(client.setToken(%q), client.email.challenge())`, e.track("ada", "withdraw")))
	if !o.OK || o.Value["errorCode"] != "too_many_requests" || o.Value["errorDescription"] == nil {
		t.Errorf("email.challenge again at once = %+v", o)
	}
}

// TestAuthenticatorAppWithTheBrowserSDK adds an authenticator app with the
// add:authenticators scope through the SDK, proving it with a code
// computed from the secret the SDK was given.
func TestAuthenticatorAppWithTheBrowserSDK(t *testing.T) {
	e := newEnv(t)
	e.serverAPI("POST", "/v1/users/bo/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": "bo@example.com"})
	tok := e.serverAPI("POST", "/v1/users/bo/actions/settings", map[string]any{"scope": "add:authenticators"})["token"].(string)

	en := e.data(e.sdk(fmt.Sprintf(`(client.setToken(%q), client.totp.enroll())`, tok)), "totp.enroll")
	secret, _ := en["secret"].(string)
	if en["userId"] != "bo" || en["userAuthenticatorId"] == "" || secret == "" || en["uri"] == "" {
		t.Fatalf("totp.enroll = %v", en)
	}
	code, err := totp.CodeAt(secret, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	v := e.data(e.sdk(fmt.Sprintf(`client.totp.verify({code: %q})`, code)), "totp.verify")
	if ua, _ := v["userAuthenticator"].(map[string]any); v["isVerified"] != true || ua["verificationMethod"] != "AUTHENTICATOR_APP" {
		t.Fatalf("totp.verify = %v", v)
	}
}
