package prompt_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/policy"
	"github.com/uplift-dev/uplift/internal/prompt"
	"github.com/uplift-dev/uplift/internal/uplift"
)

func TestRolloutBucketIsStableAndSpread(t *testing.T) {
	if a, b := prompt.RolloutBucket("t1", "alice"), prompt.RolloutBucket("t1", "alice"); a != b {
		t.Fatalf("the same user got buckets %d and %d", a, b)
	}
	// The separator keeps "t1"+"0alice" and "t10"+"alice" apart.
	counts := make([]int, uplift.RolloutBuckets)
	differs := 0
	for i := range 10000 {
		user := fmt.Sprintf("user-%d", i)
		b := prompt.RolloutBucket("tenant", user)
		if b < 0 || b >= uplift.RolloutBuckets {
			t.Fatalf("bucket %d out of range", b)
		}
		counts[b]++
		if b != prompt.RolloutBucket("other-tenant", user) {
			differs++
		}
	}
	for b, n := range counts {
		if n < 50 || n > 150 {
			t.Errorf("bucket %d holds %d of 10000 users, want about 100", b, n)
		}
	}
	if differs < 9000 {
		t.Errorf("only %d of 10000 users change bucket with the tenant; the tenant should be part of the hash", differs)
	}
}

func TestEvaluateUpliftAdoptionSettings(t *testing.T) {
	w := newUpliftWorld(t)
	ctx := context.Background()
	dismiss := func() {
		t.Helper()
		if err := w.e.App.Prompt.RecordUplift(ctx, w.tenant, w.action, device, model.UpliftDismissed, ""); err != nil {
			t.Fatal(err)
		}
	}
	if got := w.decide(t, device); got.Reason != uplift.ReasonEligible {
		t.Fatalf("before any setting: %s", got.Reason)
	}

	bucket := prompt.RolloutBucket(w.tenant.ID, "u")
	w.passkeySettings(func(ps *policy.PasskeySettings) { ps.Passkey.EnrollmentPromptRolloutPercent = bucket })
	if got := w.decide(t, device); got.Reason != uplift.ReasonNotInRollout {
		t.Errorf("rollout at the user's bucket %d: %s, want not_in_rollout", bucket, got.Reason)
	}
	w.passkeySettings(func(ps *policy.PasskeySettings) { ps.Passkey.EnrollmentPromptRolloutPercent = bucket + 1 })
	if got := w.decide(t, device); got.Reason != uplift.ReasonEligible {
		t.Errorf("rollout just past the user's bucket %d: %s, want eligible", bucket, got.Reason)
	}

	// Back-off: 10 s interval, each dismissal doubles the wait.
	w.passkeySettings(func(ps *policy.PasskeySettings) {
		ps.Passkey.EnrollmentPromptInterval, ps.Passkey.EnrollmentPromptBackoff = 10, true
	})
	dismiss()
	first := w.e.Clock.Now().Truncate(time.Microsecond) // events are stored to the microsecond
	if got := w.decide(t, device); got.Reason != uplift.ReasonFrequencyNotElapsed || !got.NextEligibleAt.Equal(first.Add(10*time.Second)) {
		t.Errorf("after one dismissal: %+v, want hidden until %v", got, first.Add(10*time.Second))
	}
	w.e.Clock.Advance(10 * time.Second)
	if got := w.decide(t, device); got.Reason != uplift.ReasonEligible {
		t.Errorf("after the interval: %s", got.Reason)
	}
	dismiss()
	second := w.e.Clock.Now().Truncate(time.Microsecond)
	if got := w.decide(t, device); !got.NextEligibleAt.Equal(second.Add(20 * time.Second)) {
		t.Errorf("after the second dismissal: %+v, want hidden until %v", got, second.Add(20*time.Second))
	}

	// The limit counts this device's dismissals only.
	w.passkeySettings(func(ps *policy.PasskeySettings) {
		ps.Passkey.EnrollmentPromptInterval, ps.Passkey.EnrollmentPromptMaxDismissals = 0, 2
	})
	if got := w.decide(t, device); got.Reason != uplift.ReasonDismissalLimitReached {
		t.Errorf("two dismissals with a limit of 2: %s", got.Reason)
	}
	w.device("device-2", map[string]any{prompt.CapPublicKeyCredential: true, prompt.CapPlatformAuthenticator: true})
	if got := w.decide(t, "device-2"); got.Reason != uplift.ReasonEligible {
		t.Errorf("another device: %s", got.Reason)
	}

	// Opting out needs the setting, then holds on every device until reset.
	if err := w.e.App.Prompt.RecordUplift(ctx, w.tenant, w.action, "device-2", model.UpliftOptedOut, ""); err == nil {
		t.Error("opted out while the tenant does not offer it")
	}
	w.passkeySettings(func(ps *policy.PasskeySettings) { ps.Passkey.EnrollmentPromptAllowOptOut = true })
	if err := w.e.App.Prompt.RecordUplift(ctx, w.tenant, w.action, "device-2", model.UpliftOptedOut, ""); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{device, "device-2", "device-3"} {
		w.device(d, map[string]any{prompt.CapPublicKeyCredential: true, prompt.CapPlatformAuthenticator: true})
		// On the first device opted_out also comes before dismissal_limit_reached.
		if got := w.decide(t, d); got.Reason != uplift.ReasonOptedOut {
			t.Errorf("opted out, %s: %s, want opted_out", d, got.Reason)
		}
	}
	dg, err := w.e.App.Prompt.DiagnoseUplift(ctx, w.tenant, "u", "device-3", "signIn")
	if err != nil || dg.OptedOutAt.IsZero() || dg.Decision.Reason != uplift.ReasonOptedOut {
		t.Errorf("diagnosis = %+v, %v; want opted out with its time", dg, err)
	}
	if reset, err := w.e.App.Prompt.ResetOptOut(ctx, w.tenant.ID, "u"); err != nil || !reset {
		t.Fatalf("reset = %v, %v", reset, err)
	}
	if got := w.decide(t, "device-3"); got.Reason != uplift.ReasonEligible {
		t.Errorf("after the reset: %s", got.Reason)
	}
	if _, err := w.e.App.Prompt.ResetOptOut(ctx, w.tenant.ID, "nobody"); err == nil {
		t.Error("reset the opt-out of a user that does not exist")
	}
}

func TestPromptSwitchPrecedence(t *testing.T) {
	w := newUpliftWorld(t)
	for _, tt := range []struct {
		name          string
		tenantOff     bool
		actionDisable bool
		actionPrompts bool
		want          uplift.Reason
		from          uplift.Level
	}{
		{"tenant on, action inherits", false, false, false, uplift.ReasonEligible, uplift.LevelTenant},
		{"tenant on, action off", false, true, false, uplift.ReasonPromptDisabled, uplift.LevelAction},
		{"tenant off, action on", true, false, true, uplift.ReasonEligible, uplift.LevelAction},
		{"tenant off, action inherits", true, false, false, uplift.ReasonPromptDisabled, uplift.LevelTenant},
		{"off beats on in one action", false, true, true, uplift.ReasonPromptDisabled, uplift.LevelAction},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			w.passkeySettings(func(ps *policy.PasskeySettings) { ps.Passkey.DisableEnrollmentPrompt = tt.tenantOff })
			if _, err := w.e.App.Policy.UpdateActionConfig(ctx, w.tenant, "signIn", func(c *model.ActionConfig) {
				c.DisablePromptToEnroll, c.PromptToEnrollMethods = tt.actionDisable, nil
				if tt.actionPrompts {
					c.PromptToEnrollMethods = []model.VerificationMethod{model.MethodPasskey}
				}
			}); err != nil {
				t.Fatal(err)
			}
			if got := w.decide(t, device); got.Reason != tt.want {
				t.Errorf("decision %s, want %s", got.Reason, tt.want)
			}
			dg, err := w.e.App.Prompt.DiagnoseUplift(ctx, w.tenant, "u", device, "signIn")
			if err != nil || dg.PromptFrom != tt.from {
				t.Errorf("diagnosis from %q (%v), want %q", dg.PromptFrom, err, tt.from)
			}
		})
	}
}
