package uplift

// Reason is the code that explains an uplift decision. It is stored with every
// evaluated event and returned by the diagnostics API.
type Reason string

// The reasons, in the order Decide checks them (SPEC §4 and §10).
const (
	// ReasonPromptDisabled: the effective switch is off: the winning rule's,
	// else the action's, else the tenant's.
	ReasonPromptDisabled Reason = "prompt_disabled"
	// ReasonNotAuthenticated: the user has not just completed a challenge or enrolment.
	ReasonNotAuthenticated Reason = "not_authenticated"
	// ReasonNotInRollout: the user's bucket is outside the rollout percentage.
	ReasonNotInRollout Reason = "not_in_rollout"
	// ReasonNoRecoveryMethod: recovery methods are required and the user has none of them.
	ReasonNoRecoveryMethod Reason = "no_recovery_method"
	// ReasonDeviceUnsupported: the device reported no user-verifying platform authenticator.
	ReasonDeviceUnsupported Reason = "device_unsupported"
	// ReasonPasskeyOnDevice: one of the user's passkeys is already known on this device.
	ReasonPasskeyOnDevice Reason = "passkey_on_device"
	// ReasonOptedOut: the user chose "Don't ask again".
	ReasonOptedOut Reason = "opted_out"
	// ReasonDismissalLimitReached: the user chose "Not now" on this device
	// as many times as the limit allows.
	ReasonDismissalLimitReached Reason = "dismissal_limit_reached"
	// ReasonFrequencyNotElapsed: the user dismissed the prompt here less than
	// the wait ago (the interval, doubled per dismissal with back-off).
	ReasonFrequencyNotElapsed Reason = "frequency_not_elapsed"
	// ReasonEligible: every check passed and the prompt is shown.
	ReasonEligible Reason = "eligible"
)

// Explain returns a short plain-English sentence saying what r means, for
// diagnostics and the console. An unknown reason gets a generic sentence.
func (r Reason) Explain() string {
	switch r {
	case ReasonPromptDisabled:
		return "The passkey prompt is switched off: by the winning rule, else by the action, else by the tenant setting."
	case ReasonNotAuthenticated:
		return "The user has not just completed a successful challenge or enrolment in this action."
	case ReasonNotInRollout:
		return "The user is outside the share of users the prompt is rolled out to."
	case ReasonNoRecoveryMethod:
		return "The user has no verified authenticator of the recovery methods the passkey configuration requires."
	case ReasonDeviceUnsupported:
		return "The device did not report a user-verifying platform authenticator, so it cannot create a passkey."
	case ReasonPasskeyOnDevice:
		return "The user already has a passkey known on this device."
	case ReasonOptedOut:
		return "The user chose Don't ask again; an admin can reset that on the user's page."
	case ReasonDismissalLimitReached:
		return "The user chose Not now on this device as many times as the dismissal limit allows."
	case ReasonFrequencyNotElapsed:
		return "The user dismissed the prompt on this device less than the prompt interval ago (doubled for each further dismissal with back-off)."
	case ReasonEligible:
		return "Every check passed, so the prompt is shown."
	}
	return "The reason code is not one Uplift knows."
}

// Reasons returns every reason in the order Decide checks them, eligible
// last. The slice is new on every call.
func Reasons() []Reason {
	return []Reason{
		ReasonPromptDisabled, ReasonNotAuthenticated, ReasonNotInRollout, ReasonNoRecoveryMethod,
		ReasonDeviceUnsupported, ReasonPasskeyOnDevice, ReasonOptedOut, ReasonDismissalLimitReached,
		ReasonFrequencyNotElapsed, ReasonEligible,
	}
}
