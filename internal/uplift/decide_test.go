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
		Authenticated:         true,
		RolloutPercent:        100,
		RolloutBucket:         99,
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
	promptOff        = func(in *Input) { in.TenantPromptEnabled = false }
	notAuthenticated = func(in *Input) { in.Authenticated = false }
	outOfRollout     = func(in *Input) { in.RolloutPercent, in.RolloutBucket = 30, 30 }
	noRecovery       = func(in *Input) { in.VerifiedMethods = []string{"PASSKEY", "AUTHENTICATOR_APP"} }
	noPlatform       = func(in *Input) { in.PlatformAuthenticator = false }
	passkeyHere      = func(in *Input) { in.PasskeyOnDevice = true }
	optedOut         = func(in *Input) { in.OptedOut = true }
	limitReached     = func(in *Input) { in.MaxDismissals, in.Dismissals = 2, 2 }
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
		{"3 not_in_rollout", with(outOfRollout), hiddenBy(ReasonNotInRollout)},
		{"4 no_recovery_method", with(noRecovery), hiddenBy(ReasonNoRecoveryMethod)},
		{"5 device_unsupported", with(noPlatform), hiddenBy(ReasonDeviceUnsupported)},
		{"6 passkey_on_device", with(passkeyHere), hiddenBy(ReasonPasskeyOnDevice)},
		{"7 opted_out", with(optedOut), hiddenBy(ReasonOptedOut)},
		{"8 dismissal_limit_reached", with(limitReached), hiddenBy(ReasonDismissalLimitReached)},
		{"9 frequency_not_elapsed", with(dismissedHourAgo), notElapsed(now.Add(-time.Hour).Add(day))},
		{"eligible", eligible(), shown()},
	})
}

func TestDecideFirstFailingCheckWins(t *testing.T) {
	runDecideCases(t, []decideCase{
		{"disabled and not authenticated", with(promptOff, notAuthenticated), hiddenBy(ReasonPromptDisabled)},
		{"not authenticated and out of the rollout", with(notAuthenticated, outOfRollout), hiddenBy(ReasonNotAuthenticated)},
		{"out of the rollout and no recovery method", with(outOfRollout, noRecovery), hiddenBy(ReasonNotInRollout)},
		{"not authenticated and no recovery method", with(notAuthenticated, noRecovery), hiddenBy(ReasonNotAuthenticated)},
		{"no recovery method and unsupported device", with(noRecovery, noPlatform), hiddenBy(ReasonNoRecoveryMethod)},
		{"unsupported device and passkey on device", with(noPlatform, passkeyHere), hiddenBy(ReasonDeviceUnsupported)},
		{"passkey on device and opted out", with(passkeyHere, optedOut), hiddenBy(ReasonPasskeyOnDevice)},
		{"opted out and limit reached", with(optedOut, limitReached), hiddenBy(ReasonOptedOut)},
		{"limit reached and recent dismissal", with(limitReached, dismissedHourAgo), hiddenBy(ReasonDismissalLimitReached)},
		{"passkey on device and recent dismissal", with(passkeyHere, dismissedHourAgo), hiddenBy(ReasonPasskeyOnDevice)},
		{"disabled and recent dismissal", with(promptOff, dismissedHourAgo), hiddenBy(ReasonPromptDisabled)},
		{"not authenticated and unsupported device", with(notAuthenticated, noPlatform), hiddenBy(ReasonNotAuthenticated)},
		{"no recovery method and recent dismissal", with(noRecovery, dismissedHourAgo), hiddenBy(ReasonNoRecoveryMethod)},
		{
			"every check fails",
			with(promptOff, notAuthenticated, outOfRollout, noRecovery, noPlatform, passkeyHere, optedOut, limitReached, dismissedHourAgo),
			hiddenBy(ReasonPromptDisabled),
		},
		{
			"every check but the last fails",
			with(notAuthenticated, outOfRollout, noRecovery, noPlatform, passkeyHere, optedOut, limitReached, dismissedHourAgo),
			hiddenBy(ReasonNotAuthenticated),
		},
	})
}

func TestDecideSwitches(t *testing.T) {
	set := func(tenant bool, action, rule Switch) func(*Input) {
		return func(in *Input) { in.TenantPromptEnabled, in.ActionPrompt, in.RulePrompt = tenant, action, rule }
	}
	runDecideCases(t, []decideCase{
		{"tenant alone", with(set(true, Inherit, Inherit)), shown()},
		{"action alone", with(set(false, On, Inherit)), shown()},
		{"rule alone", with(set(false, Inherit, On)), shown()},
		{"all three on", with(set(true, On, On)), shown()},
		{"none", with(set(false, Inherit, Inherit)), hiddenBy(ReasonPromptDisabled)},
		{"action off beats the tenant", with(set(true, Off, Inherit)), hiddenBy(ReasonPromptDisabled)},
		{"rule off beats the tenant", with(set(true, Inherit, Off)), hiddenBy(ReasonPromptDisabled)},
		{"rule off beats the action on", with(set(true, On, Off)), hiddenBy(ReasonPromptDisabled)},
		{"rule on beats the action off", with(set(false, Off, On)), shown()},
		{"action on beats the tenant off", with(set(false, On, Inherit)), shown()},
	})
}

func TestEffective(t *testing.T) {
	for _, tc := range []struct {
		tenant       bool
		action, rule Switch
		on           bool
		from         Level
	}{
		{true, Inherit, Inherit, true, LevelTenant},
		{false, Inherit, Inherit, false, LevelTenant},
		{true, Off, Inherit, false, LevelAction},
		{false, On, Inherit, true, LevelAction},
		{true, On, Off, false, LevelRule},
		{false, Off, On, true, LevelRule},
	} {
		on, from := Effective(tc.tenant, tc.action, tc.rule)
		if on != tc.on || from != tc.from {
			t.Errorf("Effective(%v, %v, %v) = %v, %s, want %v, %s", tc.tenant, tc.action, tc.rule, on, from, tc.on, tc.from)
		}
	}
}

func TestSwitchFrom(t *testing.T) {
	for _, tc := range []struct {
		disable, prompts bool
		want             Switch
	}{
		{false, false, Inherit}, {false, true, On}, {true, false, Off}, {true, true, Off},
	} {
		if got := SwitchFrom(tc.disable, tc.prompts); got != tc.want {
			t.Errorf("SwitchFrom(%v, %v) = %v, want %v", tc.disable, tc.prompts, got, tc.want)
		}
	}
}

func TestDecideRollout(t *testing.T) {
	rollout := func(percent, bucket int) func(*Input) {
		return func(in *Input) { in.RolloutPercent, in.RolloutBucket = percent, bucket }
	}
	runDecideCases(t, []decideCase{
		{"0 percent hides the first bucket", with(rollout(0, 0)), hiddenBy(ReasonNotInRollout)},
		{"100 percent shows the last bucket", with(rollout(100, 99)), shown()},
		{"bucket just inside", with(rollout(30, 29)), shown()},
		{"bucket at the percentage is outside", with(rollout(30, 30)), hiddenBy(ReasonNotInRollout)},
		{"raising the share adds the bucket", with(rollout(60, 30)), shown()},
	})
}

func TestDecideDismissals(t *testing.T) {
	dismissals := func(interval time.Duration, backoff bool, max, n int, last time.Time) func(*Input) {
		return func(in *Input) {
			in.Interval, in.Backoff, in.MaxDismissals, in.Dismissals, in.LastDismissal = interval, backoff, max, n, last
		}
	}
	sec := time.Second
	runDecideCases(t, []decideCase{
		{"limit 2 after one", with(dismissals(0, false, 2, 1, now)), shown()},
		{"limit 2 after two", with(dismissals(0, false, 2, 2, now)), hiddenBy(ReasonDismissalLimitReached)},
		{"limit 2 after three", with(dismissals(0, false, 2, 3, now)), hiddenBy(ReasonDismissalLimitReached)},
		{"no limit after many", with(dismissals(0, false, 0, 1000, now)), shown()},
		{"back-off first wait is the interval", with(dismissals(2*sec, true, 0, 1, now.Add(-sec))), notElapsed(now.Add(sec))},
		{"back-off second wait doubles", with(dismissals(2*sec, true, 0, 2, now.Add(-3*sec))), notElapsed(now.Add(sec))},
		{"back-off second wait over", with(dismissals(2*sec, true, 0, 2, now.Add(-4*sec))), shown()},
		{"no back-off second wait is the interval", with(dismissals(2*sec, false, 0, 2, now.Add(-3*sec))), shown()},
		{"back-off third wait is four intervals", with(dismissals(day, true, 0, 3, now)), notElapsed(now.Add(4 * day))},
		{"back-off is capped at a year", with(dismissals(day, true, 0, 40, now)), notElapsed(now.Add(MaxBackoffWait))},
		{"back-off with every challenge", with(dismissals(0, true, 0, 5, now)), shown()},
	})
}

func TestWait(t *testing.T) {
	for _, tc := range []struct {
		interval time.Duration
		backoff  bool
		n        int
		want     time.Duration
	}{
		{day, false, 5, day},
		{day, true, 0, day},
		{day, true, 1, day},
		{day, true, 2, 2 * day},
		{day, true, 9, 256 * day},
		{day, true, 10, MaxBackoffWait},
		{day, true, 1 << 30, MaxBackoffWait},
		{2 * MaxBackoffWait, true, 3, 2 * MaxBackoffWait},
		{0, true, 3, 0},
		{-day, true, 3, 0},
	} {
		if got := Wait(tc.interval, tc.backoff, tc.n); got != tc.want {
			t.Errorf("Wait(%v, %v, %d) = %v, want %v", tc.interval, tc.backoff, tc.n, got, tc.want)
		}
	}
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
		return func(in *Input) { in.Interval, in.Dismissals, in.LastDismissal = interval, 1, last }
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

// facts are the independent facts the uplift table depends on; the
// switches have three positions and the dismissals and their age three
// values each, the rest are yes or no.
type facts struct {
	tenant            bool
	action, rule      Switch
	authenticated     bool
	inRollout         bool
	recoveryRequired  bool
	hasRecoveryMethod bool
	platform          bool
	passkeyHere       bool
	optedOut          bool
	limitSet          bool // a limit of two dismissals
	dismissals        int  // 0, 1 or 2 on this device
	age               age  // of the last dismissal
	intervalSet       bool
	backoff           bool
}

// age is how long ago the last dismissal was, in intervals.
type age int

const (
	withinOneInterval  age = iota // half an interval ago
	withinTwoIntervals            // one and a half intervals ago
	longAgo                       // three intervals ago
)

// combinations is the number of distinct facts values.
const combinations = 2 * 3 * 3 * (1 << 7) * 2 * 3 * 3 * 2 * 2

func factsFromIndex(i int) facts {
	next := func(n int) int { v := i % n; i /= n; return v }
	bit := func() bool { return next(2) == 1 }
	return facts{
		tenant: bit(), action: Switch(next(3)), rule: Switch(next(3)),
		authenticated: bit(), inRollout: bit(), recoveryRequired: bit(), hasRecoveryMethod: bit(),
		platform: bit(), passkeyHere: bit(), optedOut: bit(),
		limitSet: bit(), dismissals: next(3), age: age(next(3)),
		intervalSet: bit(), backoff: bit(),
	}
}

func (f facts) input() Input {
	in := Input{
		TenantPromptEnabled:   f.tenant,
		ActionPrompt:          f.action,
		RulePrompt:            f.rule,
		Authenticated:         f.authenticated,
		RolloutPercent:        30,
		RolloutBucket:         29,
		VerifiedMethods:       []string{"PASSKEY", "AUTHENTICATOR_APP"},
		PlatformAuthenticator: f.platform,
		PasskeyOnDevice:       f.passkeyHere,
		OptedOut:              f.optedOut,
		Dismissals:            f.dismissals,
		Backoff:               f.backoff,
		Now:                   now,
	}
	if !f.inRollout {
		in.RolloutBucket = 30
	}
	if f.recoveryRequired {
		in.RecoveryMethods = []string{"EMAIL_OTP", "SMS"}
	}
	if f.hasRecoveryMethod {
		in.VerifiedMethods = append(in.VerifiedMethods, "SMS")
	}
	if f.limitSet {
		in.MaxDismissals = 2
	}
	if f.intervalSet {
		in.Interval = day
	}
	if f.dismissals > 0 {
		in.LastDismissal = now.Add(-[...]time.Duration{withinOneInterval: day / 2, withinTwoIntervals: 3 * day / 2, longAgo: 3 * day}[f.age])
	}
	return in
}

// effectiveOn restates the switches' precedence: rule, then action, then
// tenant.
func (f facts) effectiveOn() bool {
	for _, s := range []Switch{f.rule, f.action} {
		if s != Inherit {
			return s == On
		}
	}
	return f.tenant
}

// waitDays is the wait after the last dismissal, in days.
func (f facts) waitDays() float64 {
	if !f.intervalSet {
		return 0
	}
	if f.backoff && f.dismissals == 2 {
		return 2
	}
	return 1
}

// wantReason restates SPEC §4 and §10 directly over the facts: the first
// row whose "hidden when" holds names the reason.
func (f facts) wantReason() Reason {
	ageDays := [...]float64{withinOneInterval: 0.5, withinTwoIntervals: 1.5, longAgo: 3}[f.age]
	table := []struct {
		reason     Reason
		hiddenWhen bool
	}{
		{ReasonPromptDisabled, !f.effectiveOn()},
		{ReasonNotAuthenticated, !f.authenticated},
		{ReasonNotInRollout, !f.inRollout},
		{ReasonNoRecoveryMethod, f.recoveryRequired && !f.hasRecoveryMethod},
		{ReasonDeviceUnsupported, !f.platform},
		{ReasonPasskeyOnDevice, f.passkeyHere},
		{ReasonOptedOut, f.optedOut},
		{ReasonDismissalLimitReached, f.limitSet && f.dismissals >= 2},
		{ReasonFrequencyNotElapsed, f.dismissals > 0 && ageDays < f.waitDays()},
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
	distinct := map[facts]bool{}
	for i := range combinations {
		f := factsFromIndex(i)
		distinct[f] = true
		in := f.input()
		reason := f.wantReason()
		want := Decision{Show: reason == ReasonEligible, Reason: reason}
		if reason == ReasonFrequencyNotElapsed {
			want.NextEligibleAt = in.LastDismissal.Add(time.Duration(f.waitDays() * float64(day)))
		}
		got := Decide(in)
		if got.Show != want.Show || got.Reason != want.Reason || !got.NextEligibleAt.Equal(want.NextEligibleAt) {
			t.Fatalf("facts %+v: Decide() mismatch (-got +want):\n%s", f, cmp.Diff(got, want))
		}
		seen[got.Reason]++
	}
	if len(distinct) != combinations {
		t.Fatalf("the enumeration gave %d distinct facts, want %d", len(distinct), combinations)
	}
	// Every reason must be reachable, or the enumeration is not covering the table.
	for _, r := range Reasons() {
		if seen[r] == 0 {
			t.Errorf("reason %q never produced across %d combinations", r, combinations)
		}
	}
	t.Logf("reasons across %d combinations: %v", combinations, seen)
}

var sink Decision

func TestDecideDoesNotAllocate(t *testing.T) {
	for _, in := range []Input{eligible(), with(noRecovery), with(dismissedHourAgo), with(promptOff), with(limitReached)} {
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
