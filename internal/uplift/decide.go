// Package uplift decides whether the passkey uplift prompt is shown after a
// successful challenge (SPEC §4 and §10).
//
// The package is pure: it performs no I/O and reads no clock. Its caller loads
// the facts about the tenant, action, rule, user and device into an Input,
// passes the current time in Input.Now, and stores the resulting Decision as an
// evaluated event.
package uplift

import "time"

// Switch is an action configuration's or a rule's say over the prompt: it
// leaves the choice to the level below (Inherit), or turns the prompt on or
// off whatever that level says.
type Switch int

// The three positions of a Switch. The zero value inherits.
const (
	Inherit Switch = iota
	On
	Off
)

// String names the position as the console shows it.
func (s Switch) String() string {
	switch s {
	case On:
		return "on"
	case Off:
		return "off"
	}
	return "inherit"
}

// SwitchFrom reads a Switch from an action configuration's or a rule's two
// fields: disablePromptToEnroll (off, whatever else is set) and
// promptToEnrollVerificationMethods containing PASSKEY (on).
func SwitchFrom(disable, promptsPasskey bool) Switch {
	switch {
	case disable:
		return Off
	case promptsPasskey:
		return On
	}
	return Inherit
}

// Level names where the prompt's effective switch comes from.
type Level string

// The levels, in order of precedence.
const (
	LevelRule   Level = "rule"
	LevelAction Level = "action"
	LevelTenant Level = "tenant"
)

// Effective applies the switches' precedence: the winning rule's switch
// unless it inherits, then the action's unless it inherits, then the
// tenant's. It returns whether the prompt is on and the level that said so.
func Effective(tenant bool, action, rule Switch) (on bool, from Level) {
	switch {
	case rule != Inherit:
		return rule == On, LevelRule
	case action != Inherit:
		return action == On, LevelAction
	}
	return tenant, LevelTenant
}

// MaxBackoffWait bounds the wait that back-off doubles.
const MaxBackoffWait = 365 * 24 * time.Hour

// RolloutBuckets is the number of rollout buckets: a user whose bucket is
// below the rollout percentage is in the rollout.
const RolloutBuckets = 100

// Input holds the facts one uplift decision depends on. The caller loads them;
// Decide only compares them.
type Input struct {
	// TenantPromptEnabled is the tenant-wide switch: true while the passkey
	// configuration's disableEnrollmentPrompt is false.
	TenantPromptEnabled bool
	// ActionPrompt is the action configuration's switch (SwitchFrom).
	ActionPrompt Switch
	// RulePrompt is the winning rule's switch; Inherit when no rule won.
	RulePrompt Switch

	// Authenticated is true when the user has just completed a successful
	// challenge or enrolment in this action.
	Authenticated bool

	// RolloutPercent is the passkey configuration's
	// enrollmentPromptRolloutPercent, 0 to 100: the share of users ever
	// prompted. 100 prompts everyone.
	RolloutPercent int
	// RolloutBucket is the user's stable bucket, 0 to RolloutBuckets-1; the
	// user is in the rollout when it is below RolloutPercent.
	RolloutBucket int

	// RecoveryMethods is the passkey configuration's recoveryMethods list
	// (e.g. EMAIL_OTP, SMS). Empty means no recovery method is required.
	RecoveryMethods []string
	// VerifiedMethods lists the methods of the user's verified authenticators.
	// Methods are compared with RecoveryMethods exactly, case included.
	VerifiedMethods []string

	// PlatformAuthenticator is true when the device reported a user-verifying
	// platform authenticator (isUserVerifyingPlatformAuthenticatorAvailable()
	// returned true). It is false when WebAuthn is missing, the call returned
	// false, or the device reported nothing.
	PlatformAuthenticator bool

	// PasskeyOnDevice is true when one of the user's active passkeys is known
	// on this device. The caller derives it from the device record: a passkey
	// was created on this device, or was used here with authenticator
	// attachment "platform", or a registration here failed with
	// InvalidStateError because the authenticator already holds a credential
	// for this user. A passkey used here through another device (attachment
	// "cross-platform") does not count, nor does a security key.
	PasskeyOnDevice bool

	// OptedOut is true when the user chose "Don't ask again" and no admin
	// has reset that choice since. It holds on every device.
	OptedOut bool

	// MaxDismissals is the passkey configuration's
	// enrollmentPromptMaxDismissals: after that many "Not now" on one device
	// the prompt stops there. 0 means no limit.
	MaxDismissals int
	// Dismissals is how many times this user chose "Not now" on this device.
	Dismissals int

	// Interval is the passkey configuration's enrollmentPromptInterval. Zero
	// (or a negative value) means "Every challenge": dismissals are ignored.
	Interval time.Duration
	// Backoff is the passkey configuration's enrollmentPromptBackoff: each
	// further dismissal on the device doubles the wait (Wait).
	Backoff bool
	// LastDismissal is when this user last dismissed the prompt on this
	// device; the zero time means never.
	LastDismissal time.Time
	// Now is the current time, supplied by the caller.
	Now time.Time
}

// Decision is the outcome of Decide: whether to show the prompt and the one
// reason that explains it.
type Decision struct {
	// Show is true only when Reason is ReasonEligible.
	Show bool
	// Reason names the first check that failed, or ReasonEligible.
	Reason Reason
	// NextEligibleAt is LastDismissal plus the wait, the first instant the
	// frequency check passes again. It is set only when Reason is
	// ReasonFrequencyNotElapsed and is the zero time otherwise.
	NextEligibleAt time.Time
}

// Decide runs the checks of SPEC §4 and §10 in order and returns a hidden
// Decision naming the first check that fails, or a shown Decision with
// ReasonEligible.
//
// The frequency check hides the prompt while Now.Sub(LastDismissal) < the
// wait (Wait): exactly one wait after a dismissal the prompt shows again. A
// dismissal later than Now (clock skew between instances) counts as just
// made, so the prompt stays hidden until LastDismissal plus the wait.
func Decide(in Input) Decision {
	on, _ := Effective(in.TenantPromptEnabled, in.ActionPrompt, in.RulePrompt)
	switch {
	case !on:
		return hidden(ReasonPromptDisabled)
	case !in.Authenticated:
		return hidden(ReasonNotAuthenticated)
	case !InRollout(in.RolloutPercent, in.RolloutBucket):
		return hidden(ReasonNotInRollout)
	case len(in.RecoveryMethods) > 0 && !hasAny(in.VerifiedMethods, in.RecoveryMethods):
		return hidden(ReasonNoRecoveryMethod)
	case !in.PlatformAuthenticator:
		return hidden(ReasonDeviceUnsupported)
	case in.PasskeyOnDevice:
		return hidden(ReasonPasskeyOnDevice)
	case in.OptedOut:
		return hidden(ReasonOptedOut)
	case in.MaxDismissals > 0 && in.Dismissals >= in.MaxDismissals:
		return hidden(ReasonDismissalLimitReached)
	}
	if wait := Wait(in.Interval, in.Backoff, in.Dismissals); dismissedWithin(in, wait) {
		return Decision{Reason: ReasonFrequencyNotElapsed, NextEligibleAt: in.LastDismissal.Add(wait)}
	}
	return Decision{Show: true, Reason: ReasonEligible}
}

// InRollout reports whether a user in bucket is among the percent of users
// prompted. Raising percent only adds buckets, so it only adds users.
func InRollout(percent, bucket int) bool {
	return bucket < percent
}

// Wait is how long the prompt stays hidden after the latest of dismissals
// "Not now" on a device: the interval, or with back-off interval ×
// 2^(dismissals − 1), at most MaxBackoffWait (an interval already longer
// is kept). A zero or negative interval waits for nothing.
func Wait(interval time.Duration, backoff bool, dismissals int) time.Duration {
	if interval <= 0 {
		return 0
	}
	if !backoff || dismissals <= 1 {
		return interval
	}
	wait := interval
	for i := 1; i < dismissals && wait < MaxBackoffWait; i++ {
		wait *= 2
	}
	return max(interval, min(wait, MaxBackoffWait))
}

func hidden(r Reason) Decision {
	return Decision{Reason: r}
}

// hasAny reports whether have contains at least one of want.
func hasAny(have, want []string) bool {
	for _, h := range have {
		for _, w := range want {
			if h == w {
				return true
			}
		}
	}
	return false
}

// dismissedWithin reports whether the frequency check fails: there is a
// wait and the last dismissal is less than that wait before Now. A
// dismissal after Now gives a negative elapsed time and so counts as recent.
func dismissedWithin(in Input, wait time.Duration) bool {
	if wait <= 0 || in.LastDismissal.IsZero() {
		return false
	}
	return in.Now.Sub(in.LastDismissal) < wait
}
