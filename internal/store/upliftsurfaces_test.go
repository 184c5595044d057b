package store_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

// TestUpliftEventSurfaces: an event keeps where its prompt was shown, one
// without a surface counts as the hosted pages'; the daily counts by
// surface, the unanswered prompt of an action on a device, the showings
// a decision allowed and a device's events read them back on both
// databases.
func TestUpliftEventSurfaces(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "u", at(0)))
		record := func(id string, kind model.UpliftEventKind, reason string, surface model.PromptSurface, device, key string, sec int64) {
			t.Helper()
			if err := s.RecordUpliftEvent(ctx, model.UpliftEvent{ID: id, TenantID: tn.ID, UserID: "u", DeviceID: device,
				IdempotencyKey: key, Kind: kind, Reason: reason, Surface: surface, At: at(sec)}); err != nil {
				t.Fatal(err)
			}
		}
		record("e1", model.UpliftEvaluated, "eligible", "", "d1", "k1", 10)
		record("e2", model.UpliftShown, "", "", "d1", "k1", 11)
		record("e3", model.UpliftEvaluated, "eligible", model.SurfaceComponent, "d1", "k2", 20)
		record("e4", model.UpliftShown, "", model.SurfaceComponent, "d1", "k2", 21)
		record("e5", model.UpliftEvaluated, "device_unsupported", model.SurfaceAPI, "d2", "k3", 30)

		evs, err := s.DeviceUpliftEvents(ctx, tn.ID, "u", "d1", 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range evs {
			got = append(got, e.ID+" "+string(e.Surface))
		}
		if diff := cmp.Diff(got, []string{"e4 component", "e3 component", "e2 hosted", "e1 hosted"}); diff != "" {
			t.Errorf("d1's events (-got +want):\n%s", diff)
		}

		foldAnalytics(t, s)
		day := at(0).Truncate(24 * time.Hour) // the counts are by UTC day
		counts, err := s.UpliftSurfaceCounts(ctx, tn.ID, day, day.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		want := []model.SurfaceEventCount{
			{Surface: model.SurfaceAPI, Kind: model.UpliftEvaluated, Reason: "device_unsupported", Count: 1},
			{Surface: model.SurfaceComponent, Kind: model.UpliftEvaluated, Reason: "eligible", Count: 1},
			{Surface: model.SurfaceComponent, Kind: model.UpliftShown, Count: 1},
			{Surface: model.SurfaceHosted, Kind: model.UpliftEvaluated, Reason: "eligible", Count: 1},
			{Surface: model.SurfaceHosted, Kind: model.UpliftShown, Count: 1},
		}
		if diff := cmp.Diff(counts, want); diff != "" {
			t.Errorf("counts by surface (-got +want):\n%s", diff)
		}
		if counts, err := s.UpliftSurfaceCounts(ctx, tn.ID, day.AddDate(0, 0, 1), day.AddDate(0, 0, 2)); err != nil || len(counts) != 0 {
			t.Errorf("counts of the next day = %+v, %v; want none", counts, err)
		}

		unanswered := func(device, key string) model.PromptSurface {
			t.Helper()
			got, err := s.UnansweredPromptSurface(ctx, tn.ID, "u", device, key)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if got := unanswered("d1", "k2"); got != model.SurfaceComponent {
			t.Errorf("the component's prompt in k2 = %q, want component", got)
		}
		if got := unanswered("d1", "k1"); got != "" {
			t.Errorf("the hosted prompt in k1 = %q: the hosted pages record their own answers", got)
		}
		record("e6", model.UpliftDismissed, "", model.SurfaceComponent, "d1", "k2", 22)
		if got := unanswered("d1", "k2"); got != "" {
			t.Errorf("answered prompt = %q, want none", got)
		}

		for _, c := range []struct {
			device, key     string
			eligible, shown int
		}{{"d1", "k1", 1, 1}, {"d1", "k2", 1, 1}, {"d2", "k3", 0, 0}, {"d1", "k3", 0, 0}} {
			e, n, err := s.PromptShowings(ctx, tn.ID, "u", c.device, c.key)
			if err != nil || e != c.eligible || n != c.shown {
				t.Errorf("showings on %s in %s = %d, %d, %v; want %d, %d", c.device, c.key, e, n, err, c.eligible, c.shown)
			}
		}
	})
}
