package clientapi_test

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/totp"
)

// TestEmailEnrolmentThenSignIn enrols an email address with a code that
// arrives over real SMTP, then signs in with a second code.
func TestEmailEnrolmentThenSignIn(t *testing.T) {
	c := newCodeEnv(t)
	tok := c.track("ada", "signUp", map[string]any{"deviceId": "laptop"})

	en := c.call(tok, "/v1/client/user-authenticators/email-otp", map[string]any{"email": "ada@example.com"}, 200)
	if en.Str("userId") != "ada" || en.Str("userAuthenticatorId") == "" {
		t.Fatalf("enroll answer = %s", en.Body)
	}
	msgs := c.mail.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "ada@example.com" || msgs[0].From != "no-reply@example.com" {
		t.Fatalf("mail received = %+v", msgs)
	}
	subject, _ := msgs[0].Header("Subject")
	html, err := msgs[0].Part("text/html")
	if !strings.Contains(subject, "Acme") || err != nil || !strings.Contains(html, c.emailCode("ada@example.com")) {
		t.Errorf("subject %q, HTML part %q (%v): want the tenant's name and the code", subject, html, err)
	}

	v := c.verify(tok, "email-otp", c.emailCode("ada@example.com"))
	ua, _ := v.JSON["userAuthenticator"].(map[string]any)
	if v.JSON["isVerified"] != true || v.Str("accessToken") == "" || v.Str("failureReason") != "" ||
		ua["userAuthenticatorId"] != en.Str("userAuthenticatorId") || ua["verificationMethod"] != "EMAIL_OTP" ||
		ua["email"] != "ada@example.com" || ua["isDefault"] != true || ua["verifiedAt"] == "" {
		t.Fatalf("verify answer = %s", v.Body)
	}
	for _, tk := range []string{tok, v.Str("accessToken")} {
		if got := c.validate(tk); got.Str("state") != "CHALLENGE_SUCCEEDED" || got.Str("verificationMethod") != "EMAIL_OTP" {
			t.Errorf("validate after enrolment = %s", got.Body)
		}
	}
	if u := c.user("ada"); u.Str("email") != "ada@example.com" || u.JSON["emailVerified"] != true {
		t.Errorf("user after enrolment = %s", u.Body)
	}

	// A later sign-in: the action needs a challenge, and the email code completes it.
	c.Clock.Advance(time.Minute)
	tok = c.track("ada", "signIn", nil)
	if got := c.validate(tok); got.Str("state") != "CHALLENGE_REQUIRED" {
		t.Fatalf("validate before sign-in = %s", got.Body)
	}
	ch := c.call(tok, "/v1/client/challenge/email-otp", nil, 200)
	if ch.Str("challengeId") == "" {
		t.Fatalf("challenge answer = %s", ch.Body)
	}
	v = c.verify(tok, "email-otp", c.emailCode("ada@example.com"))
	if v.JSON["isVerified"] != true || v.JSON["userAuthenticator"] != nil {
		t.Fatalf("sign-in verify answer = %s", v.Body)
	}
	got := c.validate(v.Str("accessToken"))
	if got.Str("state") != "CHALLENGE_SUCCEEDED" || got.Str("verificationMethod") != "EMAIL_OTP" || got.Str("action") != "signIn" {
		t.Errorf("validate after sign-in = %s", got.Body)
	}
	act := c.Do(c.secret, "GET", "/v1/users/ada/actions/signIn/"+got.Str("idempotencyKey"), nil).MustOK(t)
	if act.Str("verifiedByAuthenticatorId") != en.Str("userAuthenticatorId") {
		t.Errorf("action = %s, want it verified by the email authenticator", act.Body)
	}
	// The code is single use.
	wantFailure(t, c.verify(tok, "email-otp", c.emailCode("ada@example.com")), "CODE_INVALID_OR_EXPIRED")
}

// TestSMSEnrolmentThenSignIn does the same with text messages posted to a
// webhook as {to, body}.
func TestSMSEnrolmentThenSignIn(t *testing.T) {
	c := newCodeEnv(t)
	const phone = "+64211234567"
	tok := c.track("bo", "signUp", nil)

	wantAPIError(t, c.Client(tok, "POST", "/v1/client/user-authenticators/sms", map[string]any{"phoneNumber": "021 123 4567"}),
		400, "invalid_request", "E.164")
	c.call(tok, "/v1/client/user-authenticators/sms", map[string]any{"phoneNumber": phone}, 200)
	texts := c.sms.Messages()
	if len(texts) != 1 || texts[0].To != phone || !strings.Contains(texts[0].Body, "Acme") {
		t.Fatalf("texts received = %+v", texts)
	}
	v := c.verify(tok, "sms", c.smsCode(phone))
	if ua, _ := v.JSON["userAuthenticator"].(map[string]any); v.JSON["isVerified"] != true || ua["phoneNumber"] != phone ||
		ua["verificationMethod"] != "SMS" {
		t.Fatalf("verify answer = %s", v.Body)
	}
	if u := c.user("bo"); u.Str("phoneNumber") != phone || u.JSON["phoneNumberVerified"] != true {
		t.Errorf("user after enrolment = %s", u.Body)
	}

	c.Clock.Advance(time.Minute)
	tok = c.track("bo", "signIn", nil)
	wantAPIError(t, c.Client(tok, "POST", "/v1/client/challenge/sms", map[string]any{"smsChannel": "WHATSAPP"}),
		400, "invalid_request", "smsChannel")
	c.call(tok, "/v1/client/challenge/sms", map[string]any{"smsChannel": "DEFAULT"}, 200)
	v = c.verify(tok, "sms", c.smsCode(phone))
	if got := c.validate(v.Str("accessToken")); got.Str("state") != "CHALLENGE_SUCCEEDED" || got.Str("verificationMethod") != "SMS" {
		t.Errorf("validate after sign-in = %s", got.Body)
	}
	// Email is a method of its own: this user has none to challenge.
	wantAPIError(t, c.Client(c.track("bo", "signIn", nil), "POST", "/v1/client/challenge/email-otp", nil),
		400, "invalid_request", "no verified EMAIL_OTP authenticator")
}

// TestAuthenticatorApp enrols an app with a code computed from the secret
// the enrolment returned, then signs in, refusing a replayed code.
func TestAuthenticatorApp(t *testing.T) {
	c := newCodeEnv(t)
	tok := c.track("cy", "signUp", map[string]any{"email": "cy@example.com"})

	en := c.call(tok, "/v1/client/user-authenticators/totp", nil, 200)
	secret, uri := en.Str("secret"), en.Str("uri")
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("secret") != secret ||
		u.Query().Get("issuer") != "Acme" || !strings.Contains(u.Path, "cy@example.com") {
		t.Fatalf("uri = %q (%v), secret %q", uri, err, secret)
	}
	img, ok := strings.CutPrefix(en.Str("qrCode"), "data:image/png;base64,")
	raw, err := base64.StdEncoding.DecodeString(img)
	if !ok || err != nil {
		t.Fatalf("qrCode = %.60q: %v", en.Str("qrCode"), err)
	}
	if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
		t.Fatalf("qrCode is not a PNG: %v", err)
	}

	wantFailure(t, c.verify(tok, "totp", "12345"), "CODE_INVALID_OR_EXPIRED")
	code := mustCode(t, secret, c.Clock.Now())
	v := c.verify(tok, "totp", code)
	if ua, _ := v.JSON["userAuthenticator"].(map[string]any); v.JSON["isVerified"] != true ||
		ua["verificationMethod"] != "AUTHENTICATOR_APP" || ua["userAuthenticatorId"] != en.Str("userAuthenticatorId") {
		t.Fatalf("verify answer = %s", v.Body)
	}
	if got := c.validate(v.Str("accessToken")); got.Str("verificationMethod") != "AUTHENTICATOR_APP" {
		t.Errorf("validate after enrolment = %s", got.Body)
	}

	// The code that enrolled the app cannot sign in: its time step is used.
	tok = c.track("cy", "signIn", nil)
	wantFailure(t, c.verify(tok, "totp", code), "CODE_INVALID_OR_EXPIRED")
	// Nor can the step before it.
	wantFailure(t, c.verify(tok, "totp", mustCode(t, secret, c.Clock.Now().Add(-totp.Period))), "CODE_INVALID_OR_EXPIRED")
	// The next step's code is accepted (one step of clock skew) ...
	next := mustCode(t, secret, c.Clock.Now().Add(totp.Period))
	v = c.verify(tok, "totp", next)
	if v.JSON["isVerified"] != true || v.JSON["userAuthenticator"] != nil {
		t.Fatalf("sign-in verify answer = %s", v.Body)
	}
	if got := c.validate(v.Str("accessToken")); got.Str("state") != "CHALLENGE_SUCCEEDED" || got.Str("verificationMethod") != "AUTHENTICATOR_APP" {
		t.Errorf("validate after sign-in = %s", got.Body)
	}
	// ... once: in another action it is a replay, and so is every code up to it.
	c.Clock.Advance(totp.Period)
	tok = c.track("cy", "signIn", nil)
	wantFailure(t, c.verify(tok, "totp", next), "CODE_INVALID_OR_EXPIRED")
	// Two steps ahead is beyond the skew allowed.
	wantFailure(t, c.verify(tok, "totp", mustCode(t, secret, c.Clock.Now().Add(2*totp.Period))), "CODE_INVALID_OR_EXPIRED")
	c.Clock.Advance(totp.Period)
	if v := c.verify(tok, "totp", mustCode(t, secret, c.Clock.Now())); v.JSON["isVerified"] != true {
		t.Errorf("a fresh code after the replays = %s", v.Body)
	}
}

func mustCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.CodeAt(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// TestOnlyTheNewestCodeWorks sends two codes for one action: the first no
// longer verifies once the second is out.
func TestOnlyTheNewestCodeWorks(t *testing.T) {
	c := newCodeEnv(t)
	tok := c.track("di", "signUp", nil)
	c.call(tok, "/v1/client/user-authenticators/email-otp", map[string]any{"email": "di@example.com"}, 200)
	first := c.emailCode("di@example.com")
	c.Clock.Advance(31 * time.Second)
	c.call(tok, "/v1/client/user-authenticators/email-otp", map[string]any{"email": "di@example.com"}, 200)
	second := c.emailCode("di@example.com")
	if first != second {
		wantFailure(t, c.verify(tok, "email-otp", first), "CODE_INVALID_OR_EXPIRED")
	}
	if v := c.verify(tok, "email-otp", second); v.JSON["isVerified"] != true {
		t.Fatalf("newest code = %s", v.Body)
	}
}

// TestReenrolmentReplacesTheAddress enrols a second address with the
// add:authenticators scope: the user keeps one email authenticator, with
// the new address.
func TestReenrolmentReplacesTheAddress(t *testing.T) {
	c := newCodeEnv(t)
	tok := c.track("ed", "signUp", nil)
	first := c.call(tok, "/v1/client/user-authenticators/email-otp", map[string]any{"email": "ed@example.com"}, 200)
	c.verify(tok, "email-otp", c.emailCode("ed@example.com"))

	c.Clock.Advance(time.Minute)
	tok = c.track("ed", "settings", map[string]any{"scope": "add:authenticators"})
	again := c.call(tok, "/v1/client/user-authenticators/email-otp", map[string]any{"email": "ed@example.org"}, 200)
	if again.Str("userAuthenticatorId") != first.Str("userAuthenticatorId") {
		t.Errorf("re-enrolment announced authenticator %s, want the existing %s", again.Str("userAuthenticatorId"), first.Str("userAuthenticatorId"))
	}
	c.verify(tok, "email-otp", c.emailCode("ed@example.org"))
	auths := c.Do(c.secret, "GET", "/v1/users/ed/authenticators", nil).MustOK(t)
	if len(auths.List) != 1 || auths.List[0].(map[string]any)["email"] != "ed@example.org" {
		t.Errorf("authenticators = %s, want one with the new address", auths.Body)
	}
	// A further authenticator added with the scope leaves the action as it was.
	if got := c.validate(tok); got.Str("state") != "CHALLENGE_REQUIRED" {
		t.Errorf("validate after adding with the scope = %s", got.Body)
	}
}
