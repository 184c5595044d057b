package clientapi_test

import (
	"net/http"
	"testing"
	"time"
)

// TestRulePermittedMethodsAreEnforced: when the winning rule permits only
// passkeys, an email code cannot complete the action, and track says so.
func TestRulePermittedMethodsAreEnforced(t *testing.T) {
	c := newCodeEnv(t)
	c.Do(c.secret, "POST", "/v1/users/ada/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": "ada@example.com"}).MustOK(t)
	c.Do(c.secret, "POST", "/v1/management/action-configurations", map[string]any{"actionCode": "withdraw"}).MustOK(t)
	c.Do(c.secret, "POST", "/v1/management/action-configurations/withdraw/rules", map[string]any{
		"name": "Large withdrawals", "priority": 1, "type": "CHALLENGE", "verificationMethods": []string{"PASSKEY"},
		"conditions": map[string]any{">": []any{map[string]any{"var": "action.custom.amount"}, 1000}},
	}).MustOK(t)

	tracked := c.Do(c.secret, "POST", "/v1/users/ada/actions/withdraw", map[string]any{"custom": map[string]any{"amount": 5000}}).MustOK(t)
	if m := tracked.JSON["allowedVerificationMethods"].([]any); len(m) != 1 || m[0] != "PASSKEY" {
		t.Errorf("allowedVerificationMethods = %v, want [PASSKEY]", m)
	}
	tok := tracked.Str("token")
	for _, path := range []string{"/v1/client/challenge/email-otp", "/v1/client/user-authenticators/totp"} {
		r := c.Client(tok, "POST", path, nil)
		if r.Status != http.StatusForbidden || r.Str("error") != "method_not_allowed" {
			t.Errorf("%s on a passkey-only action: %d %s, want 403 method_not_allowed", path, r.Status, r.Body)
		}
	}
	if v := c.validate(tok); v.JSON["isValid"] != false || v.Str("state") != "CHALLENGE_REQUIRED" {
		t.Errorf("after the refusals: %s", v.Body)
	}
	if len(c.mail.Messages()) != 0 {
		t.Errorf("a code was emailed for a method the action does not permit")
	}

	// A small withdrawal: no rule wins, the action permits every method.
	c.Clock.Advance(31 * time.Second)
	tok = c.track("ada", "withdraw", map[string]any{"custom": map[string]any{"amount": 10}})
	c.call(tok, "/v1/client/challenge/email-otp", nil, 200)
	if v := c.verify(tok, "email-otp", c.emailCode("ada@example.com")); v.JSON["isVerified"] != true {
		t.Errorf("email code on an unrestricted action: %s", v.Body)
	}
}
