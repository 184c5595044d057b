package experiments_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/experiments"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/prompt"
)

func TestAssignIsStickyAndWeighted(t *testing.T) {
	e := model.Experiment{ID: "exp-1", Variants: []model.Variant{{ID: "a", Weight: 1}, {ID: "b", Weight: 3}}}
	n := map[string]int{}
	moved := 0
	for i := range 20000 {
		u := fmt.Sprintf("user-%d", i)
		v := e.Assign(u)
		if again := e.Assign(u); again.ID != v.ID {
			t.Fatalf("user %s got %s, then %s", u, v.ID, again.ID)
		}
		n[v.ID]++
		other := e
		other.ID = "exp-2"
		if other.Assign(u).ID != v.ID {
			moved++
		}
	}
	// Weights 1:3 give a quarter of the users to a.
	if n["a"] < 4700 || n["a"] > 5300 {
		t.Errorf("variant a got %d of 20000 users; want about 5000", n["a"])
	}
	// Another experiment draws afresh: about 3/8 of users land elsewhere.
	if moved < 6500 || moved > 8500 {
		t.Errorf("%d of 20000 users changed variant with the experiment; want about 7500", moved)
	}
}

func TestCreateChecksInput(t *testing.T) {
	ok := experiments.VariantInput{Heading: "Sign in faster", Explanation: "Use your fingerprint.", Weight: 1}
	for _, c := range []struct {
		in    experiments.CreateInput
		field string
	}{
		{experiments.CreateInput{Name: "", Variants: []experiments.VariantInput{ok, ok}}, "name"},
		{experiments.CreateInput{Name: "x\x00", Variants: []experiments.VariantInput{ok, ok}}, "name"},
		{experiments.CreateInput{Name: "x", Variants: []experiments.VariantInput{ok}}, "variants"},
		{experiments.CreateInput{Name: "x", Variants: []experiments.VariantInput{ok, ok, ok, ok, ok}}, "variants"},
		{experiments.CreateInput{Name: "x", Variants: []experiments.VariantInput{ok, {Heading: "h\x00", Explanation: "e", Weight: 1}}}, "variants[1].heading"},
		{experiments.CreateInput{Name: "x", Variants: []experiments.VariantInput{{Heading: "h", Explanation: "\xff", Weight: 1}, ok}}, "variants[0].explanation"},
		{experiments.CreateInput{Name: "x", Variants: []experiments.VariantInput{ok, {Heading: "h", Explanation: "e", Weight: 0}}}, "variants[1].weight"},
		{experiments.CreateInput{Name: "x", Variants: []experiments.VariantInput{ok, {Heading: "h", Explanation: "e", Weight: 1001}}}, "variants[1].weight"},
	} {
		err := c.in.Check()
		var me *model.Error
		if !errors.Is(err, model.ErrInvalid) || !errors.As(err, &me) || len(me.Description) < len(c.field) || me.Description[:len(c.field)] != c.field {
			t.Errorf("Check(%+v) = %v; want invalid naming %s", c.in, err, c.field)
		}
	}
	if err := (experiments.CreateInput{Name: "x", Variants: []experiments.VariantInput{ok, ok}}).Check(); err != nil {
		t.Errorf("good input refused: %v", err)
	}
}

// TestTwoHundredUsers runs an experiment with two variants over 200
// simulated users signing in three times each: every user sees the same
// variant's copy every time, each event records it, the figures match the
// stored events, the clearly better variant wins, and promoting it makes
// its copy the tenant's.
func TestTwoHundredUsers(t *testing.T) {
	ctx := context.Background()
	e := apitest.NewWith(t, apitest.Options{Email: notify.NewInbox(nil, 0, nil)})
	tenant, key := e.Tenant("Shop")
	ex := e.App.Experiments
	exp, err := ex.Create(ctx, tenant.ID, experiments.CreateInput{Name: "copy test", Variants: []experiments.VariantInput{
		{Heading: "Create a passkey", Explanation: "Sign in with your face or fingerprint.", Weight: 1},
		{Heading: "Skip the code next time", Explanation: "A passkey signs you in in one touch.", Weight: 1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ex.Create(ctx, tenant.ID, experiments.CreateInput{Name: "second", Variants: []experiments.VariantInput{
		{Heading: "h", Explanation: "e", Weight: 1}, {Heading: "h", Explanation: "e", Weight: 1}}}); !errors.Is(err, model.ErrConflict) {
		t.Errorf("a second running experiment: %v; want a conflict", err)
	}
	// Variant A's users accept one time in five, B's three in five.
	accepts := func(i int, variant string) bool {
		if variant == exp.Variants[0].ID {
			return i%5 == 0
		}
		return i%5 < 3
	}
	seen := map[string]string{}
	wantShown, wantAccepted := map[string]int{}, map[string]int{}
	for i := range 200 {
		user := fmt.Sprintf("user-%03d", i)
		dev := "dev-" + user
		e.Do(key, "POST", "/v1/users/"+user+"/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": user + "@example.com"}).MustOK(t)
		if err := e.Store.TouchDevice(ctx, model.Device{TenantID: tenant.ID, ID: dev, LastSeenAt: e.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
		if err := e.Store.SetDeviceCapabilities(ctx, tenant.ID, dev, map[string]any{prompt.CapPublicKeyCredential: true,
			prompt.CapPlatformAuthenticator: true}, e.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		accepted := false
		for range 3 {
			ik := e.Do(key, "POST", "/v1/users/"+user+"/actions/signIn", map[string]any{"deviceId": dev}).MustOK(t).Str("idempotencyKey")
			a, err := e.Service.SetActionState(ctx, tenant.ID, user, "signIn", ik, model.StateChallengeSucceeded)
			if err != nil {
				t.Fatal(err)
			}
			dec, err := e.App.Prompt.EvaluateUplift(ctx, tenant, a, dev)
			if err != nil || !dec.Show {
				t.Fatalf("%s: decision %+v, %v", user, dec, err)
			}
			cp, variant, err := e.App.Prompt.PromptCopy(ctx, tenant.ID, user)
			if err != nil {
				t.Fatal(err)
			}
			if prev, ok := seen[user]; ok && prev != variant {
				t.Fatalf("%s saw variant %s, then %s", user, prev, variant)
			}
			seen[user] = variant
			if v := exp.Assign(user); v.ID != variant || v.PromptCopy != cp {
				t.Fatalf("%s shown %+v of %s; assigned %+v", user, cp, variant, v)
			}
			if err := e.App.Prompt.RecordUplift(ctx, tenant, a, dev, model.UpliftShown, ""); err != nil {
				t.Fatal(err)
			}
			kind := model.UpliftDismissed
			if !accepted && accepts(i, variant) {
				kind, accepted = model.UpliftAccepted, true
			}
			if err := e.App.Prompt.RecordUplift(ctx, tenant, a, dev, kind, ""); err != nil {
				t.Fatal(err)
			}
			// Every user but one in ten reaches the app after the prompt.
			if i%10 != 9 {
				if err := e.App.Prompt.RecordReturn(ctx, tenant, a, dev); err != nil {
					t.Fatal(err)
				}
			}
		}
		wantShown[seen[user]]++
		if accepted {
			wantAccepted[seen[user]]++
		}
	}
	// The figures match the stored events, read back one by one.
	stored := map[string]*model.VariantCounts{}
	for user := range seen {
		evs, err := e.Store.UpliftEvents(ctx, tenant.ID, user, 100)
		if err != nil {
			t.Fatal(err)
		}
		var shown, acc bool
		for _, ev := range evs {
			if ev.Variant != seen[user] {
				t.Fatalf("%s: %s event with variant %q; the user is in %s", user, ev.Kind, ev.Variant, seen[user])
			}
			c := stored[ev.Variant]
			if c == nil {
				c = &model.VariantCounts{}
				stored[ev.Variant] = c
			}
			switch ev.Kind {
			case model.UpliftShown:
				shown = true
				c.PromptsShown++
			case model.UpliftAccepted:
				acc = true
			case model.UpliftReturned:
				c.PromptsReturned++
			}
		}
		if shown {
			stored[seen[user]].UsersShown++
		}
		if acc {
			stored[seen[user]].UsersAccepted++
		}
	}
	res, err := ex.Results(ctx, exp)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range res.Variants {
		s := stored[v.ID]
		if s == nil || v.UsersShown != s.UsersShown || v.UsersAccepted != s.UsersAccepted ||
			v.PromptsShown != s.PromptsShown || v.PromptsReturned != s.PromptsReturned ||
			v.UsersShown != wantShown[v.ID] || v.UsersAccepted != wantAccepted[v.ID] {
			t.Errorf("variant %s: figures %+v; stored events give %+v", v.Label, v.VariantCounts, s)
		}
		if v.UsersShown < 70 || v.UsersShown > 130 {
			t.Errorf("variant %s holds %d of 200 users; want about 100", v.Label, v.UsersShown)
		}
		if v.Acceptance != float64(v.UsersAccepted)/float64(v.UsersShown) || !v.AcceptanceCS.Contains(v.Acceptance) {
			t.Errorf("variant %s: acceptance %v in %+v", v.Label, v.Acceptance, v.AcceptanceCS)
		}
		if v.PromptsShown != 3*v.UsersShown || v.Guardrail < 0.8 || v.Guardrail > 1 {
			t.Errorf("variant %s: %d prompts for %d users, guardrail %v", v.Label, v.PromptsShown, v.UsersShown, v.Guardrail)
		}
	}
	if res.Winner != 1 {
		t.Fatalf("winner = %d; want 1 (B): %+v", res.Winner, res.Variants)
	}
	if _, err := ex.Promote(ctx, "other-tenant", exp.ID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("promote from another tenant: %v; want not found", err)
	}
	done, err := ex.Promote(ctx, tenant.ID, exp.ID)
	if err != nil || done.Status != model.ExperimentPromoted || done.WinnerVariantID != exp.Variants[1].ID {
		t.Fatalf("promote = %+v, %v", done, err)
	}
	cp, variant, err := e.App.Prompt.PromptCopy(ctx, tenant.ID, "someone-new")
	if err != nil || variant != "" || cp != exp.Variants[1].PromptCopy {
		t.Errorf("after promoting: copy %+v of %q, %v; want B's copy outside any experiment", cp, variant, err)
	}
	if _, err := ex.Promote(ctx, tenant.ID, exp.ID); !errors.Is(err, model.ErrConflict) {
		t.Errorf("promoting twice: %v; want a conflict", err)
	}
}
