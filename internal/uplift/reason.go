package uplift

// Reason is the code that explains an uplift decision. It is stored with every
// evaluated event and returned by the diagnostics API.
type Reason string

// The reasons, in the order Decide checks them (SPEC §4).
const (
	// ReasonPromptDisabled: the tenant, action and winning-rule switches are all off.
	ReasonPromptDisabled Reason = "prompt_disabled"
	// ReasonNotAuthenticated: the user has not just completed a challenge or enrolment.
	ReasonNotAuthenticated Reason = "not_authenticated"
	// ReasonNoRecoveryMethod: recovery methods are required and the user has none of them.
	ReasonNoRecoveryMethod Reason = "no_recovery_method"
	// ReasonDeviceUnsupported: the device reported no user-verifying platform authenticator.
	ReasonDeviceUnsupported Reason = "device_unsupported"
	// ReasonPasskeyOnDevice: one of the user's passkeys is already known on this device.
	ReasonPasskeyOnDevice Reason = "passkey_on_device"
	// ReasonFrequencyNotElapsed: the user dismissed the prompt here less than an interval ago.
	ReasonFrequencyNotElapsed Reason = "frequency_not_elapsed"
	// ReasonEligible: every check passed and the prompt is shown.
	ReasonEligible Reason = "eligible"
)

// Explain returns a short plain-English sentence saying what r means, for
// diagnostics and the console. An unknown reason gets a generic sentence.
func (r Reason) Explain() string {
	switch r {
	case ReasonPromptDisabled:
		return "The passkey prompt is switched off for the tenant, for this action and for the winning rule."
	case ReasonNotAuthenticated:
		return "The user has not just completed a successful challenge or enrolment in this action."
	case ReasonNoRecoveryMethod:
		return "The user has no verified authenticator of the recovery methods the passkey configuration requires."
	case ReasonDeviceUnsupported:
		return "The device did not report a user-verifying platform authenticator, so it cannot create a passkey."
	case ReasonPasskeyOnDevice:
		return "The user already has a passkey known on this device."
	case ReasonFrequencyNotElapsed:
		return "The user dismissed the prompt on this device less than the prompt interval ago."
	case ReasonEligible:
		return "Every check passed, so the prompt is shown."
	}
	return "The reason code is not one Uplift knows."
}
