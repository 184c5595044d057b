package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

// User agents of the analytics fixture's devices.
const (
	uaMac     = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36"
	uaIPhone  = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1"
	uaWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0"
)

// aaguidA is the AAGUID of the fixture's provider.
var aaguidA = []byte{0xfb, 0xfc, 0x30, 0x07, 0x15, 0x4e, 0x4e, 0xcc, 0x8c, 0x0b, 0x6e, 0x02, 0x05, 0x57, 0xd7, 0xbd}

// analyticsFixture stores, for tenant acme (and a little of globex, which
// must never count), users with passkeys and code methods, devices,
// actions over days 0..2 (and around) and uplift events. The comments
// say what each row is for; the tests below count them.
// foldAnalytics counts every pending write into the analytics' totals,
// as the server does every few seconds and the reports do before reading.
func foldAnalytics(t *testing.T, s *store.Store) {
	t.Helper()
	if _, err := s.FoldAnalytics(t.Context(), ""); err != nil {
		t.Fatal(err)
	}
}

func analyticsFixture(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := t.Context()
	mustCreateTenant(t, s, "acme", at(0))
	mustCreateTenant(t, s, "globex", at(0))
	for _, u := range []string{"u1", "u2", "u3", "u4"} {
		mustCreateUser(t, s, newUser("acme", u, at(0)))
	}
	mustCreateUser(t, s, newUser("globex", "u1", at(0)))

	passkey := func(tenant, user, id string, aaguid []byte, synced bool, created time.Time) {
		t.Helper()
		a := newAuthenticator(tenant, user, id, model.MethodPasskey, created)
		p := newPasskey(a, id)
		p.AAGUID, p.Flags.BackupEligible = aaguid, synced
		if err := s.CreatePasskey(ctx, a, p); err != nil {
			t.Fatalf("CreatePasskey(%s): %v", id, err)
		}
	}
	code := func(tenant, user, id string, method model.VerificationMethod, isDefault bool) {
		t.Helper()
		a := newAuthenticator(tenant, user, id, method, at(0))
		a.IsDefault = isDefault
		mustCreateAuthenticator(t, s, a)
	}
	passkey("acme", "u1", "pk1", aaguidA, true, on(0, time.Hour))
	passkey("acme", "u2", "pk2", make([]byte, 16), false, on(-5, 0)) // before the period
	passkey("acme", "u4", "pk4", aaguidA, false, on(1, 0))
	passkey("globex", "u1", "pk-g1", aaguidA, true, on(0, 0))
	code("acme", "u1", "sms1", model.MethodSMS, true)
	code("acme", "u1", "em1", model.MethodEmailOTP, false)
	code("acme", "u2", "em2", model.MethodEmailOTP, true)
	code("acme", "u3", "sms3", model.MethodSMS, false)
	code("acme", "u3", "app3", model.MethodAuthenticatorApp, true)

	for _, d := range []model.Device{{ID: "d1", UserAgent: uaMac}, {ID: "d2", UserAgent: uaIPhone},
		{ID: "d3", UserAgent: uaWindows}, {ID: "d4", UserAgent: uaWindows}, {ID: "d5", UserAgent: uaMac}} {
		d.TenantID, d.LastSeenAt = "acme", at(0)
		if err := s.TouchDevice(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	link := func(device, auth string, rel model.DevicePasskeyRelation) {
		t.Helper()
		if err := s.LinkDevicePasskey(ctx, model.DevicePasskey{TenantID: "acme", DeviceID: device, AuthenticatorID: auth,
			Relation: rel, FirstAt: at(0), LastAt: at(0)}); err != nil {
			t.Fatal(err)
		}
	}
	link("d1", "pk1", model.RelationCreated)
	link("d2", "pk2", model.RelationUsedPlatform)
	// u3 has no passkey: a device reported holding one counts for nothing.
	if err := s.MarkDeviceHoldsPasskey(ctx, "acme", "d4", "u3", at(0)); err != nil {
		t.Fatal(err)
	}

	n := 0
	action := func(tenant, user, device string, created time.Time, state model.ActionState, method model.VerificationMethod, auth string) {
		t.Helper()
		n++
		a := newAction(tenant, user, fmt.Sprintf("key-%d", n), "signIn", created)
		a.DeviceID, a.State, a.VerificationMethod, a.VerifiedAuthenticatorID = device, state, method, auth
		mustCreateAction(t, s, a)
	}
	const ok = model.StateChallengeSucceeded
	action("acme", "u1", "d1", on(0, 30*time.Minute), ok, model.MethodEmailOTP, "em1")   // before u1's passkey: no fallback
	action("acme", "u1", "d1", on(0, 2*time.Hour), ok, model.MethodPasskey, "pk1")       // saves a text message
	action("acme", "u1", "d1", on(1, 0), ok, model.MethodEmailOTP, "em1")                // fallback on a device with the passkey
	action("acme", "u2", "d2", on(0, 0), ok, model.MethodPasskey, "pk2")                 // saves an email
	action("acme", "u2", "d3", on(1, 0), ok, model.MethodSMS, "")                        // fallback on a device without it
	action("acme", "u3", "d4", on(2, 0), ok, model.MethodEmailOTP, "")                   // no passkey: no fallback
	action("acme", "u3", "d4", on(2, time.Hour), model.StateChallengeRequired, "", "")   // active, not a sign-in
	action("acme", "u4", "d5", on(2, 0), ok, model.MethodPasskey, "pk4")                 // no code method: saves nothing
	action("acme", "u1", "d1", on(3, 0), ok, model.MethodPasskey, "pk1")                 // after the period
	action("acme", "u1", "d1", on(0, -time.Microsecond), ok, model.MethodPasskey, "pk1") // before it
	action("globex", "u1", "d1", on(1, 0), ok, model.MethodPasskey, "pk-g1")

	e := 0
	event := func(tenant, user, device string, kind model.UpliftEventKind, reason, platform, code, variant string, when time.Time) {
		t.Helper()
		e++
		if err := s.RecordUpliftEvent(ctx, model.UpliftEvent{ID: fmt.Sprintf("e%d", e), TenantID: tenant, UserID: user,
			DeviceID: device, ActionCode: code, Kind: kind, Reason: reason, Platform: platform, Variant: variant, At: when}); err != nil {
			t.Fatal(err)
		}
	}
	const none = ""
	event("acme", "u1", "d1", model.UpliftShown, none, "macOS", "signIn", none, on(-1, 0)) // before: attempt 1
	event("acme", "u1", "d1", model.UpliftEvaluated, "eligible", "macOS", "signIn", none, on(0, 0))
	event("acme", "u1", "d1", model.UpliftShown, none, "macOS", "signIn", none, on(0, 0)) // attempt 2
	event("acme", "u1", "d1", model.UpliftDismissed, none, "macOS", "signIn", none, on(0, time.Minute))
	event("acme", "u1", "d1", model.UpliftShown, none, "macOS", "signIn", none, on(1, 0)) // attempt 3
	event("acme", "u1", "d1", model.UpliftAccepted, none, "macOS", "signIn", none, on(1, time.Minute))
	event("acme", "u2", "d2", model.UpliftShown, none, "iOS", "payment", "v1", on(0, 0)) // attempt 1
	event("acme", "u2", "d2", model.UpliftAccepted, none, "iOS", "payment", "v1", on(0, time.Minute))
	for i := range 5 { // attempts 1, 2, 3, 4 and 5 (counted as 4)
		event("acme", "u2", "d3", model.UpliftShown, none, "Windows", "signIn", none, on(0, time.Duration(i+1)*time.Hour))
	}
	event("acme", "u2", "d3", model.UpliftDismissed, none, "Windows", "signIn", none, on(0, 6*time.Hour))
	event("acme", "u3", "d-unknown", model.UpliftEvaluated, "device_unsupported", none, "signIn", none, on(2, 0))
	event("acme", "u1", "d1", model.UpliftShown, none, "macOS", "signIn", none, on(3, 0)) // after
	event("globex", "u1", "d1", model.UpliftShown, none, "macOS", "signIn", none, on(1, 0))
	foldAnalytics(t, s)
}

func TestAnalyticsQueries(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		analyticsFixture(t, s)
		ctx := t.Context()
		from, to := on(0, 0), on(3, 0)

		groups, err := s.UpliftEventGroups(ctx, "acme", from, to)
		if err != nil {
			t.Fatal(err)
		}
		type g = model.UpliftEventGroup
		wantGroups := []g{
			{Kind: model.UpliftAccepted, Platform: "iOS", ActionCode: "payment", Variant: "v1", Browser: "Safari", Count: 1},
			{Kind: model.UpliftAccepted, Platform: "macOS", ActionCode: "signIn", Browser: "Chrome", Count: 1},
			{Kind: model.UpliftDismissed, Platform: "Windows", ActionCode: "signIn", Browser: "Firefox", Count: 1},
			{Kind: model.UpliftDismissed, Platform: "macOS", ActionCode: "signIn", Browser: "Chrome", Count: 1},
			{Kind: model.UpliftEvaluated, Reason: "device_unsupported", ActionCode: "signIn", Count: 1},
			{Kind: model.UpliftEvaluated, Reason: "eligible", Platform: "macOS", ActionCode: "signIn", Browser: "Chrome", Count: 1},
			{Kind: model.UpliftShown, Platform: "Windows", ActionCode: "signIn", Browser: "Firefox", Count: 5},
			{Kind: model.UpliftShown, Platform: "iOS", ActionCode: "payment", Variant: "v1", Browser: "Safari", Count: 1},
			{Kind: model.UpliftShown, Platform: "macOS", ActionCode: "signIn", Browser: "Chrome", Count: 2},
		}
		if diff := cmp.Diff(groups, wantGroups); diff != "" {
			t.Errorf("UpliftEventGroups (-got +want):\n%s", diff)
		}

		attempts, err := s.PromptAttempts(ctx, "acme", from, to)
		if err != nil {
			t.Fatal(err)
		}
		a := func(kind model.UpliftEventKind, attempt, n int) model.PromptAttemptCount {
			return model.PromptAttemptCount{Kind: kind, Attempt: attempt, Count: n}
		}
		wantAttempts := []model.PromptAttemptCount{
			a(model.UpliftAccepted, 1, 1), a(model.UpliftAccepted, 3, 1),
			a(model.UpliftDismissed, 2, 1), a(model.UpliftDismissed, 4, 1),
			a(model.UpliftShown, 1, 2), a(model.UpliftShown, 2, 2), a(model.UpliftShown, 3, 2), a(model.UpliftShown, 4, 2),
		}
		if diff := cmp.Diff(attempts, wantAttempts); diff != "" {
			t.Errorf("PromptAttempts (-got +want):\n%s", diff)
		}

		passkeys, err := s.PasskeyGroups(ctx, "acme", from, to)
		if err != nil {
			t.Fatal(err)
		}
		const a1 = "fbfc3007-154e-4ecc-8c0b-6e020557d7bd"
		wantPasskeys := []model.PasskeyGroup{
			{AAGUID: "", Synced: false, Created: 0, SignIns: 1},
			{AAGUID: a1, Synced: false, Created: 1, SignIns: 1},
			{AAGUID: a1, Synced: true, Created: 1, SignIns: 1},
		}
		if diff := cmp.Diff(passkeys, wantPasskeys); diff != "" {
			t.Errorf("PasskeyGroups (-got +want):\n%s", diff)
		}

		coverage, err := s.DeviceCoverage(ctx, "acme", from, to)
		if err != nil {
			t.Fatal(err)
		}
		wantCoverage := model.DeviceCoverage{ActiveUsers: 4, ActiveUsersWithPasskey: 3, ActiveDevices: 5, ActiveDevicesWithPasskey: 2}
		if coverage != wantCoverage {
			t.Errorf("DeviceCoverage = %+v, want %+v", coverage, wantCoverage)
		}

		methods, err := s.SignInsByMethod(ctx, "acme", from, to)
		if err != nil {
			t.Fatal(err)
		}
		m := func(day time.Time, method model.VerificationMethod, n int) model.MethodDayCount {
			return model.MethodDayCount{Day: day, Method: method, Count: n}
		}
		wantMethods := []model.MethodDayCount{
			m(on(0, 0), model.MethodEmailOTP, 1), m(on(0, 0), model.MethodPasskey, 2),
			m(on(1, 0), model.MethodEmailOTP, 1), m(on(1, 0), model.MethodSMS, 1),
			m(on(2, 0), model.MethodEmailOTP, 1), m(on(2, 0), model.MethodPasskey, 1),
		}
		if diff := cmp.Diff(methods, wantMethods); diff != "" {
			t.Errorf("SignInsByMethod (-got +want):\n%s", diff)
		}

		fallbacks, err := s.FallbackSignIns(ctx, "acme", from, to)
		if err != nil {
			t.Fatal(err)
		}
		wantFallbacks := model.Fallbacks{PasskeyUsers: 3, FallbackUsers: 2, Devices: []model.FallbackDevice{
			{OS: "Windows", Browser: "Firefox", Method: model.MethodSMS, PasskeyOnDevice: false, SignIns: 1},
			{OS: "macOS", Browser: "Chrome", Method: model.MethodEmailOTP, PasskeyOnDevice: true, SignIns: 1},
		}}
		if diff := cmp.Diff(fallbacks, wantFallbacks); diff != "" {
			t.Errorf("FallbackSignIns (-got +want):\n%s", diff)
		}

		saved, err := s.SavedMessages(ctx, "acme", from, to)
		if err != nil {
			t.Fatal(err)
		}
		if want := (model.SavedMessages{TextMessages: 1, Emails: 1}); saved != want {
			t.Errorf("SavedMessages = %+v, want %+v", saved, want)
		}

		// The other tenant's rows, and a quiet period, count nothing.
		if got, err := s.PromptAttempts(ctx, "globex", on(2, 0), to); err != nil || len(got) != 0 {
			t.Errorf("globex's quiet days: PromptAttempts = %v, %v", got, err)
		}
		if got, err := s.DeviceCoverage(ctx, "initech", from, to); err != nil || got != (model.DeviceCoverage{}) {
			t.Errorf("unknown tenant: DeviceCoverage = %+v, %v", got, err)
		}
	})
}

func TestMessagePrices(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "acme", at(0))
		mustCreateTenant(t, s, "globex", at(0))
		if got, err := s.MessagePrices(ctx, "acme"); err != nil || got != (model.MessagePrices{}) {
			t.Fatalf("MessagePrices before any = %+v, %v; want none", got, err)
		}
		for _, p := range []model.MessagePrices{{Currency: "EUR", TextMessage: 7, Email: 1}, {Currency: "NZD", TextMessage: 12}} {
			if err := s.SaveMessagePrices(ctx, "acme", p, at(5)); err != nil {
				t.Fatal(err)
			}
			if got, err := s.MessagePrices(ctx, "acme"); err != nil || got != p {
				t.Errorf("MessagePrices = %+v, %v; want %+v", got, err, p)
			}
		}
		if got, err := s.MessagePrices(ctx, "globex"); err != nil || got != (model.MessagePrices{}) {
			t.Errorf("globex's MessagePrices = %+v, %v; want none", got, err)
		}
	})
}

func TestVariantLabels(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "acme", at(0))
		mustCreateTenant(t, s, "globex", at(0))
		for _, x := range []model.Experiment{
			{ID: "x1", TenantID: "acme", Name: "Shorter copy", Status: model.ExperimentRunning, CreatedAt: at(1),
				Variants: []model.Variant{{ID: "v-a", Label: "A", Weight: 1, PromptCopy: model.PromptCopy{Heading: "a", Explanation: "a"}},
					{ID: "v-b", Label: "B", Weight: 1, PromptCopy: model.PromptCopy{Heading: "b", Explanation: "b"}}}},
			{ID: "x2", TenantID: "globex", Name: "Theirs", Status: model.ExperimentRunning, CreatedAt: at(1),
				Variants: []model.Variant{{ID: "v-g", Label: "A", Weight: 1, PromptCopy: model.PromptCopy{Heading: "g", Explanation: "g"}}}},
		} {
			if err := s.CreateExperiment(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.VariantLabels(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		want := []model.VariantLabel{{ID: "v-a", Experiment: "Shorter copy", Label: "A"}, {ID: "v-b", Experiment: "Shorter copy", Label: "B"}}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("VariantLabels (-got +want):\n%s", diff)
		}
	})
}
