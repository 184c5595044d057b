package browser_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// The adoption engine's checks: each setting of the prompt seen through a
// browser with a virtual platform authenticator, the stored decision and
// the Server API's diagnosis.

// trackAfter tracks a sign-in for the user after the clock moves by
// advance, and returns the hosted URL; trackSignIn always waits a minute.
func (e *hostedEnv) trackAfter(userID, action string, advance time.Duration) string {
	e.t.Helper()
	e.clock.Advance(advance)
	return e.serverAPI("POST", "/v1/users/"+userID+"/actions/"+action,
		map[string]any{"redirectUrl": e.app + "/callback"})["url"].(string)
}

// dismiss presses "Not now" on the prompt and waits for the app.
func (d *device) dismiss() {
	d.t.Helper()
	d.press("button", "Not now")
	d.waitForApp()
}

// Check 1: rollout 0 % hides the prompt (not_in_rollout), 100 % shows it;
// at 30 % about 300 of 1,000 users are in, the same ones on every call,
// and raising the share to 60 % keeps every one of them.
func TestHostedAdoptionRollout(t *testing.T) {
	e := newHostedEnv(t)
	email := e.emailUser("ada")
	d := e.newDevice(platform)

	e.setPasskeyConfig(map[string]any{"enrollmentPromptRolloutPercent": 0})
	if d.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
		t.Fatal("prompted with the rollout at 0 %")
	}
	e.checkReason("rollout 0", "ada", "signIn", d, "not_in_rollout")

	e.setPasskeyConfig(map[string]any{"enrollmentPromptRolloutPercent": 100})
	if !d.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
		t.Fatalf("no prompt with the rollout at 100 %%:\n%s", d.text())
	}
	e.checkReason("rollout 100", "ada", "signIn", d, "eligible")
	d.dismiss()

	ctx := context.Background()
	const users = 1000
	for i := range users {
		if _, err := e.st.CreateUserIfMissing(ctx, model.User{TenantID: e.tenant.ID, ID: fmt.Sprintf("user-%04d", i),
			CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	inRollout := func() map[string]bool {
		t.Helper()
		out := map[string]bool{}
		for i := range users {
			id := fmt.Sprintf("user-%04d", i)
			dg := e.diagnosis(id, "device-"+id, "signIn")
			in := dg["reason"] != "not_in_rollout"
			if dg["inRollout"] != in {
				t.Fatalf("%s: reason %v but inRollout %v", id, dg["reason"], dg["inRollout"])
			}
			if in {
				out[id] = true
			}
		}
		return out
	}
	e.setPasskeyConfig(map[string]any{"enrollmentPromptRolloutPercent": 30})
	first := inRollout()
	t.Logf("rollout 30 %%: %d of %d users in", len(first), users)
	if n := len(first); n < 250 || n > 350 {
		t.Errorf("%d of %d users in a 30 %% rollout, want 250 to 350", n, users)
	}
	again := inRollout()
	if len(again) != len(first) {
		t.Errorf("the second call put %d users in the rollout, the first %d", len(again), len(first))
	}
	for id := range first {
		if !again[id] {
			t.Errorf("%s was in the rollout, then not", id)
		}
	}
	e.setPasskeyConfig(map[string]any{"enrollmentPromptRolloutPercent": 60})
	wider := inRollout()
	t.Logf("rollout 60 %%: %d of %d users in", len(wider), users)
	for id := range first {
		if !wider[id] {
			t.Errorf("%s left the rollout when it grew from 30 %% to 60 %%", id)
		}
	}
	if len(wider) <= len(first) {
		t.Errorf("raising the share to 60 %% added no users (%d, then %d)", len(first), len(wider))
	}
}

// Check 2: with back-off and a 2-second interval, a dismissal hides the
// prompt; after the interval it shows; a second dismissal holds it back
// for 4 seconds. The clock is the test's: each sign-in is tracked a set
// time after the last, and a dismissal is made late enough that the next
// code may be sent (one every 30 seconds) within the wait.
func TestHostedAdoptionBackoff(t *testing.T) {
	e := newHostedEnv(t)
	email := e.emailUser("ada")
	d := e.newDevice(platform)
	e.setPasskeyConfig(map[string]any{"enrollmentPromptInterval": 2, "enrollmentPromptBackoff": true})

	if !d.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
		t.Fatalf("no prompt at first:\n%s", d.text())
	}
	e.clock.Advance(40 * time.Second)
	d.dismiss()
	if d.signInWithEmailCode(e.trackAfter("ada", "signIn", time.Second), email) {
		t.Fatal("prompted a second after Not now with a 2-second interval")
	}
	e.checkReason("back-off, 1 s after the first Not now", "ada", "signIn", d, "frequency_not_elapsed")

	if !d.signInWithEmailCode(e.trackAfter("ada", "signIn", 30*time.Second), email) {
		t.Fatalf("no prompt 31 s after the first Not now:\n%s", d.text())
	}
	e.checkReason("back-off, after the interval", "ada", "signIn", d, "eligible")

	e.clock.Advance(40 * time.Second)
	second := e.clock.Now()
	d.dismiss()
	dg := e.diagnosis("ada", d.deviceID(), "signIn")
	want := second.Add(4 * time.Second).UTC().Format("2006-01-02T15:04:05.000Z")
	t.Logf("after the second Not now: %v", dg)
	if dg["reason"] != "frequency_not_elapsed" || dg["nextEligibleAt"] != want || dg["dismissals"] != float64(2) {
		t.Errorf("diagnosis after the second Not now = %v; want frequency_not_elapsed until %s (4 s after it)", dg, want)
	}
	if last, err := time.Parse(time.RFC3339Nano, dg["lastDismissedAt"].(string)); err != nil ||
		dg["nextEligibleAt"] != last.Add(4*time.Second).Format("2006-01-02T15:04:05.000Z") {
		t.Errorf("nextEligibleAt %v is not 4 s after lastDismissedAt %v", dg["nextEligibleAt"], dg["lastDismissedAt"])
	}
	if d.signInWithEmailCode(e.trackAfter("ada", "signIn", 3*time.Second), email) {
		t.Fatal("prompted 3 s after the second Not now: the wait did not double")
	}
	e.checkReason("back-off, 3 s after the second Not now", "ada", "signIn", d, "frequency_not_elapsed")
	e.clock.Advance(time.Second)
	if dg := e.diagnosis("ada", d.deviceID(), "signIn"); dg["reason"] != "eligible" {
		t.Errorf("4 s after the second Not now the diagnosis says %v", dg["reason"])
	}
}

// Check 3: with at most 2 dismissals and interval 0, two "Not now" on a
// device end the prompt there (dismissal_limit_reached); a new device is
// still prompted.
func TestHostedAdoptionDismissalLimit(t *testing.T) {
	e := newHostedEnv(t)
	email := e.emailUser("ada")
	d := e.newDevice(platform)
	e.setPasskeyConfig(map[string]any{"enrollmentPromptInterval": 0, "enrollmentPromptMaxDismissals": 2})

	for i := 1; i <= 2; i++ {
		if !d.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
			t.Fatalf("sign-in %d: no prompt:\n%s", i, d.text())
		}
		d.dismiss()
	}
	if d.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
		t.Fatal("the third sign-in on the device was prompted after two Not now")
	}
	e.checkReason("limit, third sign-in", "ada", "signIn", d, "dismissal_limit_reached")

	other := e.newDevice(platform)
	if !other.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
		t.Fatalf("a new device was not prompted:\n%s", other.text())
	}
	e.checkReason("limit, new device", "ada", "signIn", other, "eligible")
}

// Check 4: "Don't ask again" ends the prompt on this device and a new one
// (opted_out) until an admin resets it on the user's page in the console.
func TestHostedAdoptionOptOut(t *testing.T) {
	e := newHostedEnv(t)
	email := e.emailUser("ada")
	d := e.newDevice(platform)

	if !d.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
		t.Fatalf("no prompt:\n%s", d.text())
	}
	if d.has("button", "Don't ask again") {
		t.Error("the prompt offers Don't ask again while the tenant does not")
	}
	d.dismiss()

	e.setPasskeyConfig(map[string]any{"enrollmentPromptAllowOptOut": true})
	if !d.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
		t.Fatalf("no prompt:\n%s", d.text())
	}
	d.press("button", "Don't ask again")
	d.waitForApp()

	if d.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
		t.Fatal("prompted on the same device after Don't ask again")
	}
	e.checkReason("opted out, same device", "ada", "signIn", d, "opted_out")
	other := e.newDevice(platform)
	if other.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
		t.Fatal("prompted on a new device after Don't ask again")
	}
	e.checkReason("opted out, new device", "ada", "signIn", other, "opted_out")

	a := e.newAdmin("Ada Admin")
	a.visit("/console/users/ada", "ada")
	a.notice("Hidden on every device: the user chose Don't ask again")
	a.press("button", "Reset Don't ask again")
	a.notice("Don't ask again reset")
	if a.has("button", "Reset Don't ask again") {
		t.Error("the reset control is still there after the reset")
	}

	if !other.signInWithEmailCode(e.trackSignIn("ada", "signIn", nil), email) {
		t.Fatalf("no prompt after the admin's reset:\n%s", other.text())
	}
	e.checkReason("after the reset", "ada", "signIn", other, "eligible")
}

// Check 5: with the tenant's switch on, an action with
// disablePromptToEnroll hides the prompt for that action only; a rule that
// wins with its own disablePromptToEnroll hides it too; the console shows
// each switch's effective state and where it comes from.
func TestHostedAdoptionSwitchesCanSayNo(t *testing.T) {
	e := newHostedEnv(t)
	email := e.emailUser("ada")
	d := e.newDevice(platform)
	e.serverAPI("POST", "/v1/management/action-configurations", map[string]any{
		"actionCode": "withdraw", "defaultUserActionResult": "CHALLENGE", "disablePromptToEnroll": true})
	e.serverAPI("POST", "/v1/management/action-configurations", map[string]any{
		"actionCode": "transfer", "defaultUserActionResult": "CHALLENGE"})
	rule := e.serverAPI("POST", "/v1/management/action-configurations/transfer/rules", map[string]any{
		"name": "Large transfers", "isActive": true, "priority": 1, "type": "CHALLENGE", "disablePromptToEnroll": true,
		"conditions": map[string]any{">=": []any{map[string]any{"var": "action.custom.amount"}, 1000}}})

	for _, tc := range []struct {
		name, action string
		custom       map[string]any
		shown        bool
		reason       string
	}{
		{"action switched off", "withdraw", nil, false, "prompt_disabled"},
		{"another action", "signIn", nil, true, "eligible"},
		{"rule switched off wins", "transfer", map[string]any{"amount": 5000}, false, "prompt_disabled"},
		{"rule does not match", "transfer", map[string]any{"amount": 10}, true, "eligible"},
	} {
		extra := map[string]any{}
		if tc.custom != nil {
			extra["custom"] = tc.custom
		}
		shown := d.signInWithEmailCode(e.trackSignIn("ada", tc.action, extra), email)
		if shown != tc.shown {
			t.Errorf("%s: prompt shown = %v, want %v", tc.name, shown, tc.shown)
		}
		got := e.lastReason("ada", d.deviceID())
		t.Logf("switches (%s): uplift reason %s", tc.name, got)
		if got != tc.reason {
			t.Errorf("%s: uplift reason %s, want %s", tc.name, got, tc.reason)
		}
		if shown {
			d.dismiss()
		}
	}
	if dg := e.diagnosis("ada", d.deviceID(), "withdraw"); dg["reason"] != "prompt_disabled" || dg["promptEnabledBy"] != "action" {
		t.Errorf("diagnosis for withdraw = %v; want prompt_disabled by the action", dg)
	}

	a := e.newAdmin("Ada Admin")
	a.visit("/console/actions", "Actions")
	a.notice("Off — from this action's switch")
	a.notice("On — from the tenant setting")
	a.visit("/console/actions/withdraw", "withdraw")
	if got := a.value("combobox", "Prompt users to add a passkey"); got != "off" {
		t.Errorf("withdraw's switch reads %q, want off", got)
	}
	a.notice("Effective: Off — from this action's switch")
	a.visit("/console/actions/signIn", "signIn")
	if got := a.value("combobox", "Prompt users to add a passkey"); got != "inherit" {
		t.Errorf("signIn's switch reads %q, want inherit", got)
	}
	a.notice("Effective: On — from the tenant setting")
	a.visit("/console/actions/transfer/rules/"+rule["ruleId"].(string), "Large transfers")
	a.notice("Effective when this rule wins: Off — from this rule's switch")

	// Switched on in the console, the action prompts again.
	a.visit("/console/actions/withdraw", "withdraw")
	a.choose("Prompt users to add a passkey", "Inherit")
	a.press("button", "Save action")
	a.notice("Action saved.")
	a.notice("Effective: On — from the tenant setting")
	if !d.signInWithEmailCode(e.trackSignIn("ada", "withdraw", nil), email) {
		t.Fatalf("withdraw inheriting the tenant's switch did not prompt:\n%s", d.text())
	}
}
