package store_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

// TestAnalyticsTotalsMatchRecount makes a random sequence of the writes
// the analytics count (actions tracked, some backdated, and their state
// changes; passkeys created; passkeys linked to or reported held on
// devices; uplift events; users deleted and made again), folding them at
// random points, and checks that the folded totals equal a recount from
// the raw rows, and that the reports read the same from both.
func TestAnalyticsTotalsMatchRecount(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		for seed := range uint64(8) {
			t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { randomAnalyticsWrites(t, s, seed) })
		}
	})
}

func randomAnalyticsWrites(t *testing.T, s *store.Store, seed uint64) {
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(seed, 17))
	tenant := fmt.Sprintf("acme-%d", seed)
	mustCreateTenant(t, s, tenant, at(0))
	users := []string{"u0", "u1", "u2", "u3", "u4"}
	ensureUser := func(u string) {
		if _, err := s.CreateUserIfMissing(ctx, newUser(tenant, u, at(0))); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range users {
		ensureUser(u)
	}
	agents := []string{uaMac, uaIPhone, uaWindows, ""}
	devices := []string{"d0", "d1", "d2", "d3"}
	now := day0
	touch := func(d string) {
		if err := s.TouchDevice(ctx, model.Device{TenantID: tenant, ID: d, UserAgent: agents[rng.IntN(len(agents))],
			CreatedAt: now, LastSeenAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range devices[:3] {
		touch(d)
	}
	passkeys := map[string][]string{} // user → passkey authenticator ids
	var keys []string                 // action idempotency keys
	actionUser := map[string]string{}
	held := map[string]bool{}
	n := 0
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	methods := []model.VerificationMethod{"", model.MethodPasskey, model.MethodEmailOTP, model.MethodSMS, model.MethodSecurityKey}
	states := []model.ActionState{model.StateChallengeRequired, model.StateChallengeSucceeded, model.StateAllow,
		model.StateChallengeFailed, model.StateReviewRequired}
	methodFor := func(u string) (model.VerificationMethod, string) {
		m := methods[rng.IntN(len(methods))]
		if m == model.MethodPasskey {
			if pks := passkeys[u]; len(pks) > 0 {
				return m, pick(pks)
			}
		}
		return m, ""
	}
	for range 250 {
		if rng.IntN(8) == 0 { // the folder runs between writes, for this tenant or all
			if _, err := s.FoldAnalytics(ctx, pick([]string{tenant, ""})); err != nil {
				t.Fatal(err)
			}
		}
		now = now.Add(time.Duration(rng.IntN(36*60)) * time.Minute)
		n++
		id := func(prefix string) string { return fmt.Sprintf("%s-%d-%d", prefix, seed, n) }
		switch op := rng.IntN(20); {
		case op < 7: // track an action, now or up to three days back
			u := pick(users)
			created := now
			if rng.IntN(5) == 0 {
				created = now.Add(-time.Duration(rng.IntN(72*60)) * time.Minute)
			}
			a := newAction(tenant, u, id("key"), pick([]string{"signIn", "payment"}), created)
			a.DeviceID = pick(append(devices, ""))
			a.State = states[rng.IntN(len(states))]
			a.VerificationMethod, a.VerifiedAuthenticatorID = methodFor(u)
			mustCreateAction(t, s, a)
			keys = append(keys, a.IdempotencyKey)
			actionUser[a.IdempotencyKey] = u
		case op < 10 && len(keys) > 0: // change an action's state
			key := pick(keys)
			a, err := s.Action(ctx, tenant, key)
			if err != nil {
				t.Fatal(err)
			}
			a.State, a.StateUpdatedAt, a.StateSource = states[rng.IntN(len(states))], now, model.SourceServerAPI
			a.VerificationMethod, a.VerifiedAuthenticatorID = methodFor(a.UserID)
			if err := s.SetActionState(ctx, a); err != nil {
				t.Fatal(err)
			}
		case op < 12: // a passkey
			u := pick(users)
			id := id("pk")
			a := newAuthenticator(tenant, u, id, model.MethodPasskey, now)
			p := newPasskey(a, id)
			p.AAGUID = [][]byte{aaguidA, make([]byte, 16), []byte("0123456789abcdef")}[rng.IntN(3)]
			p.Flags.BackupEligible = rng.IntN(2) == 0
			if err := s.CreatePasskey(ctx, a, p); err != nil {
				t.Fatal(err)
			}
			passkeys[u] = append(passkeys[u], id)
		case op < 13: // a code method
			u := pick(users)
			method := model.MethodSMS
			if rng.IntN(2) == 0 {
				method = model.MethodEmailOTP
			}
			a := newAuthenticator(tenant, u, id("code"), method, now)
			a.IsDefault = rng.IntN(2) == 0
			mustCreateAuthenticator(t, s, a)
		case op < 15: // a passkey known on a device
			u := pick(users)
			if len(passkeys[u]) == 0 {
				continue
			}
			if err := s.LinkDevicePasskey(ctx, model.DevicePasskey{TenantID: tenant, DeviceID: pick(devices[:3]),
				AuthenticatorID: pick(passkeys[u]), Relation: model.RelationUsedPlatform, FirstAt: now, LastAt: now}); err != nil {
				t.Fatal(err)
			}
		case op < 16: // a device reports holding one of the user's passkeys (once)
			u, d := pick(users), pick(devices)
			if held[u+d] {
				continue
			}
			held[u+d] = true
			if err := s.MarkDeviceHoldsPasskey(ctx, tenant, d, u, now); err != nil {
				t.Fatal(err)
			}
		case op < 19: // an uplift event
			kinds := []model.UpliftEventKind{model.UpliftEvaluated, model.UpliftShown, model.UpliftShown,
				model.UpliftAccepted, model.UpliftDismissed, model.UpliftOptedOut, model.UpliftFailed}
			e := model.UpliftEvent{ID: id("e"), TenantID: tenant, UserID: pick(users), DeviceID: pick(devices),
				ActionCode: "signIn", Kind: kinds[rng.IntN(len(kinds))], Platform: pick([]string{"macOS", "iOS", ""}),
				Variant: pick([]string{"", "v1"}), At: now}
			if e.Kind == model.UpliftEvaluated {
				e.Reason = pick([]string{"eligible", "passkey_on_device"})
			}
			if err := s.RecordUpliftEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
		case op < 20: // a user deleted, then seen again; the device's agent changes
			u := pick(users)
			if err := s.DeleteUser(ctx, tenant, u); err != nil {
				t.Fatal(err)
			}
			ensureUser(u)
			delete(passkeys, u)
			for k, owner := range actionUser {
				if owner == u {
					keys = slices.DeleteFunc(keys, func(x string) bool { return x == k })
					delete(actionUser, k)
				}
			}
			for k := range held {
				if k[:2] == u {
					delete(held, k)
				}
			}
			touch(pick(devices))
		}
	}

	period := func() (time.Time, time.Time) { return day0, now.AddDate(0, 0, 1).Truncate(24 * time.Hour) }
	reports := func() string {
		from, to := period()
		var out []any
		for _, read := range []func() (any, error){
			func() (any, error) { return s.UpliftEventGroups(ctx, tenant, from, to) },
			func() (any, error) { return s.PromptAttempts(ctx, tenant, from, to) },
			func() (any, error) { return s.PasskeyGroups(ctx, tenant, from, to) },
			func() (any, error) { return s.DeviceCoverage(ctx, tenant, from, to) },
			func() (any, error) { return s.DeviceCoverage(ctx, tenant, from.AddDate(0, 0, 3), to) },
			func() (any, error) { return s.SignInsByMethod(ctx, tenant, from, to) },
			func() (any, error) { return s.FallbackSignIns(ctx, tenant, from, to) },
			func() (any, error) { return s.FallbackSignIns(ctx, tenant, from.AddDate(0, 0, 5), to) },
			func() (any, error) { return s.SavedMessages(ctx, tenant, from, to) },
			func() (any, error) { return s.AdoptionByDay(ctx, tenant, from, to) },
		} {
			r, err := read()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		return fmt.Sprintf("%+v", out)
	}
	foldAnalytics(t, s)
	keptReports := reports()
	kept := checkTotalsMatchRecount(t, s)
	if got := reports(); got != keptReports {
		t.Errorf("reports after a recount:\n%s\nbefore:\n%s", got, keptReports)
	}
	if len(kept) < 50 {
		t.Errorf("only %d total rows: the random writes counted too little to test", len(kept))
	}
}

// TestAnalyticsBackfill: a database upgraded to the totals (its rows
// counted nothing yet) gets them at its next Migrate, and the reports
// read as they did when every write counted itself.
func TestAnalyticsBackfill(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		analyticsFixture(t, s)
		reports := func() string {
			from, to := on(-1, 0), on(4, 0)
			var out []any
			for _, read := range []func() (any, error){
				func() (any, error) { return s.UpliftEventGroups(ctx, "acme", from, to) },
				func() (any, error) { return s.PromptAttempts(ctx, "acme", from, to) },
				func() (any, error) { return s.PasskeyGroups(ctx, "acme", from, to) },
				func() (any, error) { return s.DeviceCoverage(ctx, "acme", from, to) },
				func() (any, error) { return s.SignInsByMethod(ctx, "acme", from, to) },
				func() (any, error) { return s.FallbackSignIns(ctx, "acme", from, to) },
				func() (any, error) { return s.SavedMessages(ctx, "acme", from, to) },
				func() (any, error) { return s.AdoptionByDay(ctx, "acme", from, to) },
			} {
				r, err := read()
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, r)
			}
			return fmt.Sprintf("%+v", out)
		}
		want := reports()
		totals, err := s.AnalyticsTotals(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ForgetAnalytics(ctx); err != nil {
			t.Fatal(err)
		}
		if got := reports(); got == want {
			t.Fatal("the reports read the same with no totals: the test proves nothing")
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if got := reports(); got != want {
			t.Errorf("reports after the backfill:\n%s\nwhen counted on write:\n%s", got, want)
		}
		after, err := s.AnalyticsTotals(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(totals, after); diff != "" {
			t.Errorf("totals after the backfill (-on write +backfilled):\n%s", diff)
		}
		// It ran once: another Migrate finds nothing asked.
		if err := s.ForgetAnalyticsTotalsOnly(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if got := reports(); got == want {
			t.Error("a second Migrate backfilled again")
		}
	})
}

// TestAnalyticsFoldBesideWrites folds without pause while writers track
// actions and change their states at once, as sign-ins do beside the
// server's folder, then checks the totals against a recount: a state
// change that lands while its action is being counted must be counted
// too, whether or not it added a pending row of its own.
func TestAnalyticsFoldBesideWrites(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "acme", at(0))
		const writers, each = 4, 40
		for w := range writers {
			if _, err := s.CreateUserIfMissing(ctx, newUser("acme", fmt.Sprint("u", w), at(0))); err != nil {
				t.Fatal(err)
			}
		}
		done := make(chan struct{})
		folded := make(chan error, 1)
		go func() {
			for {
				select {
				case <-done:
					folded <- nil
					return
				default:
				}
				if _, err := s.FoldAnalytics(ctx, ""); err != nil {
					folded <- err
					return
				}
			}
		}()
		errs := make(chan error, writers)
		for w := range writers {
			go func() {
				for i := range each {
					a := newAction("acme", fmt.Sprint("u", w), fmt.Sprintf("k%d-%d", w, i), "signIn", day0.Add(time.Duration(i)*time.Hour))
					a.DeviceID = fmt.Sprint("d", w)
					if _, _, err := s.CreateAction(ctx, a); err != nil {
						errs <- err
						return
					}
					a.State, a.VerificationMethod, a.StateSource = model.StateChallengeSucceeded, model.MethodEmailOTP, model.SourceChallenge
					if i%3 == 0 {
						a.VerificationMethod = model.MethodSMS
					}
					if err := s.SetActionState(ctx, a); err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range writers {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		close(done)
		if err := <-folded; err != nil {
			t.Fatal(err)
		}
		foldAnalytics(t, s)
		checkTotalsMatchRecount(t, s)
		methods, err := s.SignInsByMethod(ctx, "acme", day0, day0.AddDate(0, 0, 3))
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, m := range methods {
			total += m.Count
		}
		if total != writers*each {
			t.Errorf("%d sign-ins counted, want %d: %+v", total, writers*each, methods)
		}
	})
}

// checkTotalsMatchRecount recounts every total from the raw rows and
// fails the test when a total differs from what was folded; it returns
// the folded totals.
func checkTotalsMatchRecount(t *testing.T, s *store.Store) []string {
	t.Helper()
	ctx := t.Context()
	folded, err := s.AnalyticsTotals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RecountAnalytics(ctx); err != nil {
		t.Fatal(err)
	}
	recounted, err := s.AnalyticsTotals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(folded, recounted); diff != "" {
		t.Errorf("folded totals differ from a recount (-folded +recounted):\n%s", diff)
	}
	return folded
}
