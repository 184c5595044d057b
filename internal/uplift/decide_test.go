package uplift

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uplift-dev/uplift/internal/puretest"
)

var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// eligible returns an Input that passes every check, with a recovery
// requirement the user meets and a dismissal older than the interval, so that
// each test can break exactly the checks it is about.
func eligible() Input {
	return Input{
		TenantPromptEnabled:   true,
		ActionPromptEnabled:   true,
		RulePromptEnabled:     true,
		Authenticated:         true,
		RecoveryMethods:       []string{"EMAIL_OTP", "SMS"},
		VerifiedMethods:       []string{"PASSKEY", "SMS"},
		PlatformAuthenticator: true,
		PasskeyOnDevice:       false,
		Interval:              day,
		LastDismissal:         now.Add(-2 * day),
		Now:                   now,
	}
}

// with returns eligible() changed by each of edits in turn.
func with(edits ...func(*Input)) Input {
	in := eligible()
	for _, edit := range edits {
		edit(&in)
	}
	return in
}

// One edit per row of SPEC §4, each making exactly that check fail.
var (
	promptOff = func(in *Input) {
		in.TenantPromptEnabled, in.ActionPromptEnabled, in.RulePromptEnabled = false, false, false
	}
	notAuthenticated = func(in *Input) { in.Authenticated = false }
	noRecovery       = func(in *Input) { in.VerifiedMethods = []string{"PASSKEY", "AUTHENTICATOR_APP"} }
	noPlatform       = func(in *Input) { in.PlatformAuthenticator = false }
	passkeyHere      = func(in *Input) { in.PasskeyOnDevice = true }
	dismissedHourAgo = func(in *Input) { in.LastDismissal = now.Add(-time.Hour) }
)

func shown() Decision { return Decision{Show: true, Reason: ReasonEligible} }

func hiddenBy(r Reason) Decision { return Decision{Reason: r} }

func notElapsed(next time.Time) Decision {
	return Decision{Reason: ReasonFrequencyNotElapsed, NextEligibleAt: next}
}

type decideCase struct {
	name string
	in   Input
	want Decision
}

func runDecideCases(t *testing.T, cases []decideCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Decide(tc.in)
			if diff := cmp.Diff(got, tc.want); diff != "" {
				t.Errorf("Decide() mismatch (-got +want):\n%s", diff)
			}
		})
	}
}

func TestDecideEachRow(t *testing.T) {
	runDecideCases(t, []decideCase{
		{"1 prompt_disabled", with(promptOff), hiddenBy(ReasonPromptDisabled)},
		{"2 not_authenticated", with(notAuthenticated), hiddenBy(ReasonNotAuthenticated)},
		{"3 no_recovery_method", with(noRecovery), hiddenBy(ReasonNoRecoveryMethod)},
		{"4 device_unsupported", with(noPlatform), hiddenBy(ReasonDeviceUnsupported)},
		{"5 passkey_on_device", with(passkeyHere), hiddenBy(ReasonPasskeyOnDevice)},
		{"6 frequency_not_elapsed", with(dismissedHourAgo), notElapsed(now.Add(-time.Hour).Add(day))},
		{"eligible", eligible(), shown()},
	})
}

func TestDecideFirstFailingCheckWins(t *testing.T) {
	runDecideCases(t, []decideCase{
		{"disabled and not authenticated", with(promptOff, notAuthenticated), hiddenBy(ReasonPromptDisabled)},
		{"not authenticated and no recovery method", with(notAuthenticated, noRecovery), hiddenBy(ReasonNotAuthenticated)},
		{"no recovery method and unsupported device", with(noRecovery, noPlatform), hiddenBy(ReasonNoRecoveryMethod)},
		{"unsupported device and passkey on device", with(noPlatform, passkeyHere), hiddenBy(ReasonDeviceUnsupported)},
		{"passkey on device and recent dismissal", with(passkeyHere, dismissedHourAgo), hiddenBy(ReasonPasskeyOnDevice)},
		{"disabled and recent dismissal", with(promptOff, dismissedHourAgo), hiddenBy(ReasonPromptDisabled)},
		{"not authenticated and unsupported device", with(notAuthenticated, noPlatform), hiddenBy(ReasonNotAuthenticated)},
		{"no recovery method and recent dismissal", with(noRecovery, dismissedHourAgo), hiddenBy(ReasonNoRecoveryMethod)},
		{
			"every check fails",
			with(promptOff, notAuthenticated, noRecovery, noPlatform, passkeyHere, dismissedHourAgo),
			hiddenBy(ReasonPromptDisabled),
		},
		{
			"every check but the last fails",
			with(notAuthenticated, noRecovery, noPlatform, passkeyHere, dismissedHourAgo),
			hiddenBy(ReasonNotAuthenticated),
		},
	})
}

func TestDecideSwitches(t *testing.T) {
	only := func(tenant, action, rule bool) func(*Input) {
		return func(in *Input) {
			in.TenantPromptEnabled, in.ActionPromptEnabled, in.RulePromptEnabled = tenant, action, rule
		}
	}
	runDecideCases(t, []decideCase{
		{"tenant alone", with(only(true, false, false)), shown()},
		{"action alone", with(only(false, true, false)), shown()},
		{"rule alone", with(only(false, false, true)), shown()},
		{"all three", with(only(true, true, true)), shown()},
		{"none", with(only(false, false, false)), hiddenBy(ReasonPromptDisabled)},
	})
}

func TestDecideRecoveryMethods(t *testing.T) {
	methods := func(recovery, verified []string) func(*Input) {
		return func(in *Input) { in.RecoveryMethods, in.VerifiedMethods = recovery, verified }
	}
	runDecideCases(t, []decideCase{
		{"empty list is no requirement", with(methods([]string{}, nil)), shown()},
		{"nil list is no requirement", with(methods(nil, nil)), shown()},
		{"no requirement with a passkey only", with(methods(nil, []string{"PASSKEY"})), shown()},
		{"only a non-recovery method", with(methods([]string{"EMAIL_OTP"}, []string{"AUTHENTICATOR_APP"})), hiddenBy(ReasonNoRecoveryMethod)},
		{"only a passkey", with(methods([]string{"EMAIL_OTP"}, []string{"PASSKEY"})), hiddenBy(ReasonNoRecoveryMethod)},
		{"no verified method", with(methods([]string{"EMAIL_OTP", "SMS"}, nil)), hiddenBy(ReasonNoRecoveryMethod)},
		{"first of several", with(methods([]string{"EMAIL_OTP", "SMS"}, []string{"EMAIL_OTP"})), shown()},
		{"last of several", with(methods([]string{"EMAIL_OTP", "SMS"}, []string{"PASSKEY", "SMS"})), shown()},
		{"compared exactly", with(methods([]string{"EMAIL_OTP"}, []string{"email_otp"})), hiddenBy(ReasonNoRecoveryMethod)},
	})
}

func TestDecideFrequency(t *testing.T) {
	dismissal := func(interval time.Duration, last time.Time) func(*Input) {
		return func(in *Input) { in.Interval, in.LastDismissal = interval, last }
	}
	runDecideCases(t, []decideCase{
		{"just before the interval", with(dismissal(day, now.Add(-day+time.Nanosecond))), notElapsed(now.Add(time.Nanosecond))},
		{"a second before the interval", with(dismissal(day, now.Add(-day+time.Second))), notElapsed(now.Add(time.Second))},
		{"exactly at the interval", with(dismissal(day, now.Add(-day))), shown()},
		{"after the interval", with(dismissal(day, now.Add(-day-time.Second))), shown()},
		{"dismissed at this instant", with(dismissal(day, now)), notElapsed(now.Add(day))},
		{"zero interval with a recent dismissal", with(dismissal(0, now.Add(-time.Second))), shown()},
		{"zero interval dismissed at this instant", with(dismissal(0, now)), shown()},
		{"zero interval with a future dismissal", with(dismissal(0, now.Add(time.Hour))), shown()},
		{"negative interval is every challenge", with(dismissal(-day, now.Add(-time.Second))), shown()},
		{"never dismissed", with(dismissal(day, time.Time{})), shown()},
		{"never dismissed with zero interval", with(dismissal(0, time.Time{})), shown()},
		{"future dismissal counts as just dismissed", with(dismissal(day, now.Add(time.Hour))), notElapsed(now.Add(time.Hour + day))},
		{"far future dismissal", with(dismissal(day, now.Add(30*day))), notElapsed(now.Add(31 * day))},
		{"three-month preset", with(dismissal(90*day, now.Add(-89*day))), notElapsed(now.Add(day))},
	})
}

// facts are the independent yes/no facts the uplift table depends on.
type facts struct {
	tenant, action, rule    bool
	authenticated           bool
	recoveryRequired        bool
	hasRecoveryMethod       bool
	platform                bool
	passkeyHere             bool
	intervalSet             bool
	dismissed               bool
	dismissedWithinInterval bool
}

const factCount = 11

func factsFromBits(bits uint) facts {
	bit := func(i uint) bool { return bits&(1<<i) != 0 }
	return facts{
		tenant: bit(0), action: bit(1), rule: bit(2),
		authenticated:           bit(3),
		recoveryRequired:        bit(4),
		hasRecoveryMethod:       bit(5),
		platform:                bit(6),
		passkeyHere:             bit(7),
		intervalSet:             bit(8),
		dismissed:               bit(9),
		dismissedWithinInterval: bit(10),
	}
}

func (f facts) input() Input {
	in := Input{
		TenantPromptEnabled:   f.tenant,
		ActionPromptEnabled:   f.action,
		RulePromptEnabled:     f.rule,
		Authenticated:         f.authenticated,
		VerifiedMethods:       []string{"PASSKEY", "AUTHENTICATOR_APP"},
		PlatformAuthenticator: f.platform,
		PasskeyOnDevice:       f.passkeyHere,
		Now:                   now,
	}
	if f.recoveryRequired {
		in.RecoveryMethods = []string{"EMAIL_OTP", "SMS"}
	}
	if f.hasRecoveryMethod {
		in.VerifiedMethods = append(in.VerifiedMethods, "SMS")
	}
	if f.intervalSet {
		in.Interval = day
	}
	if f.dismissed {
		in.LastDismissal = now.Add(-2 * day)
		if f.dismissedWithinInterval {
			in.LastDismissal = now.Add(-time.Hour)
		}
	}
	return in
}

// wantReason restates SPEC §4 directly over the facts: the first row whose
// "hidden when" holds names the reason.
func (f facts) wantReason() Reason {
	table := []struct {
		reason     Reason
		hiddenWhen bool
	}{
		{ReasonPromptDisabled, !f.tenant && !f.action && !f.rule},
		{ReasonNotAuthenticated, !f.authenticated},
		{ReasonNoRecoveryMethod, f.recoveryRequired && !f.hasRecoveryMethod},
		{ReasonDeviceUnsupported, !f.platform},
		{ReasonPasskeyOnDevice, f.passkeyHere},
		{ReasonFrequencyNotElapsed, f.intervalSet && f.dismissed && f.dismissedWithinInterval},
	}
	for _, row := range table {
		if row.hiddenWhen {
			return row.reason
		}
	}
	return ReasonEligible
}

func TestDecideAllCombinations(t *testing.T) {
	seen := map[Reason]int{}
	for bits := uint(0); bits < 1<<factCount; bits++ {
		f := factsFromBits(bits)
		in := f.input()
		reason := f.wantReason()
		want := Decision{Show: reason == ReasonEligible, Reason: reason}
		if reason == ReasonFrequencyNotElapsed {
			want.NextEligibleAt = in.LastDismissal.Add(in.Interval)
		}
		got := Decide(in)
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("facts %+v: Decide() mismatch (-got +want):\n%s", f, diff)
		}
		seen[got.Reason]++
	}
	// Every reason must be reachable, or the enumeration is not covering the table.
	for _, r := range allReasons {
		if seen[r] == 0 {
			t.Errorf("reason %q never produced across %d combinations", r, 1<<factCount)
		}
	}
}

var allReasons = []Reason{
	ReasonPromptDisabled,
	ReasonNotAuthenticated,
	ReasonNoRecoveryMethod,
	ReasonDeviceUnsupported,
	ReasonPasskeyOnDevice,
	ReasonFrequencyNotElapsed,
	ReasonEligible,
}

var sink Decision

func TestDecideDoesNotAllocate(t *testing.T) {
	for _, in := range []Input{eligible(), with(noRecovery), with(dismissedHourAgo), with(promptOff)} {
		allocs := testing.AllocsPerRun(1000, func() { sink = Decide(in) })
		if allocs != 0 {
			t.Errorf("Decide(%+v) allocated %v times per call, want 0", in, allocs)
		}
	}
}

func BenchmarkDecide(b *testing.B) {
	// The eligible path runs every check, including the recovery-method loop.
	in := eligible()
	b.ReportAllocs()
	for b.Loop() {
		sink = Decide(in)
	}
}

// TestPackageIsPure proves the decision does no I/O: not even os.
func TestPackageIsPure(t *testing.T) {
	puretest.Check(t, "github.com/uplift-dev/uplift/internal/uplift", nil, "os")
}
