package managementapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
)

func TestPasskeyConfigAdoptionSettings(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("Shop")
	path := base + "/authenticator-configurations/passkey"

	got := e.Do(key, "GET", path, nil).MustOK(t)
	for field, want := range map[string]any{
		"enrollmentPromptRolloutPercent": float64(100), "enrollmentPromptBackoff": false,
		"enrollmentPromptMaxDismissals": float64(0), "enrollmentPromptAllowOptOut": false,
	} {
		if got.JSON[field] != want {
			t.Errorf("default %s = %v, want %v", field, got.JSON[field], want)
		}
	}

	up := e.Do(key, "PATCH", path, map[string]any{
		"enrollmentPromptRolloutPercent": 30, "enrollmentPromptBackoff": true,
		"enrollmentPromptMaxDismissals": 2, "enrollmentPromptAllowOptOut": true,
	}).MustOK(t)
	if up.JSON["enrollmentPromptRolloutPercent"] != float64(30) || up.JSON["enrollmentPromptBackoff"] != true ||
		up.JSON["enrollmentPromptMaxDismissals"] != float64(2) || up.JSON["enrollmentPromptAllowOptOut"] != true {
		t.Errorf("after PATCH: %s", up.Body)
	}
	// A PATCH of other fields keeps them.
	kept := e.Do(key, "PATCH", path, map[string]any{"enrollmentPromptInterval": 60}).MustOK(t)
	if kept.JSON["enrollmentPromptRolloutPercent"] != float64(30) || kept.JSON["enrollmentPromptAllowOptOut"] != true {
		t.Errorf("a PATCH of the interval changed the adoption settings: %s", kept.Body)
	}

	for _, tt := range []struct {
		name, body, mention string
	}{
		{"percent 101", `{"enrollmentPromptRolloutPercent":101}`, "enrollmentPromptRolloutPercent"},
		{"negative percent", `{"enrollmentPromptRolloutPercent":-1}`, "enrollmentPromptRolloutPercent"},
		{"fractional percent", `{"enrollmentPromptRolloutPercent":30.5}`, "enrollmentPromptRolloutPercent"},
		{"percent as text", `{"enrollmentPromptRolloutPercent":"30"}`, "enrollmentPromptRolloutPercent"},
		{"percent as text with NUL", `{"enrollmentPromptRolloutPercent":"3\u0000"}`, "enrollmentPromptRolloutPercent"},
		{"huge percent", `{"enrollmentPromptRolloutPercent":1e30}`, "enrollmentPromptRolloutPercent"},
		{"negative limit", `{"enrollmentPromptMaxDismissals":-1}`, "enrollmentPromptMaxDismissals"},
		{"absurd limit", `{"enrollmentPromptMaxDismissals":1000001}`, "enrollmentPromptMaxDismissals"},
		{"limit as a list", `{"enrollmentPromptMaxDismissals":[2]}`, "enrollmentPromptMaxDismissals"},
		{"back-off as text", `{"enrollmentPromptBackoff":"yes"}`, "enrollmentPromptBackoff"},
		{"back-off as a number", `{"enrollmentPromptBackoff":1}`, "enrollmentPromptBackoff"},
		{"opt-out as text with NUL", `{"enrollmentPromptAllowOptOut":"\u0000"}`, "enrollmentPromptAllowOptOut"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := e.With(t).Do(key, "PATCH", path, []byte(tt.body))
			if res.Status != http.StatusBadRequest || !strings.Contains(res.Str("errorDescription"), tt.mention) {
				t.Errorf("status %d %s, want 400 naming %q", res.Status, res.Body, tt.mention)
			}
		})
	}
	if after := e.Do(key, "GET", path, nil).MustOK(t); string(after.Body) != string(kept.Body) {
		t.Errorf("a refused PATCH changed the settings:\n%s", after.Body)
	}

	// null puts a setting back to its default.
	reset := e.Do(key, "PATCH", path, []byte(`{"enrollmentPromptRolloutPercent":null,"enrollmentPromptAllowOptOut":null}`)).MustOK(t)
	if reset.JSON["enrollmentPromptRolloutPercent"] != float64(100) || reset.JSON["enrollmentPromptAllowOptOut"] != false ||
		reset.JSON["enrollmentPromptMaxDismissals"] != float64(2) {
		t.Errorf("after null: %s", reset.Body)
	}
}

func TestDisablePromptToEnroll(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("Shop")
	actions := base + "/action-configurations"

	created := e.Do(key, "POST", actions, map[string]any{"actionCode": "pay", "disablePromptToEnroll": true}).MustOK(t)
	if created.JSON["disablePromptToEnroll"] != true {
		t.Errorf("created: %s", created.Body)
	}
	plain := e.Do(key, "POST", actions, map[string]any{"actionCode": "signIn"}).MustOK(t)
	if plain.JSON["disablePromptToEnroll"] != false {
		t.Errorf("by default: %s", plain.Body)
	}
	if got := e.Do(key, "GET", actions+"/pay", nil).MustOK(t); got.JSON["disablePromptToEnroll"] != true {
		t.Errorf("stored: %s", got.Body)
	}
	if got := e.Do(key, "PATCH", actions+"/pay", map[string]any{"verificationMethods": []string{"EMAIL_OTP"}}).MustOK(t); got.JSON["disablePromptToEnroll"] != true {
		t.Errorf("a PATCH of another field lost it: %s", got.Body)
	}
	if got := e.Do(key, "PATCH", actions+"/pay", map[string]any{"disablePromptToEnroll": false}).MustOK(t); got.JSON["disablePromptToEnroll"] != false {
		t.Errorf("switched back: %s", got.Body)
	}

	rule := e.Do(key, "POST", actions+"/signIn/rules", map[string]any{
		"name": "Quiet", "priority": 1, "type": "CHALLENGE", "disablePromptToEnroll": true,
		"conditions": map[string]any{"==": []any{1, 1}},
	}).MustOK(t)
	if rule.JSON["disablePromptToEnroll"] != true {
		t.Errorf("rule: %s", rule.Body)
	}
	rulePath := actions + "/signIn/rules/" + rule.Str("ruleId")
	if got := e.Do(key, "PATCH", rulePath, map[string]any{"disablePromptToEnroll": false}).MustOK(t); got.JSON["disablePromptToEnroll"] != false {
		t.Errorf("rule switched back: %s", got.Body)
	}

	for _, tt := range []struct{ name, method, path, body string }{
		{"action: text", "PATCH", actions + "/pay", `{"disablePromptToEnroll":"true"}`},
		{"action: number", "PATCH", actions + "/pay", `{"disablePromptToEnroll":1}`},
		{"action: NUL in text", "POST", actions, `{"actionCode":"x","disablePromptToEnroll":"\u0000"}`},
		{"rule: text", "PATCH", rulePath, `{"disablePromptToEnroll":"yes"}`},
		{"rule: object", "PATCH", rulePath, `{"disablePromptToEnroll":{}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := e.With(t).Do(key, tt.method, tt.path, []byte(tt.body))
			if res.Status != http.StatusBadRequest || !strings.Contains(res.Str("errorDescription"), "disablePromptToEnroll") {
				t.Errorf("status %d %s, want 400 naming disablePromptToEnroll", res.Status, res.Body)
			}
		})
	}
}
