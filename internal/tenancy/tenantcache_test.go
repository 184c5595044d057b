package tenancy_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/policy"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/testclock"
)

// twoInstances returns two services sharing one database and one clock,
// as two instances behind a load balancer, with a tenant and its key.
func twoInstances(t *testing.T, ttl time.Duration) (a, b *app.App, clock *testclock.Clock, tenant model.Tenant, secret string) {
	t.Helper()
	ctx := context.Background()
	path := "sqlite://" + filepath.Join(t.TempDir(), "u.db")
	clock = testclock.New(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	var svcs []*app.App
	for range 2 {
		st, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		svcs = append(svcs, app.New(app.Options{Store: st, Log: slog.New(slog.DiscardHandler),
			PublicURL: "http://localhost:8080", Now: clock.Now, TenantCacheTTL: ttl}))
	}
	tenant, secret, err := svcs[0].Tenancy.CreateTenant(ctx, tenancy.NewTenant{Name: "Shop"})
	if err != nil {
		t.Fatal(err)
	}
	return svcs[0], svcs[1], clock, tenant, secret
}

func TestRevokedKeyStopsWorkingWithinTheCacheTime(t *testing.T) {
	ctx := context.Background()
	a, b, clock, tenant, secret := twoInstances(t, 0)
	for _, svc := range []*app.App{a, b} {
		if _, err := svc.Tenancy.TenantForSecret(ctx, secret); err != nil {
			t.Fatalf("a fresh key is refused: %v", err)
		}
	}
	keys, err := a.Tenancy.APIKeys(ctx, tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Tenancy.RevokeKey(ctx, tenant.ID, keys[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Tenancy.TenantForSecret(ctx, secret); !errors.Is(err, model.ErrUnauthenticated) {
		t.Errorf("the instance that revoked the key still accepts it: %v", err)
	}
	// The other instance uses the tenant it read until its copy is too
	// old: that is the bound on how long a revoked key keeps working.
	clock.Advance(tenancy.DefaultTenantCacheTTL - time.Millisecond)
	if _, err := b.Tenancy.TenantForSecret(ctx, secret); err != nil {
		t.Errorf("the other instance read the key again before its cache time was up: %v", err)
	}
	clock.Advance(time.Millisecond)
	if _, err := b.Tenancy.TenantForSecret(ctx, secret); !errors.Is(err, model.ErrUnauthenticated) {
		t.Errorf("the other instance accepts a key revoked %v ago: %v", tenancy.DefaultTenantCacheTTL, err)
	}
}

func TestTenantSettingsReachOtherInstancesWithinTheCacheTime(t *testing.T) {
	ctx := context.Background()
	a, b, clock, tenant, _ := twoInstances(t, 0)
	for _, svc := range []*app.App{a, b} {
		if c, err := svc.Tenancy.ClientByTenantID(ctx, tenant.ID); err != nil || c.Tenant.RPName != "Shop" {
			t.Fatalf("ClientByTenantID = %q, %v", c.Tenant.RPName, err)
		}
	}
	if _, err := a.Policy.UpdatePasskeySettings(ctx, tenant.ID, func(ps *policy.PasskeySettings) { ps.RPName = "Shop & Co" }); err != nil {
		t.Fatal(err)
	}
	if c, _ := a.Tenancy.ClientByTenantID(ctx, tenant.ID); c.Tenant.RPName != "Shop & Co" {
		t.Errorf("the changing instance serves relying party name %q, want the new one at once", c.Tenant.RPName)
	}
	if c, _ := b.Tenancy.ClientByTenantID(ctx, tenant.ID); c.Tenant.RPName != "Shop" {
		t.Errorf("the other instance read the tenant again before its cache time was up (%q)", c.Tenant.RPName)
	}
	clock.Advance(tenancy.DefaultTenantCacheTTL)
	if c, _ := b.Tenancy.ClientByTenantID(ctx, tenant.ID); c.Tenant.RPName != "Shop & Co" {
		t.Errorf("the other instance serves relying party name %q after the cache time, want the new one", c.Tenant.RPName)
	}
}

func TestTenantCacheOff(t *testing.T) {
	ctx := context.Background()
	a, b, _, tenant, secret := twoInstances(t, -1)
	keys, _ := a.Tenancy.APIKeys(ctx, tenant.ID)
	if _, err := b.Tenancy.TenantForSecret(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if err := a.Tenancy.RevokeKey(ctx, tenant.ID, keys[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Tenancy.TenantForSecret(ctx, secret); !errors.Is(err, model.ErrUnauthenticated) {
		t.Errorf("without a cache, another instance still accepts a revoked key: %v", err)
	}
}

func TestActionSettingsReachOtherInstancesWithinTheCacheTime(t *testing.T) {
	ctx := context.Background()
	a, b, clock, tenant, _ := twoInstances(t, 0)
	if _, err := a.Policy.CreateActionConfig(ctx, tenant, model.ActionConfig{Code: "pay", DefaultOutcome: model.OutcomeAllow}); err != nil {
		t.Fatal(err)
	}
	state := func(svc *app.App) model.ActionState {
		t.Helper()
		res, err := svc.Actions.Track(ctx, tenant, actions.TrackInput{UserID: "ana", ActionCode: "pay"})
		if err != nil {
			t.Fatal(err)
		}
		return res.Action.State
	}
	// Each step changes the action through instance a: a decides by the
	// change at once, b only once the cache time is up.
	steps := []struct {
		name   string
		change func() error
		want   model.ActionState
	}{
		{"default outcome", func() error {
			_, err := a.Policy.UpdateActionConfig(ctx, tenant, "pay", func(c *model.ActionConfig) { c.DefaultOutcome = model.OutcomeBlock })
			return err
		}, model.StateBlock},
		{"new rule", func() error {
			_, err := a.Policy.CreateRule(ctx, tenant, model.Rule{ActionCode: "pay", Name: "all", IsActive: true,
				Outcome: model.OutcomeReview, Conditions: []byte(`{"==":[1,1]}`)})
			return err
		}, model.StateReviewRequired},
		{"rule deleted", func() error {
			rules, err := a.Policy.Rules(ctx, tenant.ID, "pay")
			if err != nil || len(rules) != 1 {
				return fmt.Errorf("rules = %v, %v", rules, err)
			}
			return a.Policy.DeleteRule(ctx, tenant.ID, "pay", rules[0].ID)
		}, model.StateBlock},
	}
	before := model.StateAllow
	for _, st := range steps {
		for _, svc := range []*app.App{a, b} {
			if got := state(svc); got != before {
				t.Fatalf("%s: an instance decides %s before the change, want %s", st.name, got, before)
			}
		}
		if err := st.change(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := state(a); got != st.want {
			t.Errorf("%s: the changing instance decides %s, want %s at once", st.name, got, st.want)
		}
		if got := state(b); got != before {
			t.Errorf("%s: the other instance decides %s before its cache time is up, want still %s", st.name, got, before)
		}
		clock.Advance(tenancy.DefaultTenantCacheTTL)
		if got := state(b); got != st.want {
			t.Errorf("%s: the other instance decides %s after the cache time, want %s", st.name, got, st.want)
		}
		before = st.want
	}
}
