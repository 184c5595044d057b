package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

// day0 is the first UTC day of the dashboard fixtures.
var day0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// on returns the instant d after midnight of day n (counted from day0).
func on(n int, d time.Duration) time.Time {
	return day0.AddDate(0, 0, n).Add(d)
}

// lastMicro is the last stored instant of a day.
const lastMicro = 24*time.Hour - time.Microsecond

// dashboardFixture stores, for tenants acme and globex, passkeys and
// actions across the days around day0..day4.
func dashboardFixture(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := t.Context()
	mustCreateTenant(t, s, "acme", at(0))
	mustCreateTenant(t, s, "globex", at(0))
	for _, u := range []string{"u1", "u2", "u3", "u4"} {
		mustCreateUser(t, s, newUser("acme", u, at(0)))
	}
	mustCreateUser(t, s, newUser("globex", "u1", at(0)))

	passkey := func(tenant, user, id string, created time.Time) {
		t.Helper()
		a := newAuthenticator(tenant, user, id, model.MethodPasskey, created)
		if err := s.CreatePasskey(ctx, a, newPasskey(a, id)); err != nil {
			t.Fatalf("CreatePasskey(%s): %v", id, err)
		}
	}
	passkey("acme", "u1", "pk-u1", on(1, lastMicro)) // counts from day 1
	passkey("acme", "u2", "pk-u2", on(2, 0))         // counts from day 2
	passkey("acme", "u3", "pk-u3", on(0, time.Hour)) // deleted below: never counts
	passkey("globex", "u1", "pk-g1", on(0, 0))       // another tenant's user of the same id
	if err := s.DeleteAuthenticator(ctx, "acme", "u3", "pk-u3"); err != nil {
		t.Fatal(err)
	}

	n := 0
	action := func(tenant, user string, created time.Time, state model.ActionState, method model.VerificationMethod) {
		t.Helper()
		n++
		a := newAction(tenant, user, fmt.Sprintf("key-%d", n), "signIn", created)
		a.State, a.VerificationMethod = state, method
		mustCreateAction(t, s, a)
	}
	const (
		required  = model.StateChallengeRequired
		succeeded = model.StateChallengeSucceeded
	)
	action("acme", "u1", on(0, -time.Microsecond), succeeded, model.MethodPasskey) // the day before
	action("acme", "u1", on(0, 0), required, "")
	action("acme", "u1", on(0, time.Hour), succeeded, model.MethodEmailOTP)
	action("acme", "u2", on(0, lastMicro), succeeded, model.MethodPasskey)
	action("acme", "u1", on(1, time.Hour), succeeded, model.MethodPasskey)
	action("acme", "u1", on(1, 2*time.Hour), succeeded, model.MethodPasskey)
	action("acme", "u2", on(1, 12*time.Hour), model.StateAllow, "")
	// Verified by a challenge, then reviewed: still a sign-in.
	action("acme", "u3", on(1, 13*time.Hour), model.StateReviewSucceeded, model.MethodEmailOTP)
	action("acme", "u2", on(2, 0), succeeded, model.MethodPasskey)
	action("acme", "u4", on(2, time.Hour), model.StateChallengeFailed, "")
	action("acme", "u1", on(4, lastMicro), required, "")
	action("acme", "u1", on(5, 0), succeeded, model.MethodPasskey) // the day after
	action("globex", "u1", on(0, time.Hour), succeeded, model.MethodPasskey)
	action("globex", "u1", on(1, time.Hour), succeeded, model.MethodPasskey)
	action("globex", "u1", on(3, time.Hour), succeeded, model.MethodPasskey)
	foldAnalytics(t, s)
}

func TestAdoptionByDay(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		dashboardFixture(t, s)
		tests := []struct {
			name     string
			tenant   string
			from, to time.Time
			want     []model.AdoptionDay
		}{
			{"five days", "acme", on(0, 0), on(5, 0), []model.AdoptionDay{
				{Day: on(0, 0), ActiveUsers: 2, ActiveUsersWithPasskey: 0, SignIns: 2, PasskeySignIns: 1},
				{Day: on(1, 0), ActiveUsers: 3, ActiveUsersWithPasskey: 1, SignIns: 3, PasskeySignIns: 2},
				{Day: on(2, 0), ActiveUsers: 2, ActiveUsersWithPasskey: 1, SignIns: 1, PasskeySignIns: 1},
				{Day: on(4, 0), ActiveUsers: 1, ActiveUsersWithPasskey: 1},
			}},
			{"one day", "acme", on(1, 0), on(2, 0), []model.AdoptionDay{
				{Day: on(1, 0), ActiveUsers: 3, ActiveUsersWithPasskey: 1, SignIns: 3, PasskeySignIns: 2},
			}},
			{"the days around", "acme", on(-1, 0), on(6, 0), []model.AdoptionDay{
				{Day: on(-1, 0), ActiveUsers: 1, ActiveUsersWithPasskey: 0, SignIns: 1, PasskeySignIns: 1},
				{Day: on(0, 0), ActiveUsers: 2, ActiveUsersWithPasskey: 0, SignIns: 2, PasskeySignIns: 1},
				{Day: on(1, 0), ActiveUsers: 3, ActiveUsersWithPasskey: 1, SignIns: 3, PasskeySignIns: 2},
				{Day: on(2, 0), ActiveUsers: 2, ActiveUsersWithPasskey: 1, SignIns: 1, PasskeySignIns: 1},
				{Day: on(4, 0), ActiveUsers: 1, ActiveUsersWithPasskey: 1},
				{Day: on(5, 0), ActiveUsers: 1, ActiveUsersWithPasskey: 1, SignIns: 1, PasskeySignIns: 1},
			}},
			{"a quiet day", "acme", on(3, 0), on(4, 0), []model.AdoptionDay{}},
			{"the other tenant", "globex", on(0, 0), on(5, 0), []model.AdoptionDay{
				{Day: on(0, 0), ActiveUsers: 1, ActiveUsersWithPasskey: 1, SignIns: 1, PasskeySignIns: 1},
				{Day: on(1, 0), ActiveUsers: 1, ActiveUsersWithPasskey: 1, SignIns: 1, PasskeySignIns: 1},
				{Day: on(3, 0), ActiveUsers: 1, ActiveUsersWithPasskey: 1, SignIns: 1, PasskeySignIns: 1},
			}},
			{"an unknown tenant", "initech", on(0, 0), on(5, 0), []model.AdoptionDay{}},
		}
		for _, tt := range tests {
			got, err := s.AdoptionByDay(t.Context(), tt.tenant, tt.from, tt.to)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("%s: AdoptionByDay (-got +want):\n%s", tt.name, diff)
			}
		}
	})
}

func TestUpliftEventCounts(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "acme", at(0))
		mustCreateTenant(t, s, "globex", at(0))
		mustCreateUser(t, s, newUser("acme", "u1", at(0)))
		mustCreateUser(t, s, newUser("acme", "u2", at(0)))
		mustCreateUser(t, s, newUser("globex", "u1", at(0)))
		n := 0
		event := func(tenant, user string, kind model.UpliftEventKind, reason, platform string, when time.Time) {
			t.Helper()
			n++
			if err := s.RecordUpliftEvent(ctx, model.UpliftEvent{ID: fmt.Sprintf("e%d", n), TenantID: tenant,
				UserID: user, DeviceID: "d-" + user, Kind: kind, Reason: reason, Platform: platform, At: when}); err != nil {
				t.Fatal(err)
			}
		}
		event("acme", "u1", model.UpliftEvaluated, "eligible", "macOS", on(0, -time.Microsecond)) // before
		event("acme", "u1", model.UpliftEvaluated, "eligible", "macOS", on(0, 0))
		event("acme", "u2", model.UpliftEvaluated, "eligible", "macOS", on(1, time.Hour))
		event("acme", "u2", model.UpliftEvaluated, "eligible", "Windows", on(1, time.Hour))
		event("acme", "u1", model.UpliftEvaluated, "device_unsupported", "", on(1, 2*time.Hour))
		event("acme", "u1", model.UpliftEvaluated, "passkey_on_device", "Windows", on(2, 0))
		event("acme", "u1", model.UpliftShown, "", "macOS", on(0, time.Second))
		event("acme", "u2", model.UpliftShown, "", "macOS", on(1, time.Hour))
		event("acme", "u2", model.UpliftShown, "", "Windows", on(1, time.Hour))
		event("acme", "u1", model.UpliftAccepted, "", "macOS", on(0, time.Minute))
		event("acme", "u2", model.UpliftDismissed, "", "macOS", on(1, time.Hour))
		event("acme", "u2", model.UpliftFailed, "", "Windows", on(4, lastMicro))
		event("acme", "u2", model.UpliftShown, "", "Windows", on(5, 0)) // after
		event("globex", "u1", model.UpliftEvaluated, "eligible", "macOS", on(1, 0))
		event("globex", "u1", model.UpliftShown, "", "macOS", on(1, 0))

		foldAnalytics(t, s)
		got, err := s.UpliftEventCounts(ctx, "acme", on(0, 0), on(5, 0))
		if err != nil {
			t.Fatal(err)
		}
		want := []model.UpliftEventCount{
			{Kind: model.UpliftAccepted, Platform: "macOS", Count: 1},
			{Kind: model.UpliftDismissed, Platform: "macOS", Count: 1},
			{Kind: model.UpliftEvaluated, Reason: "device_unsupported", Platform: "", Count: 1},
			{Kind: model.UpliftEvaluated, Reason: "eligible", Platform: "Windows", Count: 1},
			{Kind: model.UpliftEvaluated, Reason: "eligible", Platform: "macOS", Count: 2},
			{Kind: model.UpliftEvaluated, Reason: "passkey_on_device", Platform: "Windows", Count: 1},
			{Kind: model.UpliftFailed, Platform: "Windows", Count: 1},
			{Kind: model.UpliftShown, Platform: "Windows", Count: 1},
			{Kind: model.UpliftShown, Platform: "macOS", Count: 2},
		}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("UpliftEventCounts (-got +want):\n%s", diff)
		}
		if got, err := s.UpliftEventCounts(ctx, "globex", on(2, 0), on(5, 0)); err != nil || len(got) != 0 {
			t.Errorf("globex's quiet days = %v, %v; want none", got, err)
		}
	})
}
