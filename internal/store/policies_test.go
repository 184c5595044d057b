package store_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

func TestRulesRoundTripAndVersion(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		cfg := model.ActionConfig{TenantID: tn.ID, Code: "signIn", DefaultOutcome: model.OutcomeChallenge,
			VerificationMethods: []model.VerificationMethod{model.MethodPasskey}, CreatedAt: at(1), UpdatedAt: at(1)}
		if err := s.CreateActionConfig(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateActionConfig(ctx, cfg); !errors.Is(err, model.ErrConflict) {
			t.Errorf("second CreateActionConfig: %v, want ErrConflict", err)
		}
		version := func() int64 {
			c, err := s.ActionConfig(ctx, tn.ID, "signIn")
			if err != nil {
				t.Fatal(err)
			}
			return c.RulesVersion
		}
		v0 := version()
		r := model.Rule{ID: "rule-1", TenantID: tn.ID, ActionCode: "signIn", Name: "New device", IsActive: true,
			Priority: 3, Outcome: model.OutcomeBlock, PromptToEnrollMethods: []model.VerificationMethod{model.MethodPasskey},
			Conditions: []byte(`{"==":[{"var":"device.isNew"},true]}`), CreatedAt: at(2), UpdatedAt: at(2)}
		if err := s.CreateRule(ctx, r); err != nil {
			t.Fatal(err)
		}
		v1 := version()
		got, err := s.Rule(ctx, tn.ID, "signIn", "rule-1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, r, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("rule round trip (-got +want):\n%s", diff)
		}
		r.IsActive, r.UpdatedAt = false, at(3)
		if err := s.UpdateRule(ctx, r); err != nil {
			t.Fatal(err)
		}
		v2 := version()
		l := model.ValueList{TenantID: tn.ID, Alias: "office", Name: "Office", ItemType: model.ListCIDR,
			Items: []string{"10.0.0.0/8"}, IsActive: true, CreatedAt: at(4), UpdatedAt: at(4)}
		if err := s.SaveValueList(ctx, l); err != nil {
			t.Fatal(err)
		}
		v3 := version()
		if err := s.DeleteRule(ctx, tn.ID, "signIn", "rule-1"); err != nil {
			t.Fatal(err)
		}
		v4 := version()
		if !(v0 < v1 && v1 < v2 && v2 < v3 && v3 < v4) {
			t.Errorf("rules version did not grow with every change: %d %d %d %d %d", v0, v1, v2, v3, v4)
		}
		if err := s.DeleteRule(ctx, tn.ID, "signIn", "rule-1"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("second DeleteRule: %v, want ErrNotFound", err)
		}
		if v := version(); v != v4 {
			t.Errorf("a refused delete changed the version: %d, want %d", v, v4)
		}
		gotList, err := s.ValueList(ctx, tn.ID, "office")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(gotList, l); diff != "" {
			t.Errorf("value list round trip (-got +want):\n%s", diff)
		}
	})
}

func TestRulesOfDeletedActionConfig(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		if err := s.CreateActionConfig(ctx, model.ActionConfig{TenantID: tn.ID, Code: "pay", DefaultOutcome: model.OutcomeAllow, CreatedAt: at(1), UpdatedAt: at(1)}); err != nil {
			t.Fatal(err)
		}
		r := model.Rule{ID: "r", TenantID: tn.ID, ActionCode: "pay", Name: "n", Priority: 1, Outcome: model.OutcomeAllow,
			Conditions: []byte(`{"!":[false]}`), CreatedAt: at(2), UpdatedAt: at(2)}
		if err := s.CreateRule(ctx, r); err != nil {
			t.Fatal(err)
		}
		r.ID, r.ActionCode = "orphan", "nothere"
		if err := s.CreateRule(ctx, r); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("rule on a missing action config: %v, want ErrNotFound", err)
		}
		if err := s.DeleteActionConfig(ctx, tn.ID, "pay"); err != nil {
			t.Fatal(err)
		}
		if rules, err := s.Rules(ctx, tn.ID, "pay"); err != nil || len(rules) != 0 {
			t.Errorf("rules after deleting their action config: %v, %v", rules, err)
		}
	})
}
