package client

// VerificationMethod names a way a user proves who they are.
type VerificationMethod string

// Verification methods the Server API reports.
const (
	MethodPasskey          VerificationMethod = "PASSKEY"
	MethodEmailOTP         VerificationMethod = "EMAIL_OTP"
	MethodSMS              VerificationMethod = "SMS"
	MethodAuthenticatorApp VerificationMethod = "AUTHENTICATOR_APP"
	MethodSecurityKey      VerificationMethod = "SECURITY_KEY"
	MethodRecoveryCode     VerificationMethod = "RECOVERY_CODE"
	MethodEmailMagicLink   VerificationMethod = "EMAIL_MAGIC_LINK"
)

// ActionState is where one tracked action stands.
type ActionState string

// Action states.
const (
	StateAllow              ActionState = "ALLOW"
	StateBlock              ActionState = "BLOCK"
	StateChallengeRequired  ActionState = "CHALLENGE_REQUIRED"
	StateChallengeSucceeded ActionState = "CHALLENGE_SUCCEEDED"
	StateChallengeFailed    ActionState = "CHALLENGE_FAILED"
	StateReviewRequired     ActionState = "REVIEW_REQUIRED"
	StateReviewSucceeded    ActionState = "REVIEW_SUCCEEDED"
	StateReviewFailed       ActionState = "REVIEW_FAILED"
)

// Scopes a track token may carry, space-separated in
// TrackAttributes.Scope.
const (
	ScopeReadAuthenticators   = "read:authenticators"
	ScopeAddAuthenticators    = "add:authenticators"
	ScopeUpdateAuthenticators = "update:authenticators"
	ScopeRemoveAuthenticators = "remove:authenticators"
)

// CustomData is a set of app-defined attributes; values are strings,
// numbers or booleans.
type CustomData = map[string]any
