package serverapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/notify/notifytest"
)

// codeEnv is the Server API with an SMTP server and an SMS webhook
// receiving its codes.
type codeEnv struct {
	*apitest.Env
	mail *notifytest.SMTPServer
	sms  *notifytest.SMSReceiver
	key  string
}

func newCodeEnv(t *testing.T) *codeEnv {
	t.Helper()
	c := &codeEnv{mail: notifytest.StartSMTP(t), sms: notifytest.StartSMS(t)}
	email, err := notify.NewSMTPSender(c.mail.URL(), "no-reply@example.com")
	if err != nil {
		t.Fatal(err)
	}
	sms, err := notify.NewSMSSender(c.sms.URL)
	if err != nil {
		t.Fatal(err)
	}
	c.Env = apitest.NewWith(t, apitest.Options{Email: email, SMS: sms})
	_, c.key = c.Tenant("Acme")
	return c
}

func (c *codeEnv) challenge(body map[string]any) apitest.Response {
	c.T.Helper()
	return c.Do(c.key, "POST", "/v1/challenge", body)
}

func (c *codeEnv) verify(id, code string) apitest.Response {
	c.T.Helper()
	return c.Do(c.key, "POST", "/v1/verify", map[string]any{"challengeId": id, "verificationCode": code}).MustOK(c.T)
}

func wantError(t *testing.T, r apitest.Response, status int, code, words string) {
	t.Helper()
	if r.Status != status || r.Str("error") != code || !strings.Contains(r.Str("errorDescription"), words) {
		t.Fatalf("answer %d %s, want %d %s mentioning %q", r.Status, r.Body, status, code, words)
	}
}

func TestServerChallengeByEmailClaimedByTrack(t *testing.T) {
	c := newCodeEnv(t)
	ch := c.challenge(map[string]any{"verificationMethod": "EMAIL_OTP", "action": "signInWithEmail",
		"email": "ada@example.com", "locale": "en", "ipAddress": "203.0.113.9"}).MustOK(t)
	id, key := ch.Str("challengeId"), ch.Str("idempotencyKey")
	if exp, _ := ch.JSON["expiresAt"].(float64); id == "" || key == "" || int64(exp) != c.Clock.Now().Add(10*time.Minute).Unix() {
		t.Fatalf("challenge answer = %s", ch.Body)
	}
	code, err := c.mail.LastCode("ada@example.com")
	if err != nil {
		t.Fatal(err)
	}

	wrong := c.verify(id, strings.Repeat(string('0'+(code[0]-'0'+1)%10), 6))
	if wrong.JSON["isVerified"] != false || wrong.Str("failureReason") != "CODE_INVALID_OR_EXPIRED" ||
		wrong.Str("verificationMethod") != "EMAIL_OTP" || wrong.Str("email") != "ada@example.com" {
		t.Errorf("wrong code = %s", wrong.Body)
	}
	v := c.verify(id, code)
	if v.JSON["isVerified"] != true || v.Str("failureReason") != "" || v.Str("email") != "ada@example.com" {
		t.Fatalf("right code = %s", v.Body)
	}
	if again := c.verify(id, code); again.JSON["isVerified"] != false || again.Str("failureReason") != "CODE_INVALID_OR_EXPIRED" {
		t.Errorf("the code used twice = %s", again.Body)
	}

	tr := c.Do(c.key, "POST", "/v1/users/ada/actions/signInWithEmail", map[string]any{"challengeId": id}).MustOK(t)
	enrolled, _ := tr.JSON["enrolledVerificationMethods"].([]any)
	if tr.Str("state") != "CHALLENGE_SUCCEEDED" || tr.Str("idempotencyKey") != key || tr.JSON["isEnrolled"] != true ||
		len(enrolled) != 1 || enrolled[0] != "EMAIL_OTP" {
		t.Fatalf("track with the challenge = %s", tr.Body)
	}
	val := c.Do(c.key, "POST", "/v1/validate", map[string]any{"token": tr.Str("token")}).MustOK(t)
	if val.JSON["isValid"] != true || val.Str("verificationMethod") != "EMAIL_OTP" || val.Str("userId") != "ada" {
		t.Errorf("validate = %s", val.Body)
	}
	if u := c.Do(c.key, "GET", "/v1/users/ada", nil).MustOK(t); u.Str("email") != "ada@example.com" || u.JSON["emailVerified"] != true {
		t.Errorf("user = %s", u.Body)
	}
	// Tracking again with the challenge returns the same action; another action cannot claim it.
	if again := c.Do(c.key, "POST", "/v1/users/ada/actions/signInWithEmail", map[string]any{"challengeId": id}).MustOK(t); again.Str("idempotencyKey") != key || again.Str("state") != "CHALLENGE_SUCCEEDED" {
		t.Errorf("second track = %s", again.Body)
	}
	wantError(t, c.Do(c.key, "POST", "/v1/users/ada/actions/signInWithEmail", map[string]any{"challengeId": id, "idempotencyKey": "other"}),
		400, "invalid_request", "idempotencyKey differs")
	// The email authenticator now works with the Client API.
	if a := c.Do(c.key, "GET", "/v1/users/ada/authenticators", nil).MustOK(t); len(a.List) != 1 {
		t.Errorf("authenticators = %s", a.Body)
	}
}

func TestServerChallengeBySMSAttempts(t *testing.T) {
	c := newCodeEnv(t)
	const phone = "+64211234567"
	id := c.challenge(map[string]any{"verificationMethod": "SMS", "action": "signInWithSms", "phoneNumber": phone,
		"smsChannel": "DEFAULT", "userId": "bo"}).MustOK(t).Str("challengeId")
	code, err := c.sms.LastCode(phone)
	if err != nil {
		t.Fatal(err)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 1; i <= 5; i++ {
		want := "CODE_INVALID_OR_EXPIRED"
		if i == 5 {
			want = "MAX_ATTEMPTS_EXCEEDED"
		}
		if v := c.verify(id, wrong); v.Str("failureReason") != want || v.Str("phoneNumber") != phone || v.Str("verificationMethod") != "SMS" {
			t.Fatalf("wrong code %d = %s, want %s", i, v.Body, want)
		}
	}
	if v := c.verify(id, code); v.JSON["isVerified"] != false || v.Str("failureReason") != "CODE_INVALID_OR_EXPIRED" {
		t.Errorf("right code after the challenge ended = %s", v.Body)
	}
	wantError(t, c.Do(c.key, "POST", "/v1/users/bo/actions/signInWithSms", map[string]any{"challengeId": id}),
		400, "invalid_request", "not been verified")
}

func TestServerChallengeClaimRules(t *testing.T) {
	c := newCodeEnv(t)
	start := func(email string, extra map[string]any) (string, string) {
		t.Helper()
		body := map[string]any{"verificationMethod": "EMAIL_OTP", "action": "signIn", "email": email}
		for k, v := range extra {
			body[k] = v
		}
		id := c.challenge(body).MustOK(t).Str("challengeId")
		code, err := c.mail.LastCode(email)
		if err != nil {
			t.Fatal(err)
		}
		c.verify(id, code)
		return id, code
	}
	track := func(user, action, id string) apitest.Response {
		return c.Do(c.key, "POST", "/v1/users/"+user+"/actions/"+action, map[string]any{"challengeId": id})
	}

	id, _ := start("a@example.com", map[string]any{"userId": "ada"})
	wantError(t, track("bo", "signIn", id), 403, "forbidden", "another user")
	wantError(t, track("ada", "withdraw", id), 400, "invalid_request", `"signIn"`)
	if r := track("ada", "signIn", id); r.Status != 200 || r.Str("state") != "CHALLENGE_SUCCEEDED" {
		t.Errorf("claim by its user = %d %s", r.Status, r.Body)
	}

	id, _ = start("b@example.com", nil)
	c.Clock.Advance(10 * time.Minute)
	wantError(t, track("bo", "signIn", id), 400, "invalid_request", "more than 10 minutes ago")

	wantError(t, track("bo", "signIn", "00000000-0000-4000-8000-000000000000"), 404, "not_found", "challenge")
	wantError(t, track("bo", "signIn", "not-a-uuid"), 400, "invalid_text", "challengeId")

	// A user who already has an email authenticator for another address
	// keeps it; the sign-in is still recorded.
	c.Do(c.key, "POST", "/v1/users/cy/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": "cy@example.com"}).MustOK(t)
	c.Clock.Advance(time.Minute)
	id, _ = start("cy@example.org", nil)
	r := track("cy", "signIn", id)
	if r.Status != 200 || r.Str("state") != "CHALLENGE_SUCCEEDED" {
		t.Fatalf("claim = %d %s", r.Status, r.Body)
	}
	if a := c.Do(c.key, "GET", "/v1/users/cy/authenticators", nil).MustOK(t); len(a.List) != 1 ||
		a.List[0].(map[string]any)["email"] != "cy@example.com" {
		t.Errorf("authenticators = %s", a.Body)
	}
}

func TestServerChallengeThrottle(t *testing.T) {
	c := newCodeEnv(t)
	body := map[string]any{"verificationMethod": "EMAIL_OTP", "action": "signIn", "email": "ada@example.com"}
	c.challenge(body).MustOK(t)
	r := c.challenge(body)
	wantError(t, r, 429, "too_many_requests", "try again in 30 seconds")
	if r.Header.Get("Retry-After") != "30" {
		t.Errorf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	// Without a user, sends are throttled per address (in any case).
	wantError(t, c.challenge(map[string]any{"verificationMethod": "EMAIL_OTP", "action": "signIn", "email": "ADA@example.com"}),
		429, "too_many_requests", "")
	c.challenge(map[string]any{"verificationMethod": "EMAIL_OTP", "action": "signIn", "email": "bo@example.com"}).MustOK(t)
	c.Clock.Advance(30 * time.Second)
	c.challenge(body).MustOK(t)
}

func TestServerChallengeProviderFailure(t *testing.T) {
	c := newCodeEnv(t)
	body := map[string]any{"verificationMethod": "SMS", "action": "signIn", "phoneNumber": "+64211234567"}
	c.sms.Answer(http.StatusBadGateway)
	wantError(t, c.challenge(body), 503, "unavailable", "text message with the code could not be sent")
	c.sms.Answer(http.StatusOK)
	c.challenge(body).MustOK(t) // not throttled: the failed send did not count
}

func TestServerChallengeBadInput(t *testing.T) {
	c := newCodeEnv(t)
	tests := []struct {
		name, path string
		body       string
		status     int
		words      string
	}{
		{"no method", "/v1/challenge", `{"action":"signIn","email":"a@example.com"}`, 400, "verificationMethod"},
		{"whatsapp", "/v1/challenge", `{"verificationMethod":"WHATSAPP","action":"signIn","phoneNumber":"+64211234567"}`, 400, "WhatsApp is not available"},
		{"whatsapp channel", "/v1/challenge", `{"verificationMethod":"SMS","action":"signIn","phoneNumber":"+64211234567","smsChannel":"WHATSAPP"}`, 400, "WhatsApp is not available"},
		{"no action", "/v1/challenge", `{"verificationMethod":"EMAIL_OTP","email":"a@example.com"}`, 400, "action"},
		{"no email", "/v1/challenge", `{"verificationMethod":"EMAIL_OTP","action":"signIn"}`, 400, "email"},
		{"phone for email", "/v1/challenge", `{"verificationMethod":"EMAIL_OTP","action":"signIn","phoneNumber":"+64211234567"}`, 400, "not a phoneNumber"},
		{"bad phone", "/v1/challenge", `{"verificationMethod":"SMS","action":"signIn","phoneNumber":"021 123"}`, 400, "E.164"},
		{"bad user", "/v1/challenge", `{"verificationMethod":"EMAIL_OTP","action":"signIn","email":"a@example.com","userId":"a/b"}`, 400, "userId"},
		{"bad scope", "/v1/challenge", `{"verificationMethod":"EMAIL_OTP","action":"signIn","email":"a@example.com","scope":"all"}`, 400, "scope"},
		{"challenge id", "/v1/challenge", `{"verificationMethod":"EMAIL_OTP","action":"signIn","email":"a@example.com","challengeId":"x"}`, 400, "challengeId"},
		{"unknown field", "/v1/challenge", `{"verificationMethod":"EMAIL_OTP","action":"signIn","mail":"a@example.com"}`, 400, "unknown field"},
		{"verify without id", "/v1/verify", `{"verificationCode":"123456"}`, 400, "challengeId"},
		{"verify without code", "/v1/verify", `{"challengeId":"00000000-0000-4000-8000-000000000000"}`, 400, "verificationCode"},
		{"verify unknown", "/v1/verify", `{"challengeId":"00000000-0000-4000-8000-000000000000","verificationCode":"123456"}`, 404, "challenge not found"},
		{"verify malformed id", "/v1/verify", `{"challengeId":"x' OR 1=1","verificationCode":"123456"}`, 400, "challengeId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.Do(c.key, "POST", tt.path, []byte(tt.body))
			if r.Status != tt.status || r.Str("error") == "" || !strings.Contains(r.Str("errorDescription"), tt.words) {
				t.Errorf("%s: %d %s, want %d mentioning %q", tt.body, r.Status, r.Body, tt.status, tt.words)
			}
		})
	}
	t.Run("another tenant's challenge", func(t *testing.T) {
		id := c.challenge(map[string]any{"verificationMethod": "EMAIL_OTP", "action": "signIn", "email": "t@example.com"}).MustOK(t).Str("challengeId")
		_, otherKey := c.Tenant("Other")
		r := c.Do(otherKey, "POST", "/v1/verify", map[string]any{"challengeId": id, "verificationCode": "123456"})
		wantError(t, r, 404, "not_found", "challenge")
	})
}

func TestServerChallengeWithoutSender(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("Acme")
	r := e.Do(key, "POST", "/v1/challenge", map[string]any{"verificationMethod": "SMS", "action": "signIn", "phoneNumber": "+64211234567"})
	wantError(t, r, 400, "method_unavailable", "text message codes are not configured on this server")
}

// FuzzChallengeBody sends arbitrary bodies to /v1/challenge and /v1/verify,
// on SQLite and PostgreSQL:
// every answer must be a 2xx or a 4xx with a JSON error, never a 5xx.
func FuzzChallengeBody(f *testing.F) {
	inbox := notify.NewInbox(nil, 0, nil)
	envs := fuzzEnvs(f, apitest.Options{Email: inbox, SMS: inbox})
	keys := make([]string, len(envs))
	for i, e := range envs {
		_, keys[i] = e.Tenant("T")
	}
	for _, seed := range []string{
		`{"verificationMethod":"EMAIL_OTP","action":"signIn","email":"a@b.co"}`,
		`{"verificationMethod":"SMS","action":"signIn","phoneNumber":"+64211234567","userId":"u"}`,
		`{"challengeId":"00000000-0000-4000-8000-000000000000","verificationCode":"123456"}`,
		`{}`, `null`, `[]`, `{"verificationMethod":"SMS","smsChannel":"x"}`, `{"verificationCode":"` + strings.Repeat("9", 100) + `"}`,
		`{"verificationMethod":"EMAIL_OTP","action":"signIn","email":"a@b.co","deviceId":"a\u0000"}`,
		`{"challengeId":"a\u0000","verificationCode":"123456"}`,
	} {
		f.Add([]byte(seed), true)
		f.Add([]byte(seed), false)
	}
	f.Fuzz(func(t *testing.T, body []byte, toChallenge bool) {
		path := "/v1/verify"
		if toChallenge {
			path = "/v1/challenge"
		}
		for i, e := range envs {
			res := e.With(t).Do(keys[i], "POST", path, body)
			switch {
			case res.Status == http.StatusOK:
			case res.Status >= 400 && res.Status < 500:
				if res.Str("error") == "" {
					t.Fatalf("%d without error code: %s", res.Status, res.Body)
				}
			default:
				t.Fatalf("status %d for %s %q: %s", res.Status, path, body, res.Body)
			}
		}
	})
}
