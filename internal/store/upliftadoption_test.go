package store_test

import (
	"testing"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

func TestUpliftDismissalsCountPerDevice(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "u", at(0)))
		mustCreateUser(t, s, newUser(tn.ID, "other", at(0)))
		for i, e := range []struct {
			user, device string
			kind         model.UpliftEventKind
		}{
			{"u", "d1", model.UpliftDismissed}, {"u", "d1", model.UpliftShown}, {"u", "d1", model.UpliftDismissed},
			{"u", "d2", model.UpliftDismissed}, {"other", "d1", model.UpliftDismissed}, {"u", "d1", model.UpliftOptedOut},
		} {
			if err := s.RecordUpliftEvent(ctx, model.UpliftEvent{ID: "e" + string(rune('a'+i)), TenantID: tn.ID,
				UserID: e.user, DeviceID: e.device, Kind: e.kind, At: at(int64(10 + i))}); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			user, device string
			n            int
			last         int64
		}{
			{"u", "d1", 2, 12}, {"u", "d2", 1, 13}, {"other", "d1", 1, 14}, {"u", "d3", 0, 0},
		} {
			n, last, err := s.UpliftDismissals(ctx, tn.ID, tc.user, tc.device)
			lastOK := last.Equal(at(tc.last))
			if tc.last == 0 {
				lastOK = last.IsZero() // never dismissed there
			}
			if err != nil || n != tc.n || !lastOK {
				t.Errorf("UpliftDismissals(%s, %s) = %d, %v, %v; want %d at %d", tc.user, tc.device, n, last, err, tc.n, tc.last)
			}
		}
	})
}

func TestUpliftOptOut(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "u", at(0)))
		mustCreateUser(t, s, newUser(tn.ID, "other", at(0)))
		optedOut := func(user string) int64 {
			t.Helper()
			got, err := s.UpliftOptOut(ctx, tn.ID, user)
			if err != nil {
				t.Fatal(err)
			}
			if got.IsZero() {
				return 0
			}
			return got.Sub(at(0)).Microseconds() / at(1).Sub(at(0)).Microseconds()
		}
		if got := optedOut("u"); got != 0 {
			t.Fatalf("a new user is opted out at %d", got)
		}
		if err := s.RecordUpliftOptOut(ctx, tn.ID, "u", "d1", at(5)); err != nil {
			t.Fatal(err)
		}
		// A second choice keeps the first.
		if err := s.RecordUpliftOptOut(ctx, tn.ID, "u", "d2", at(7)); err != nil {
			t.Fatal(err)
		}
		if got := optedOut("u"); got != 5 {
			t.Errorf("opted out at %d, want 5", got)
		}
		if got := optedOut("other"); got != 0 {
			t.Errorf("another user is opted out at %d", got)
		}
		if reset, err := s.ResetUpliftOptOut(ctx, tn.ID, "u"); err != nil || !reset {
			t.Errorf("reset = %v, %v; want true", reset, err)
		}
		if got := optedOut("u"); got != 0 {
			t.Errorf("after the reset, opted out at %d", got)
		}
		if reset, err := s.ResetUpliftOptOut(ctx, tn.ID, "u"); err != nil || reset {
			t.Errorf("second reset = %v, %v; want false", reset, err)
		}
		if err := s.RecordUpliftOptOut(ctx, tn.ID, "nobody", "d1", at(5)); err == nil {
			t.Error("opted out a user that does not exist")
		}
	})
}

func TestPromptSwitchesAndAdoptionSettingsStored(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		got, err := s.Tenant(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Passkey.EnrollmentPromptRolloutPercent != 0 || got.Passkey.EnrollmentPromptBackoff {
			t.Fatalf("fixture tenant settings = %+v", got.Passkey)
		}
		got.Passkey.EnrollmentPromptRolloutPercent, got.Passkey.EnrollmentPromptBackoff = 30, true
		got.Passkey.EnrollmentPromptMaxDismissals, got.Passkey.EnrollmentPromptAllowOptOut = 3, true
		if err := s.UpdateTenant(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, err := s.Tenant(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p := again.Passkey; p.EnrollmentPromptRolloutPercent != 30 || !p.EnrollmentPromptBackoff ||
			p.EnrollmentPromptMaxDismissals != 3 || !p.EnrollmentPromptAllowOptOut {
			t.Errorf("stored settings = %+v", p)
		}

		cfg := model.ActionConfig{TenantID: tn.ID, Code: "signIn", DefaultOutcome: model.OutcomeChallenge,
			DisablePromptToEnroll: true, CreatedAt: at(1), UpdatedAt: at(1)}
		if err := s.CreateActionConfig(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		if c, err := s.ActionConfig(ctx, tn.ID, "signIn"); err != nil || !c.DisablePromptToEnroll {
			t.Errorf("created action config = %+v, %v; want disablePromptToEnroll", c, err)
		}
		cfg.DisablePromptToEnroll = false
		if err := s.UpdateActionConfig(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		if c, err := s.ActionConfig(ctx, tn.ID, "signIn"); err != nil || c.DisablePromptToEnroll {
			t.Errorf("updated action config = %+v, %v; want the prompt not disabled", c, err)
		}

		r := model.Rule{ID: "r1", TenantID: tn.ID, ActionCode: "signIn", Name: "r", IsActive: true,
			Outcome: model.OutcomeAllow, Conditions: []byte(`{"==":[1,1]}`), DisablePromptToEnroll: true,
			CreatedAt: at(2), UpdatedAt: at(2)}
		if err := s.CreateRule(ctx, r); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Rule(ctx, tn.ID, "signIn", "r1"); err != nil || !got.DisablePromptToEnroll {
			t.Errorf("created rule = %+v, %v; want disablePromptToEnroll", got, err)
		}
		r.DisablePromptToEnroll = false
		if err := s.UpdateRule(ctx, r); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Rule(ctx, tn.ID, "signIn", "r1"); err != nil || got.DisablePromptToEnroll {
			t.Errorf("updated rule = %+v, %v; want the prompt not disabled", got, err)
		}
	})
}

// TestAdoptionColumnsDefaultToTodaysBehaviour writes a tenant as the
// schema before migration 00018 knew it, without the new columns, and
// reads it back with the settings that keep the prompt as it was.
func TestAdoptionColumnsDefaultToTodaysBehaviour(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(string(d.name), func(t *testing.T) {
			t.Parallel()
			url := d.url(t)
			s := openStore(t, url)
			if _, err := s.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			db := rawDB(t, url)
			if _, err := db.ExecContext(t.Context(), `INSERT INTO tenants (id, name, rp_id, rp_name, origins,
				redirect_prefixes, token_key, recovery_methods, user_verification, created_at)
				VALUES ('old', 'Old', 'localhost', 'Old', '[]', '[]', $1, '[]', 'required', 1)`, []byte{1}); err != nil {
				t.Fatal(err)
			}
			got, err := s.Tenant(t.Context(), "old")
			if err != nil {
				t.Fatal(err)
			}
			if p := got.Passkey; p.EnrollmentPromptRolloutPercent != 100 || p.EnrollmentPromptBackoff ||
				p.EnrollmentPromptMaxDismissals != 0 || p.EnrollmentPromptAllowOptOut {
				t.Errorf("a tenant without the new columns reads as %+v; want 100 %%, no back-off, no limit, no opt-out", p)
			}
		})
	}
}
