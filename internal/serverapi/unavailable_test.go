package serverapi_test

import (
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
)

// wantUnavailable fails unless r is the 400 method_unavailable answer
// whose description mentions words.
func wantUnavailable(t *testing.T, r apitest.Response, words string) {
	t.Helper()
	if r.Status != 400 || r.Str("error") != "method_unavailable" || r.Str("errorCode") != "method_unavailable" ||
		!strings.Contains(r.Str("errorDescription"), words) {
		t.Fatalf("answer %d %s, want 400 method_unavailable mentioning %q", r.Status, r.Body, words)
	}
}

// TestCallConnectUnavailable: @authsignal/node's CallConnect calls need a
// secret key like any Server API call, then answer method_unavailable.
func TestCallConnectUnavailable(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("Acme")
	body := map[string]any{"referenceId": "call-1", "phoneNumber": "+64211234567", "state": "CHALLENGE_SUCCEEDED"}
	for _, path := range []string{"/v1/call/start", "/v1/call/finish"} {
		t.Run(path, func(t *testing.T) {
			e := e.With(t)
			for _, secret := range []string{"", "sk_not_a_key", key + "x"} {
				if r := e.Do(secret, "POST", path, body); r.Status != 401 || r.Str("error") == "method_unavailable" {
					t.Errorf("with secret %q: answer %d %s, want 401 before the refusal", secret, r.Status, r.Body)
				}
			}
			wantUnavailable(t, e.Do(key, "POST", path, body), "Call Connect is not available on this server")
			// Other methods at the path are not routes: 405 in JSON, after the key.
			if r := e.Do(key, "GET", path, nil); r.Status != 405 || r.Header.Get("Allow") != "POST" {
				t.Errorf("GET %s: %d %s (Allow %q), want 405 allowing POST", path, r.Status, r.Body, r.Header.Get("Allow"))
			}
		})
	}
}

// TestChallengeByWhatsAppUnavailable: a challenge by WhatsApp, asked
// either way @authsignal/node lets an app ask, answers method_unavailable
// and sends nothing; an SMS challenge on the default channel is not
// refused by it.
func TestChallengeByWhatsAppUnavailable(t *testing.T) {
	c := newCodeEnv(t)
	for _, body := range []map[string]any{
		{"verificationMethod": "WHATSAPP", "phoneNumber": "+64211234567", "action": "signIn"},
		{"verificationMethod": "SMS", "smsChannel": "WHATSAPP", "phoneNumber": "+64211234567", "action": "signIn"},
		{"verificationMethod": "WHATSAPP", "smsChannel": "WHATSAPP", "userId": "ada", "action": "signIn"},
	} {
		if r := c.Do("", "POST", "/v1/challenge", body); r.Status != 401 {
			t.Errorf("without a key: %d %s, want 401", r.Status, r.Body)
		}
		wantUnavailable(t, c.challenge(body), "WhatsApp is not available on this server")
	}
	if _, err := c.sms.LastCode("+64211234567"); err == nil {
		t.Fatal("a text was sent for a refused WhatsApp challenge")
	}
	c.challenge(map[string]any{"verificationMethod": "SMS", "smsChannel": "DEFAULT", "phoneNumber": "+64211234567",
		"action": "signIn"}).MustOK(t)
}
