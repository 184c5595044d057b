package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

func TestUserPageResetsDontAskAgain(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	h.addUser(h.secret, "ada", "ada@example.com", "")
	const reset = "/console/users/ada/uplift-opt-out/reset"

	if p := h.get("/console/users/ada", s); strings.Contains(p.body, reset) {
		t.Fatal("the page offers a reset for a user who never opted out")
	}
	if err := h.env.Store.RecordUpliftOptOut(context.Background(), h.tenant.ID, "ada", "d1", h.env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	p := h.get("/console/users/ada", s)
	if !strings.Contains(p.body, `action="`+reset+`"`) || !strings.Contains(p.text(), "Reset Don't ask again") {
		t.Fatalf("no reset control on the page:\n%s", p.body)
	}
	optedOut := func() bool {
		got, err := h.env.Store.UpliftOptOut(context.Background(), h.tenant.ID, "ada")
		if err != nil {
			t.Fatal(err)
		}
		return !got.IsZero()
	}
	// Without the right CSRF field nothing is reset.
	if p := h.post(reset, s, url.Values{"csrf": {"forged"}}); p.status == 303 || !optedOut() {
		t.Fatalf("reset with a forged CSRF field: %d, opted out still %v", p.status, optedOut())
	}
	p = h.post(reset, s, nil)
	if p.status != 303 || p.header.Get("Location") != "/console/users/ada?done=opt-out-reset" {
		t.Fatalf("reset = %d to %q", p.status, p.header.Get("Location"))
	}
	if optedOut() {
		t.Error("still opted out after the reset")
	}
	if p := h.get("/console/users/ada?done=opt-out-reset", s); !strings.Contains(p.text(), "the passkey prompt may appear again") ||
		strings.Contains(p.body, `action="`+reset+`"`) {
		t.Errorf("after the reset the page says:\n%s", p.body)
	}
	if p := h.post(reset, s, nil); p.status != 404 {
		t.Errorf("second reset = %d, want 404", p.status)
	}
	// Another tenant's admin cannot reach the user.
	if err := h.env.Store.RecordUpliftOptOut(context.Background(), h.tenant.ID, "ada", "d1", h.env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	otherTenant, _ := h.env.Tenant("Globex")
	_, other := h.enrol(otherTenant.ID, "Gail Admin")
	if p := h.post(reset, other, nil); p.status != 404 || !optedOut() {
		t.Errorf("another tenant's reset = %d, opted out still %v", p.status, optedOut())
	}
}

func TestPromptSwitchesShowTheirEffectiveState(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	h.env.Do(h.secret, "POST", actionConfigsPath, map[string]any{"actionCode": "pay"}).MustOK(t)

	pageHas(t, h.get("/console/actions/pay", s), 200, `<option value="inherit" selected>Inherit</option>`,
		"Effective: On — from the tenant setting")
	pageHas(t, h.get("/console/actions", s), 200, `<span class="badge on">On — from the tenant setting</span>`)

	// Off on the action beats the tenant's on, and is stored as the API's field.
	form := url.Values{"prompt": {"off"}, "outcome": {"CHALLENGE"}}
	if p := h.post("/console/actions/pay", s, form); p.status != 303 {
		t.Fatalf("save = %d: %s", p.status, p.body)
	}
	got := h.env.Do(h.secret, "GET", actionConfigsPath+"/pay", nil).MustOK(t)
	if got.JSON["disablePromptToEnroll"] != true || len(got.JSON["promptToEnrollVerificationMethods"].([]any)) != 0 {
		t.Errorf("after Off: %s", got.Body)
	}
	pageHas(t, h.get("/console/actions/pay", s), 200, `<option value="off" selected>Off</option>`,
		"Effective: Off — from this action&#39;s switch")
	pageHas(t, h.get("/console/actions", s), 200, `<span class="badge">Off — from this action&#39;s switch</span>`)

	// A rule's On beats the action's Off when it wins.
	rule := h.env.Do(h.secret, "POST", actionConfigsPath+"/pay/rules", map[string]any{
		"name": "Trusted", "priority": 1, "type": "CHALLENGE", "promptToEnrollVerificationMethods": []string{"PASSKEY"},
		"conditions": map[string]any{"==": []any{1, 1}},
	}).MustOK(t)
	rulePage := "/console/actions/pay/rules/" + rule.Str("ruleId")
	pageHas(t, h.get(rulePage, s), 200, `<option value="on" selected>On</option>`,
		"Effective when this rule wins: On — from this rule&#39;s switch")
	ruleForm := url.Values{"name": {"Trusted"}, "priority": {"1"}, "active": {"on"}, "outcome": {"CHALLENGE"},
		"prompt": {"inherit"}, "conditions": {`{"==":[1,1]}`}}
	if p := h.post(rulePage, s, ruleForm); p.status != 303 {
		t.Fatalf("rule save = %d: %s", p.status, p.body)
	}
	pageHas(t, h.get(rulePage, s), 200, `<option value="inherit" selected>Inherit</option>`,
		"Effective when this rule wins: Off — from the action&#39;s switch")
	ruleForm.Set("prompt", "off")
	if p := h.post(rulePage, s, ruleForm); p.status != 303 {
		t.Fatalf("rule save = %d: %s", p.status, p.body)
	}
	if got := h.env.Do(h.secret, "GET", actionConfigsPath+"/pay/rules/"+rule.Str("ruleId"), nil).MustOK(t); got.JSON["disablePromptToEnroll"] != true {
		t.Errorf("rule after Off: %s", got.Body)
	}
	pageHas(t, h.get("/console/actions/pay", s), 200, `<td data-label="Passkey prompt"><span class="badge">Off</span></td>`)

	// With the action inheriting and the tenant off, the page says so.
	h.env.Do(h.secret, "PATCH", passkeyConfigPath, map[string]any{"disableEnrollmentPrompt": true}).MustOK(t)
	h.env.Do(h.secret, "PATCH", actionConfigsPath+"/pay", map[string]any{"disablePromptToEnroll": false}).MustOK(t)
	pageHas(t, h.get("/console/actions/pay", s), 200, "Effective: Off — from the tenant setting")
}

func TestSettingsAdoptionFields(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	pageHas(t, h.get("/console/settings", s), 200, `name="rollout" type="number" min="0" max="100" step="1" value="100"`,
		`name="maxDismissals" type="number" min="0" step="1" value="0"`, `name="backoff" value="on" aria-describedby`,
		`name="allowOptOut" value="on" aria-describedby`)
	form := h.settingsForm()
	form.Set("rollout", "30")
	form.Set("maxDismissals", "2")
	form.Set("backoff", "on")
	form.Set("allowOptOut", "on")
	if p := h.post("/console/settings", s, form); p.status != 303 {
		t.Fatalf("save = %d: %s", p.status, p.body)
	}
	got := h.env.Do(h.secret, "GET", passkeyConfigPath, nil).MustOK(t)
	if got.JSON["enrollmentPromptRolloutPercent"] != float64(30) || got.JSON["enrollmentPromptMaxDismissals"] != float64(2) ||
		got.JSON["enrollmentPromptBackoff"] != true || got.JSON["enrollmentPromptAllowOptOut"] != true {
		t.Errorf("after saving: %s", got.Body)
	}
	for _, tt := range []struct{ field, value, mention string }{
		{"rollout", "101", "enrollmentPromptRolloutPercent must be from 0 to 100"},
		{"rollout", "-1", "enrollmentPromptRolloutPercent must be from 0 to 100"},
		{"rollout", "half", "whole number of percent"},
		{"maxDismissals", "-3", "enrollmentPromptMaxDismissals must be from 0"},
		{"maxDismissals", "2.5", "0 means no limit"},
	} {
		form := h.settingsForm()
		form.Set(tt.field, tt.value)
		p := h.post("/console/settings", s, form)
		if p.status != 400 || !strings.Contains(fieldErrorOf(p.body, tt.field), tt.mention) {
			t.Errorf("%s=%q: %d, error %q; want 400 mentioning %q", tt.field, tt.value, p.status, fieldErrorOf(p.body, tt.field), tt.mention)
		}
	}
	if after := h.env.Do(h.secret, "GET", passkeyConfigPath, nil).MustOK(t); string(after.Body) != string(got.Body) {
		t.Errorf("a refused form changed the settings:\n%s", after.Body)
	}
}
