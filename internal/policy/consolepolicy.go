package policy

import (
	"slices"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// ChallengeMethodChoices returns the methods an action configuration or
// a rule may permit, in display order.
func ChallengeMethodChoices() []model.VerificationMethod { return slices.Clone(challengeMethods) }

// RecoveryMethodChoices returns the methods a passkey configuration may
// list as recovery methods, in display order.
func RecoveryMethodChoices() []model.VerificationMethod { return slices.Clone(recoveryMethodChoices) }

// CheckPasskeySettings validates passkey settings exactly as
// UpdatePasskeySettings does, normalising the origins in place; the
// console uses it to tell which field a refusal is about.
func CheckPasskeySettings(ps *PasskeySettings) error { return checkPasskeySettings(ps) }

// CheckRelyingPartyID reports whether rpID suits the (normalised)
// origins, the last check of CheckPasskeySettings.
func CheckRelyingPartyID(rpID string, origins []string) error {
	return tenancy.ValidRPID(rpID, origins)
}
