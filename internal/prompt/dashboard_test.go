package prompt_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/prompt"
	"github.com/uplift-dev/uplift/internal/uplift"
)

func TestAdoptionDashboardDays(t *testing.T) {
	ctx := context.Background()
	e := apitest.New(t)
	tn, key := e.Tenant("Shop")
	for _, days := range []int{0, -1, prompt.MaxDashboardDays + 1} {
		if _, err := e.App.Prompt.AdoptionDashboard(ctx, tn.ID, days); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("AdoptionDashboard(%d days) error = %v, want %v", days, err, model.ErrInvalid)
		}
	}
	// One action in the last second of a day, one in the first of the next.
	now := e.Clock.Now().UTC()
	e.Clock.Advance(now.Truncate(24 * time.Hour).Add(24*time.Hour - time.Second).Sub(now))
	yesterday := e.Clock.Now().UTC().Truncate(24 * time.Hour)
	e.Do(key, "POST", "/v1/users/u1/actions/signIn", map[string]any{}).MustOK(t)
	e.Clock.Advance(2 * time.Second)
	today := yesterday.AddDate(0, 0, 1)
	e.Do(key, "POST", "/v1/users/u2/actions/signIn", map[string]any{}).MustOK(t)

	tests := []struct {
		days int
		want []prompt.DashboardDay
	}{
		{1, []prompt.DashboardDay{{Day: today, ActiveUsers: 1}}},
		{3, []prompt.DashboardDay{{Day: yesterday.AddDate(0, 0, -1)}, {Day: yesterday, ActiveUsers: 1}, {Day: today, ActiveUsers: 1}}},
	}
	for _, tt := range tests {
		d, err := e.App.Prompt.AdoptionDashboard(ctx, tn.ID, tt.days)
		if err != nil {
			t.Fatal(err)
		}
		if !d.From.Equal(today.AddDate(0, 0, 1-tt.days)) || !d.To.Equal(today) {
			t.Errorf("%d days: from %v to %v, want %d days to %v", tt.days, d.From, d.To, tt.days, today)
		}
		if diff := cmp.Diff(d.Days, tt.want); diff != "" {
			t.Errorf("%d days (-got +want):\n%s", tt.days, diff)
		}
	}
	if d, err := e.App.Prompt.AdoptionDashboard(ctx, tn.ID, 30); err != nil || len(d.Days) != 30 {
		t.Errorf("30 days = %d days, %v", len(d.Days), err)
	}
}

func TestAdoptionDashboardFunnel(t *testing.T) {
	ctx := context.Background()
	e := apitest.New(t)
	tn, key := e.Tenant("Shop")
	other, otherKey := e.Tenant("Other")
	e.Do(key, "POST", "/v1/users/u/actions/signIn", map[string]any{}).MustOK(t)
	e.Do(otherKey, "POST", "/v1/users/u/actions/signIn", map[string]any{}).MustOK(t)
	n := 0
	add := func(tenantID string, kind model.UpliftEventKind, reason uplift.Reason, platform string, times int) {
		for range times {
			n++
			if err := e.Store.RecordUpliftEvent(ctx, model.UpliftEvent{ID: fmt.Sprint(n), TenantID: tenantID, UserID: "u",
				Kind: kind, Reason: string(reason), Platform: platform, At: e.Clock.Now()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	add(tn.ID, model.UpliftEvaluated, uplift.ReasonEligible, "macOS", 3)
	add(tn.ID, model.UpliftEvaluated, uplift.ReasonEligible, "iOS", 1)
	add(tn.ID, model.UpliftEvaluated, uplift.ReasonDeviceUnsupported, "", 2)
	add(tn.ID, model.UpliftEvaluated, uplift.ReasonPasskeyOnDevice, "iOS", 2)
	add(tn.ID, model.UpliftShown, "", "macOS", 3)
	add(tn.ID, model.UpliftShown, "", "iOS", 1)
	add(tn.ID, model.UpliftAccepted, "", "macOS", 2)
	add(tn.ID, model.UpliftDismissed, "", "iOS", 1)
	add(tn.ID, model.UpliftFailed, "", "macOS", 1)
	add(other.ID, model.UpliftEvaluated, uplift.ReasonEligible, "Windows", 5)

	d, err := e.App.Prompt.AdoptionDashboard(ctx, tn.ID, 7)
	if err != nil {
		t.Fatal(err)
	}
	if want := (prompt.UpliftFunnel{Evaluated: 8, Eligible: 4, Shown: 4, Accepted: 2, Dismissed: 1, Failed: 1}); d.Funnel != want {
		t.Errorf("funnel = %+v, want %+v", d.Funnel, want)
	}
	wantReasons := []prompt.ReasonCount{{uplift.ReasonEligible, 4}, {uplift.ReasonDeviceUnsupported, 2}, {uplift.ReasonPasskeyOnDevice, 2}}
	if diff := cmp.Diff(d.Reasons, wantReasons); diff != "" {
		t.Errorf("reasons (-got +want):\n%s", diff)
	}
	// Busiest first: iOS and macOS both have three evaluations, macOS more prompts shown.
	wantPlatforms := []prompt.PlatformFunnel{
		{Platform: "macOS", Evaluated: 3, Shown: 3, Accepted: 2, Failed: 1},
		{Platform: "iOS", Evaluated: 3, Shown: 1, Dismissed: 1},
		{Platform: "", Evaluated: 2},
	}
	if diff := cmp.Diff(d.Platforms, wantPlatforms); diff != "" {
		t.Errorf("platforms (-got +want):\n%s", diff)
	}
}
