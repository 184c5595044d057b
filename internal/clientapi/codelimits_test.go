package clientapi_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/notify"
)

// enrolledByEmail gives a user a verified email authenticator through the
// Server API, without sending a code.
func (c *codeEnv) enrolledByEmail(userID string) string {
	c.T.Helper()
	addr := userID + "@example.com"
	c.Do(c.secret, "POST", "/v1/users/"+userID+"/authenticators",
		map[string]any{"verificationMethod": "EMAIL_OTP", "email": addr}).MustOK(c.T)
	return addr
}

// actionState returns the state of the action a token was issued for.
func (c *codeEnv) actionState(tok string) string {
	c.T.Helper()
	return c.validate(tok).Str("state")
}

func TestWrongCodesEndTheChallenge(t *testing.T) {
	c := newCodeEnv(t)
	addr := c.enrolledByEmail("ada")
	tok := c.track("ada", "signIn", nil)
	c.call(tok, "/v1/client/challenge/email-otp", nil, 200)
	code := c.emailCode(addr)

	for i := 1; i <= 4; i++ {
		wantFailure(t, c.verify(tok, "email-otp", wrongCode(code)), "CODE_INVALID_OR_EXPIRED")
		if s := c.actionState(tok); s != "CHALLENGE_REQUIRED" {
			t.Fatalf("after %d wrong codes the action is %s", i, s)
		}
	}
	wantFailure(t, c.verify(tok, "email-otp", wrongCode(code)), "MAX_ATTEMPTS_EXCEEDED")
	if s := c.actionState(tok); s != "CHALLENGE_FAILED" {
		t.Errorf("after 5 wrong codes the action is %s, want CHALLENGE_FAILED", s)
	}
	// The right code no longer helps, and no new code is sent for this action.
	wantFailure(t, c.verify(tok, "email-otp", code), "CODE_INVALID_OR_EXPIRED")
	c.Clock.Advance(time.Minute)
	wantAPIError(t, c.Client(tok, "POST", "/v1/client/challenge/email-otp", nil), 403, "forbidden", "failed")
	// A new action starts afresh.
	tok = c.track("ada", "signIn", nil)
	c.call(tok, "/v1/client/challenge/email-otp", nil, 200)
	if v := c.verify(tok, "email-otp", c.emailCode(addr)); v.JSON["isVerified"] != true {
		t.Errorf("new action = %s", v.Body)
	}
}

func TestWrongAppCodesEndTheChallenge(t *testing.T) {
	c := newCodeEnv(t)
	tok := c.track("bo", "signUp", nil)
	secret := c.call(tok, "/v1/client/user-authenticators/totp", nil, 200).Str("secret")
	c.verify(tok, "totp", mustCode(t, secret, c.Clock.Now()))

	c.Clock.Advance(time.Minute)
	tok = c.track("bo", "signIn", nil)
	right := mustCode(t, secret, c.Clock.Now())
	for range 4 {
		wantFailure(t, c.verify(tok, "totp", wrongCode(right)), "CODE_INVALID_OR_EXPIRED")
	}
	wantFailure(t, c.verify(tok, "totp", wrongCode(right)), "MAX_ATTEMPTS_EXCEEDED")
	wantFailure(t, c.verify(tok, "totp", right), "CODE_INVALID_OR_EXPIRED")
	if s := c.actionState(tok); s != "CHALLENGE_FAILED" {
		t.Errorf("action = %s, want CHALLENGE_FAILED", s)
	}
}

func TestCodesExpireAfterTenMinutes(t *testing.T) {
	c := newCodeEnv(t)
	addr := c.enrolledByEmail("cy")
	for _, tt := range []struct {
		wait time.Duration
		ok   bool
	}{
		{10*time.Minute - time.Second, true},
		{10 * time.Minute, false},
	} {
		c.Clock.Advance(time.Hour)
		tok := c.track("cy", "signIn", nil)
		key := c.validate(tok).Str("idempotencyKey")
		c.call(tok, "/v1/client/challenge/email-otp", nil, 200)
		c.Clock.Advance(tt.wait)
		// The track token lives ten minutes too: tracking the same action
		// again (same idempotency key) gives a fresh one.
		fresh := c.track("cy", "signIn", map[string]any{"idempotencyKey": key})
		v := c.verify(fresh, "email-otp", c.emailCode(addr))
		if got := v.JSON["isVerified"] == true; got != tt.ok {
			t.Errorf("code entered after %v: %s", tt.wait, v.Body)
		}
		if !tt.ok {
			wantFailure(t, v, "CODE_INVALID_OR_EXPIRED")
		}
	}
}

func TestSendingIsThrottled(t *testing.T) {
	c := newCodeEnv(t)
	addr := c.enrolledByEmail("di")
	send := func() apitest.Response {
		t.Helper()
		return c.Client(c.track("di", "signIn", nil), "POST", "/v1/client/challenge/email-otp", nil)
	}
	wantRefused := func(r apitest.Response, retryAfter string) {
		t.Helper()
		wantAPIError(t, r, 429, "too_many_requests", "try again in "+retryAfter+" seconds")
		if got := r.Header.Get("Retry-After"); got != retryAfter {
			t.Errorf("Retry-After = %q, want %q", got, retryAfter)
		}
	}

	if r := send(); r.Status != 200 {
		t.Fatalf("first send: %d %s", r.Status, r.Body)
	}
	wantRefused(send(), "30")
	c.Clock.Advance(29 * time.Second)
	wantRefused(send(), "1")
	// Another method, and another user, have throttles of their own.
	tok := c.track("di", "signUp2", map[string]any{"scope": "add:authenticators"})
	c.call(tok, "/v1/client/user-authenticators/sms", map[string]any{"phoneNumber": "+64210000001"}, 200)
	c.enrolledByEmail("ed")
	c.call(c.track("ed", "signIn", nil), "/v1/client/challenge/email-otp", nil, 200)

	// Ten codes an hour, thirty seconds apart.
	for i := 2; i <= 10; i++ {
		c.Clock.Advance(30 * time.Second)
		if r := send(); r.Status != 200 {
			t.Fatalf("send %d: %d %s", i, r.Status, r.Body)
		}
	}
	// Sent at 0, 59, 89, ..., 299 seconds: the eleventh, at 329, waits
	// until the first is an hour old, 3600 - 329 seconds.
	c.Clock.Advance(30 * time.Second)
	wantRefused(send(), "3271")
	c.Clock.Advance(3270 * time.Second)
	wantRefused(send(), "1")
	c.Clock.Advance(time.Second)
	if r := send(); r.Status != 200 {
		t.Fatalf("send after the hour: %d %s", r.Status, r.Body)
	}
	if n := len(c.mail.Messages()); n != 12 || c.emailCode(addr) == "" {
		t.Errorf("%d emails sent, want 12 (11 to di, 1 to ed)", n)
	}
}

func TestRefusedEmailIsNotCountedNorLogged(t *testing.T) {
	c := newCodeEnv(t)
	tok := c.track("ada", "signUp", nil)
	body := map[string]any{"email": "ada@example.com"}

	c.mail.Refuse(true)
	r := c.Client(tok, "POST", "/v1/client/user-authenticators/email-otp", body)
	wantAPIError(t, r, 503, "unavailable", "email with the code could not be sent")
	refused := c.mail.Refused()
	if len(refused) != 1 {
		t.Fatalf("the server saw %d messages, want 1", len(refused))
	}
	code, err := refused[0].Code()
	if err != nil {
		t.Fatal(err)
	}
	logs := c.logs.String()
	if strings.Contains(logs, code) || !strings.Contains(logs, "code not sent") || !strings.Contains(logs, "554") {
		t.Errorf("log must report the refusal (554) without the code %s:\n%s", code, logs)
	}
	wantAPIError(t, c.Client(tok, "POST", "/v1/client/verify/email-otp", map[string]any{"verificationCode": code}),
		400, "invalid_request", "no EMAIL_OTP code has been sent")

	// Not counted as sent: retrying at once is not throttled.
	c.mail.Refuse(false)
	c.call(tok, "/v1/client/user-authenticators/email-otp", body, 200)
	if v := c.verify(tok, "email-otp", c.emailCode("ada@example.com")); v.JSON["isVerified"] != true {
		t.Errorf("verify after the retry = %s", v.Body)
	}
}

func TestRefusedTextIsNotCountedNorLogged(t *testing.T) {
	c := newCodeEnv(t)
	tok := c.track("bo", "signUp", nil)
	body := map[string]any{"phoneNumber": "+64211234567"}

	c.sms.Answer(500)
	wantAPIError(t, c.Client(tok, "POST", "/v1/client/user-authenticators/sms", body), 503, "unavailable",
		"text message with the code could not be sent")
	refused := c.sms.Refused()
	if len(refused) != 1 {
		t.Fatalf("the webhook saw %d messages, want 1", len(refused))
	}
	code := codeIn(t, refused[0].Body)
	if logs := c.logs.String(); strings.Contains(logs, code) || !strings.Contains(logs, "code not sent") {
		t.Errorf("log must report the failure without the code %s:\n%s", code, logs)
	}
	c.sms.Answer(200)
	c.call(tok, "/v1/client/user-authenticators/sms", body, 200)
}

func codeIn(t *testing.T, text string) string {
	t.Helper()
	for f := range strings.FieldsFuncSeq(text, func(r rune) bool { return r < '0' || r > '9' }) {
		if len(f) == 6 {
			return f
		}
	}
	t.Fatalf("no code in %q", text)
	return ""
}

func TestUnreachableProvider(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more
	email, err := notify.NewSMTPSender("smtp://"+addr, "no-reply@example.com", notify.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	sms, err := notify.NewSMSSender("http://" + addr + "/sms")
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	e := apitest.NewWith(t, apitest.Options{Email: email, SMS: sms, Log: slogTo(logs)})
	_, secret := e.Tenant("Acme")
	tok := e.Do(secret, "POST", "/v1/users/ada/actions/signUp", map[string]any{}).MustOK(t).Str("token")
	for _, tt := range []struct{ path, field, value, what string }{
		{"email-otp", "email", "ada@example.com", "email"},
		{"sms", "phoneNumber", "+64211234567", "text message"},
	} {
		for range 2 { // the second try is refused the same way, not throttled
			r := e.Client(tok, "POST", "/v1/client/user-authenticators/"+tt.path, map[string]any{tt.field: tt.value})
			wantAPIError(t, r, 503, "unavailable", tt.what+" with the code could not be sent")
		}
	}
	if logs := logs.String(); strings.Count(logs, "code not sent") != 4 || !strings.Contains(logs, "connect") {
		t.Errorf("log = %s", logs)
	}
}

func TestBindingNeedsAChallengeOrTheScope(t *testing.T) {
	c := newCodeEnv(t)
	addr := c.enrolledByEmail("ada")
	sms := map[string]any{"phoneNumber": "+64211234567"}

	tok := c.track("ada", "signIn", nil)
	wantAPIError(t, c.Client(tok, "POST", "/v1/client/user-authenticators/sms", sms), 403, "forbidden", "already has an authenticator")
	wantAPIError(t, c.Client(tok, "POST", "/v1/client/user-authenticators/totp", nil), 403, "forbidden", "already has an authenticator")
	// After a challenge in the same action, the user may add one.
	c.call(tok, "/v1/client/challenge/email-otp", nil, 200)
	c.verify(tok, "email-otp", c.emailCode(addr))
	c.call(tok, "/v1/client/user-authenticators/sms", sms, 200)
	if v := c.verify(tok, "sms", c.smsCode("+64211234567")); v.JSON["isVerified"] != true {
		t.Fatalf("verify after the challenge = %s", v.Body)
	}
	if got := c.validate(tok); got.Str("verificationMethod") != "EMAIL_OTP" {
		t.Errorf("the action keeps the method that completed it: %s", got.Body)
	}
	// So may a token with the add:authenticators scope.
	tok = c.track("ada", "settings", map[string]any{"scope": "add:authenticators"})
	c.call(tok, "/v1/client/user-authenticators/totp", nil, 200)
}

func TestMethodsWithoutSenderAreOff(t *testing.T) {
	e := apitest.New(t)
	_, secret := e.Tenant("Acme")
	tr := e.Do(secret, "POST", "/v1/users/ada/actions/signUp", map[string]any{}).MustOK(t)
	allowed := tr.JSON["allowedVerificationMethods"].([]any)
	if len(allowed) != 3 || allowed[0] != "PASSKEY" || allowed[1] != "AUTHENTICATOR_APP" || allowed[2] != "SECURITY_KEY" {
		t.Errorf("allowedVerificationMethods = %v, want PASSKEY, AUTHENTICATOR_APP and SECURITY_KEY only", allowed)
	}
	tok := tr.Str("token")
	wantAPIError(t, e.Client(tok, "POST", "/v1/client/user-authenticators/email-otp", map[string]any{"email": "ada@example.com"}),
		400, "method_unavailable", "email codes are not configured on this server")
	wantAPIError(t, e.Client(tok, "POST", "/v1/client/user-authenticators/sms", map[string]any{"phoneNumber": "+64211234567"}),
		400, "method_unavailable", "text message codes are not configured on this server")
	wantAPIError(t, e.Client(tok, "POST", "/v1/client/challenge/email-otp", nil),
		400, "method_unavailable", "email codes are not configured")
	if r := e.Client(tok, "POST", "/v1/client/user-authenticators/totp", nil); r.Status != 200 {
		t.Errorf("authenticator apps need no sender: %d %s", r.Status, r.Body)
	}
}

func TestCodeRequestsRefused(t *testing.T) {
	c := newCodeEnv(t)
	tok := c.track("ada", "signUp", nil)
	tests := []struct {
		name, path string
		body       any
		status     int
		code, says string
	}{
		{"verify before any code", "/v1/client/verify/email-otp", map[string]any{"verificationCode": "123456"}, 400, "invalid_request", "no EMAIL_OTP code"},
		{"verify without a code", "/v1/client/verify/sms", map[string]any{}, 400, "invalid_request", "verificationCode is required"},
		{"absurd code", "/v1/client/verify/totp", map[string]any{"verificationCode": strings.Repeat("1", 65)}, 400, "invalid_request", "longer"},
		{"app sign-in without an app", "/v1/client/verify/totp", map[string]any{"verificationCode": "123456"}, 400, "invalid_request", "no authenticator app"},
		{"bad email", "/v1/client/user-authenticators/email-otp", map[string]any{"email": "ada"}, 400, "invalid_request", "valid email"},
		{"unknown field", "/v1/client/user-authenticators/email-otp", map[string]any{"mail": "ada@example.com"}, 400, "invalid_request", "unknown field"},
		{"challenge before enrolment", "/v1/client/challenge/email-otp", nil, 400, "invalid_request", "enrol one first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIError(t, c.Client(tok, "POST", tt.path, tt.body), tt.status, tt.code, tt.says)
		})
	}
	t.Run("tenant id instead of a token", func(t *testing.T) {
		r := c.DoAuth("Basic "+basicTenant(c.tenant.ID), "POST", "/v1/client/challenge/email-otp", nil)
		wantAPIError(t, r, 401, "token_not_set", "token")
	})
	t.Run("no credentials", func(t *testing.T) {
		wantAPIError(t, c.DoAuth("", "POST", "/v1/client/verify/email-otp", nil), 401, "unauthorized", "Bearer")
	})
}
