package serverapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// emailChallenge starts an email challenge of the action signUp, naming a
// user when userID is given, and returns its id and code.
func (c *codeEnv) emailChallenge(email, userID string) (string, string) {
	c.T.Helper()
	body := map[string]any{"verificationMethod": "EMAIL_OTP", "action": "signUp", "email": email}
	if userID != "" {
		body["userId"] = userID
	}
	id := c.challenge(body).MustOK(c.T).Str("challengeId")
	code, err := c.mail.LastCode(email)
	if err != nil {
		c.T.Fatal(err)
	}
	return id, code
}

// lastSource is who made the current state of an action, as its history
// records it.
func (c *codeEnv) lastSource(tenantID, key string) model.StateSource {
	c.T.Helper()
	h, err := c.Store.ActionHistory(context.Background(), tenantID, key)
	if err != nil || len(h) == 0 {
		c.T.Fatalf("history of %s: %v, %v", key, h, err)
	}
	return h[len(h)-1].Source
}

func TestGetAndClaimChallenge(t *testing.T) {
	c := newCodeEnv(t)
	tenant, err := c.App.Tenancy.TenantForSecret(context.Background(), c.key)
	if err != nil {
		t.Fatal(err)
	}
	id, code := c.emailChallenge("new@example.com", "")

	got := c.Do(c.key, "GET", "/v1/challenges?challengeId="+id, nil).MustOK(t)
	if got.Str("challengeId") != id || got.Str("verificationMethod") != "EMAIL_OTP" || got.Str("email") != "new@example.com" ||
		got.Str("action") != "signUp" || got.JSON["expiresAt"] != float64(c.Clock.Now().Add(10*time.Minute).Unix()) ||
		got.JSON["smsChannel"] != nil || got.JSON["phoneNumber"] != nil {
		t.Errorf("getChallenge = %s", got.Body)
	}
	wantError(t, c.Do(c.key, "POST", "/v1/claim", map[string]any{"challengeId": id, "userId": "ada"}),
		400, "invalid_request", "not been verified")

	c.verify(id, code)
	claim := c.Do(c.key, "POST", "/v1/claim", map[string]any{"challengeId": id, "userId": "ada"}).MustOK(t)
	if claim.Str("token") == "" || claim.Str("verificationMethod") != "EMAIL_OTP" || claim.Str("state") != "CHALLENGE_SUCCEEDED" {
		t.Fatalf("claimChallenge = %s", claim.Body)
	}
	key := claim.Str("idempotencyKey")
	val := c.Do(c.key, "POST", "/v1/validate", map[string]any{"token": claim.Str("token")}).MustOK(t)
	if val.JSON["isValid"] != true || val.Str("userId") != "ada" || val.Str("action") != "signUp" || val.Str("verificationMethod") != "EMAIL_OTP" {
		t.Errorf("validate of the claimed token = %s", val.Body)
	}
	if by := c.lastSource(tenant.ID, key); by != model.SourceChallenge {
		t.Errorf("claimed action completed by %q, want %q", by, model.SourceChallenge)
	}
	if u := c.Do(c.key, "GET", "/v1/users/ada", nil).MustOK(t); u.Str("email") != "new@example.com" || u.JSON["emailVerified"] != true {
		t.Errorf("user after the claim = %s", u.Body)
	}

	// Claimed again for the same user (a retry): the same action.
	again := c.Do(c.key, "POST", "/v1/claim", map[string]any{"challengeId": id, "userId": "ada"}).MustOK(t)
	if again.Str("idempotencyKey") != key || again.Str("state") != "CHALLENGE_SUCCEEDED" {
		t.Errorf("second claim = %s", again.Body)
	}
	// Another user cannot take it, with or without skipping the check.
	for _, skip := range []bool{false, true} {
		wantError(t, c.Do(c.key, "POST", "/v1/claim", map[string]any{"challengeId": id, "userId": "mallory", "skipVerificationCheck": skip}),
			409, "conflict", "already claimed by another user")
	}
	if u, err := c.Store.User(context.Background(), tenant.ID, "mallory"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("refused claims created mallory: %+v, %v", u, err)
	}

	// Another tenant sees and claims nothing of it.
	_, otherKey := c.Tenant("Other")
	if r := c.Do(otherKey, "GET", "/v1/challenges?challengeId="+id, nil); r.Status != http.StatusNotFound {
		t.Errorf("another tenant's getChallenge = %d %s", r.Status, r.Body)
	}
	if r := c.Do(otherKey, "POST", "/v1/claim", map[string]any{"challengeId": id, "userId": "ada"}); r.Status != http.StatusNotFound {
		t.Errorf("another tenant's claim = %d %s", r.Status, r.Body)
	}
}

func TestGetChallengeOfAUser(t *testing.T) {
	c := newCodeEnv(t)
	const phone = "+64211234567"
	sms := c.challenge(map[string]any{"verificationMethod": "SMS", "action": "pay", "phoneNumber": phone, "userId": "bo"}).MustOK(t).Str("challengeId")
	c.Clock.Advance(time.Second)
	email, _ := c.emailChallenge("bo@example.com", "bo")

	for _, tt := range []struct {
		query string
		want  string
	}{
		{"userId=bo", email},
		{"userId=bo&verificationMethod=SMS", sms},
		{"userId=bo&action=pay", sms},
		{"userId=bo&action=signUp&verificationMethod=EMAIL_OTP", email},
		{"challengeId=" + sms + "&userId=bo", sms},
	} {
		r := c.Do(c.key, "GET", "/v1/challenges?"+tt.query, nil).MustOK(t)
		if r.Str("challengeId") != tt.want {
			t.Errorf("%s: %s, want %s", tt.query, r.Body, tt.want)
		}
	}
	r := c.Do(c.key, "GET", "/v1/challenges?userId=bo&verificationMethod=SMS", nil).MustOK(t)
	if r.Str("smsChannel") != "DEFAULT" || r.Str("phoneNumber") != phone || r.Str("email") != "" || r.Str("action") != "pay" {
		t.Errorf("SMS challenge = %s", r.Body)
	}
	for _, q := range []string{"userId=al", "userId=bo&action=withdraw", "userId=bo&verificationMethod=AUTHENTICATOR_APP",
		"challengeId=" + sms + "&userId=al", "challengeId=0190c6b2-7e5f-7a3c-9d41-2b8e6f1a0c3d"} {
		if r := c.Do(c.key, "GET", "/v1/challenges?"+q, nil); r.Status != http.StatusNotFound {
			t.Errorf("%s: %d %s, want 404", q, r.Status, r.Body)
		}
	}
}

// TestClaimSkippingVerification: only the Server API may claim a
// challenge whose code was not verified; the action is then CHALLENGE_SUCCEEDED
// on the app's word, recorded as the Server API's, and the address it
// never proved is neither verified nor enrolled.
func TestClaimSkippingVerification(t *testing.T) {
	c := newCodeEnv(t)
	tenant, err := c.App.Tenancy.TenantForSecret(context.Background(), c.key)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := c.emailChallenge("un@example.com", "")

	// Nothing on the Client API claims or skips: track tokens reach no
	// claim, and track takes no skipVerificationCheck.
	tok := c.Do(c.key, "POST", "/v1/users/eve/actions/signUp", map[string]any{}).MustOK(t).Str("token")
	for _, path := range []string{"/v1/client/claim", "/v1/claim"} {
		if r := c.Client(tok, "POST", path, map[string]any{"challengeId": id, "userId": "eve", "skipVerificationCheck": true}); r.Status < 400 {
			t.Errorf("a track token at %s: %d %s", path, r.Status, r.Body)
		}
	}
	wantError(t, c.Do(c.key, "POST", "/v1/users/eve/actions/signUp", map[string]any{"challengeId": id, "skipVerificationCheck": true}),
		400, "invalid_request", "skipVerificationCheck")
	wantError(t, c.Do(c.key, "POST", "/v1/users/eve/actions/signUp", map[string]any{"challengeId": id}),
		400, "invalid_request", "not been verified")

	claim := c.Do(c.key, "POST", "/v1/claim", map[string]any{"challengeId": id, "userId": "ada", "skipVerificationCheck": true}).MustOK(t)
	if claim.Str("state") != "CHALLENGE_SUCCEEDED" || claim.Str("verificationMethod") != "EMAIL_OTP" {
		t.Fatalf("claim skipping verification = %s", claim.Body)
	}
	if by := c.lastSource(tenant.ID, claim.Str("idempotencyKey")); by != model.SourceServerAPI {
		t.Errorf("completed by %q, want %q", by, model.SourceServerAPI)
	}
	if val := c.Do(c.key, "POST", "/v1/validate", map[string]any{"token": claim.Str("token")}).MustOK(t); val.JSON["isValid"] != true || val.Str("userId") != "ada" {
		t.Errorf("validate = %s", val.Body)
	}
	if u := c.Do(c.key, "GET", "/v1/users/ada", nil).MustOK(t); u.JSON["emailVerified"] == true || u.JSON["isEnrolled"] != false {
		t.Errorf("a claim without a verified code proved the address: %s", u.Body)
	}

	// An unverified challenge that expired cannot be claimed, even so.
	late, _ := c.emailChallenge("late@example.com", "")
	c.Clock.Advance(11 * time.Minute)
	wantError(t, c.Do(c.key, "POST", "/v1/claim", map[string]any{"challengeId": late, "userId": "bo", "skipVerificationCheck": true}),
		400, "invalid_request", "expired")
}

func TestClaimAndGetChallengeBadInput(t *testing.T) {
	c := newCodeEnv(t)
	named, code := c.emailChallenge("bo@example.com", "bo")
	c.verify(named, code)
	const unknown = "0190c6b2-7e5f-7a3c-9d41-2b8e6f1a0c3d"
	for _, tt := range []struct {
		name, method, path string
		body               any
		status             int
		words              string
	}{
		{"no selector", "GET", "/v1/challenges", nil, 400, "challengeId"},
		{"action alone", "GET", "/v1/challenges?action=signUp", nil, 400, "challengeId"},
		{"id not a UUID", "GET", "/v1/challenges?challengeId=abc", nil, 400, "challengeId"},
		{"id with NUL", "GET", "/v1/challenges?challengeId=" + url.QueryEscape(unknown[:35]+"\x00"), nil, 400, "challengeId"},
		{"user with NUL", "GET", "/v1/challenges?userId=" + url.QueryEscape("bo\x00"), nil, 400, "userId"},
		{"user not UTF-8", "GET", "/v1/challenges?userId=%ff%fe", nil, 400, "userId"},
		{"action with NUL", "GET", "/v1/challenges?userId=bo&action=" + url.QueryEscape("a\x00"), nil, 400, "action"},
		{"unknown method", "GET", "/v1/challenges?userId=bo&verificationMethod=PIGEON", nil, 400, "verificationMethod"},
		{"unknown parameter", "GET", "/v1/challenges?userId=bo&token=x", nil, 400, "token"},
		{"repeated parameter", "GET", "/v1/challenges?userId=bo&userId=al", nil, 400, "userId"},
		{"claim without id", "POST", "/v1/claim", map[string]any{"userId": "bo"}, 400, "challengeId"},
		{"claim id not a UUID", "POST", "/v1/claim", map[string]any{"challengeId": "abc", "userId": "bo"}, 400, "challengeId"},
		{"claim id with NUL", "POST", "/v1/claim", []byte(`{"challengeId":"` + unknown[:35] + `\u0000","userId":"bo"}`), 400, "challengeId"},
		{"claim user with NUL", "POST", "/v1/claim", []byte(`{"challengeId":"` + named + `","userId":"bo\u0000"}`), 400, "userId"},
		{"claim user with slash", "POST", "/v1/claim", map[string]any{"challengeId": named, "userId": "b/o"}, 400, "userId"},
		{"claim without user", "POST", "/v1/claim", map[string]any{"challengeId": named}, 400, "userId"},
		{"claim unknown field", "POST", "/v1/claim", map[string]any{"challengeId": named, "userId": "bo", "state": "ALLOW"}, 400, "state"},
		{"claim skip not a bool", "POST", "/v1/claim", []byte(`{"challengeId":"` + named + `","userId":"bo","skipVerificationCheck":"yes"}`), 400, "skipVerificationCheck"},
		{"claim unknown challenge", "POST", "/v1/claim", map[string]any{"challengeId": unknown, "userId": "bo"}, 404, "not found"},
		{"claim another user's challenge", "POST", "/v1/claim", map[string]any{"challengeId": named, "userId": "al"}, 403, "another user"},
	} {
		r := c.Do(c.key, tt.method, tt.path, tt.body)
		if r.Status != tt.status || !strings.Contains(r.Str("errorDescription"), tt.words) {
			t.Errorf("%s: %d %s, want %d mentioning %q", tt.name, r.Status, r.Body, tt.status, tt.words)
		}
	}
	// None of that claimed bo's challenge.
	if ch, err := c.Store.CodeChallenge(context.Background(), mustTenantID(t, c), named, model.CodeServer); err != nil || !ch.ClaimedAt.IsZero() {
		t.Errorf("bo's challenge after bad claims: claimed at %v, %v", ch.ClaimedAt, err)
	}
	if r := c.Do("", "GET", "/v1/challenges?challengeId="+named, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("getChallenge without a key: %d", r.Status)
	}
	if r := c.Do("", "POST", "/v1/claim", map[string]any{"challengeId": named, "userId": "bo"}); r.Status != http.StatusUnauthorized {
		t.Errorf("claim without a key: %d", r.Status)
	}
}

func mustTenantID(t *testing.T, c *codeEnv) string {
	t.Helper()
	tn, err := c.App.Tenancy.TenantForSecret(context.Background(), c.key)
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}
