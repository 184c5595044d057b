package browser_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/model"
)

// signInToPrompt signs in with an email code and waits for the uplift
// prompt, known by its buttons since its heading is the experiment's.
func (d *device) signInToPrompt(hostedURL, email string) {
	d.t.Helper()
	d.open(hostedURL)
	if !d.has("button", "Email me a code") {
		d.press("link", "Use another method")
	}
	d.press("button", "Email me a code")
	d.find("textbox", "Verification code")
	d.typeInto("Verification code", d.e.lastCode(email))
	d.press("button", "Verify")
	if _, err := d.poll("button", "Not now", waitTimeout); err != nil {
		d.t.Fatalf("no prompt on %s:\n%s", d.url(), d.text())
	}
}

// An experiment on the prompt's copy, started through the Management API:
// two users in different variants each see their variant's heading and
// explanation, the same on a second sign-in, and every prompt event
// stored carries the variant, as the experiment's figures do.
func TestHostedExperimentShowsTheUsersVariant(t *testing.T) {
	e := newHostedEnv(t)
	e.setPasskeyConfig(map[string]any{"enrollmentPromptInterval": 0})
	created := e.serverAPI("POST", "/v1/management/experiments", map[string]any{"name": "Heading test", "variants": []any{
		map[string]any{"heading": "Sign in with one touch", "explanation": "Variant A: your fingerprint is enough.", "weight": 1},
		map[string]any{"heading": "Forget one-time codes", "explanation": "Variant B: no code to type next time.", "weight": 1},
	}})
	ctx := context.Background()
	exp, err := e.st.Experiment(ctx, e.tenant.ID, created["experimentId"].(string))
	if err != nil {
		t.Fatal(err)
	}
	// The first user of each variant, by the assignment's hash.
	users := map[string]model.Variant{}
	for i := 0; len(users) < 2; i++ {
		u := fmt.Sprintf("user-%d", i)
		v := exp.Assign(u)
		if _, taken := users[v.Label]; !taken {
			users[v.Label] = model.Variant{ID: v.ID, Label: u, PromptCopy: v.PromptCopy}
		}
	}
	for label, uv := range users {
		user := uv.Label
		email := e.emailUser(user)
		d := e.newDevice(platform)
		for round := 1; round <= 2; round++ {
			d.signInToPrompt(e.trackSignIn(user, "signIn", nil), email)
			if !d.has("heading", uv.Heading) || !strings.Contains(d.text(), uv.Explanation) {
				t.Errorf("%s (variant %s), sign-in %d: the prompt does not show %q:\n%s", user, label, round, uv.Heading, d.text())
			}
			if !d.has("button", "Create passkey") || !d.has("button", "Not now") {
				t.Errorf("%s: the buttons lost their names", user)
			}
			d.dismiss()
		}
		evs, err := e.st.UpliftEvents(ctx, e.tenant.ID, user, 100)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[model.UpliftEventKind]int{}
		for _, ev := range evs {
			kinds[ev.Kind]++
			if ev.Variant != uv.ID {
				t.Errorf("%s: %s event with variant %q; want %s's %s", user, ev.Kind, ev.Variant, label, uv.ID)
			}
		}
		t.Logf("variant %s, %s: events %v", label, user, kinds)
		if kinds[model.UpliftShown] != 2 || kinds[model.UpliftDismissed] != 2 || kinds[model.UpliftReturned] != 2 {
			t.Errorf("%s: events %v; want 2 shown, 2 dismissed, 2 returned", user, kinds)
		}
	}

	// The experiment's figures count each user once in their variant.
	got := e.serverAPI("GET", "/v1/management/experiments/"+exp.ID, nil)
	for _, v := range got["variants"].([]any) {
		v := v.(map[string]any)
		if v["shown"] != float64(1) || v["accepted"] != float64(0) || v["promptsShown"] != float64(2) ||
			v["promptsReturned"] != float64(2) || v["guardrailRate"] != float64(1) {
			t.Errorf("variant %v: %v; want 1 user shown, 2 prompts, both followed by a return", v["label"], v)
		}
	}
	if s := got["verdict"].(map[string]any)["summary"]; s != "No difference yet" {
		t.Errorf("verdict after two users: %v", s)
	}
}
