// Package uplift decides whether the passkey uplift prompt is shown after a
// successful challenge (SPEC §4).
//
// The package is pure: it performs no I/O and reads no clock. Its caller loads
// the facts about the tenant, action, rule, user and device into an Input,
// passes the current time in Input.Now, and stores the resulting Decision as an
// evaluated event.
package uplift

import "time"

// Input holds the facts one uplift decision depends on. The caller loads them;
// Decide only compares them.
type Input struct {
	// TenantPromptEnabled is the tenant-wide switch: true while the passkey
	// configuration's disableEnrollmentPrompt is false.
	TenantPromptEnabled bool
	// ActionPromptEnabled is true when the action configuration's
	// promptToEnrollVerificationMethods contains PASSKEY.
	ActionPromptEnabled bool
	// RulePromptEnabled is true when the winning rule's
	// promptToEnrollVerificationMethods contains PASSKEY; false when no rule won.
	RulePromptEnabled bool

	// Authenticated is true when the user has just completed a successful
	// challenge or enrolment in this action.
	Authenticated bool

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
	// "cross-platform") does not count.
	PasskeyOnDevice bool

	// Interval is the passkey configuration's enrollmentPromptInterval. Zero
	// (or a negative value) means "Every challenge": dismissals are ignored.
	Interval time.Duration
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
	// NextEligibleAt is LastDismissal plus Interval, the first instant the
	// frequency check passes again. It is set only when Reason is
	// ReasonFrequencyNotElapsed and is the zero time otherwise.
	NextEligibleAt time.Time
}

// Decide runs the checks of SPEC §4 in order and returns a hidden Decision
// naming the first check that fails, or a shown Decision with ReasonEligible.
//
// The frequency check hides the prompt while Now.Sub(LastDismissal) <
// Interval: exactly one interval after a dismissal the prompt shows again. A
// dismissal later than Now (clock skew between instances) counts as just
// made, so the prompt stays hidden until LastDismissal plus Interval.
func Decide(in Input) Decision {
	switch {
	case !in.TenantPromptEnabled && !in.ActionPromptEnabled && !in.RulePromptEnabled:
		return hidden(ReasonPromptDisabled)
	case !in.Authenticated:
		return hidden(ReasonNotAuthenticated)
	case len(in.RecoveryMethods) > 0 && !hasAny(in.VerifiedMethods, in.RecoveryMethods):
		return hidden(ReasonNoRecoveryMethod)
	case !in.PlatformAuthenticator:
		return hidden(ReasonDeviceUnsupported)
	case in.PasskeyOnDevice:
		return hidden(ReasonPasskeyOnDevice)
	case dismissedRecently(in):
		return Decision{
			Reason:         ReasonFrequencyNotElapsed,
			NextEligibleAt: in.LastDismissal.Add(in.Interval),
		}
	}
	return Decision{Show: true, Reason: ReasonEligible}
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

// dismissedRecently reports whether the frequency check fails: an interval is
// set and the last dismissal is less than that interval before Now. A
// dismissal after Now gives a negative elapsed time and so counts as recent.
func dismissedRecently(in Input) bool {
	if in.Interval <= 0 || in.LastDismissal.IsZero() {
		return false
	}
	return in.Now.Sub(in.LastDismissal) < in.Interval
}
