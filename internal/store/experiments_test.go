package store_test

import (
	"errors"
	"testing"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

func TestExperiments(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		other := mustCreateTenant(t, s, "other", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "u", at(0)))
		e := model.Experiment{ID: "x1", TenantID: tn.ID, Name: "copy", Status: model.ExperimentRunning, CreatedAt: at(1),
			Variants: []model.Variant{{ID: "v1", Label: "A", PromptCopy: model.PromptCopy{Heading: "h1", Explanation: "e1"}, Weight: 1},
				{ID: "v2", Label: "B", PromptCopy: model.PromptCopy{Heading: "h2", Explanation: "e2"}, Weight: 3}}}
		if err := s.CreateExperiment(ctx, e); err != nil {
			t.Fatal(err)
		}
		second := e
		second.ID, second.Variants = "x2", nil
		if err := s.CreateExperiment(ctx, second); !errors.Is(err, model.ErrConflict) {
			t.Errorf("a second running experiment: %v; want a conflict", err)
		}
		got, err := s.Experiment(ctx, tn.ID, "x1")
		if err != nil || len(got.Variants) != 2 || got.Variants[1] != e.Variants[1] || !got.CreatedAt.Equal(at(1)) {
			t.Errorf("experiment read back as %+v, %v", got, err)
		}
		if _, err := s.Experiment(ctx, other.ID, "x1"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("another tenant's experiment: %v; want not found", err)
		}
		if _, ok, err := s.RunningExperiment(ctx, tn.ID); !ok || err != nil {
			t.Errorf("running experiment: %v, %v", ok, err)
		}
		for i, ev := range []struct {
			kind    model.UpliftEventKind
			variant string
			key     string
		}{{model.UpliftShown, "v1", "k1"}, {model.UpliftReturned, "v1", "k1"}, {model.UpliftShown, "v1", "k2"},
			{model.UpliftAccepted, "v1", "k2"}, {model.UpliftShown, "v2", "k3"}, {model.UpliftShown, "", "k4"}} {
			if err := s.RecordUpliftEvent(ctx, model.UpliftEvent{ID: "e" + string(rune('a'+i)), TenantID: tn.ID, UserID: "u",
				IdempotencyKey: ev.key, Kind: ev.kind, Variant: ev.variant, At: at(int64(2 + i))}); err != nil {
				t.Fatal(err)
			}
		}
		counts, err := s.ExperimentCounts(ctx, tn.ID, "x1")
		want := map[string]model.VariantCounts{
			"v1": {VariantID: "v1", UsersShown: 1, UsersAccepted: 1, PromptsShown: 2, PromptsReturned: 1},
			"v2": {VariantID: "v2", UsersShown: 1, PromptsShown: 1},
		}
		if err != nil || len(counts) != 2 || counts[0] != want[counts[0].VariantID] || counts[1] != want[counts[1].VariantID] {
			t.Errorf("counts = %+v, %v; want %+v", counts, err, want)
		}
		if shown, v, ret, err := s.UpliftShownIn(ctx, tn.ID, "u", "k1"); !shown || v != "v1" || !ret || err != nil {
			t.Errorf("shown in k1 = %v %q %v %v", shown, v, ret, err)
		}
		if shown, _, ret, err := s.UpliftShownIn(ctx, tn.ID, "u", "k9"); shown || ret || err != nil {
			t.Errorf("shown in k9 = %v %v %v", shown, ret, err)
		}
		if err := s.EndExperiment(ctx, tn.ID, "x1", model.ExperimentPromoted, "v2", at(9)); err != nil {
			t.Fatal(err)
		}
		if err := s.EndExperiment(ctx, tn.ID, "x1", model.ExperimentStopped, "", at(9)); !errors.Is(err, model.ErrConflict) {
			t.Errorf("ending twice: %v; want a conflict", err)
		}
		if err := s.EndExperiment(ctx, other.ID, "x1", model.ExperimentStopped, "", at(9)); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("ending another tenant's: %v; want not found", err)
		}
		if _, ok, err := s.RunningExperiment(ctx, tn.ID); ok || err != nil {
			t.Errorf("running after the end: %v, %v", ok, err)
		}
		if c, err := s.PromptCopy(ctx, tn.ID); err != nil || c != (model.PromptCopy{}) {
			t.Errorf("a new tenant's prompt copy = %+v, %v; want none", c, err)
		}
		if err := s.SetPromptCopy(ctx, tn.ID, e.Variants[1].PromptCopy); err != nil {
			t.Fatal(err)
		}
		if c, err := s.PromptCopy(ctx, tn.ID); err != nil || c != e.Variants[1].PromptCopy {
			t.Errorf("prompt copy = %+v, %v", c, err)
		}
		if list, err := s.Experiments(ctx, tn.ID); err != nil || len(list) != 1 || list[0].WinnerVariantID != "v2" {
			t.Errorf("experiments = %+v, %v", list, err)
		}
	})
}
