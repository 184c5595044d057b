package model

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// VerificationMethod names a way a user proves who they are.
type VerificationMethod string

// Verification methods Uplift knows.
const (
	MethodPasskey          VerificationMethod = "PASSKEY"
	MethodEmailOTP         VerificationMethod = "EMAIL_OTP"
	MethodSMS              VerificationMethod = "SMS"
	MethodAuthenticatorApp VerificationMethod = "AUTHENTICATOR_APP"
	MethodSecurityKey      VerificationMethod = "SECURITY_KEY"
	MethodRecoveryCode     VerificationMethod = "RECOVERY_CODE"
	MethodEmailMagicLink   VerificationMethod = "EMAIL_MAGIC_LINK"
)

// Methods lists every verification method in display order.
var Methods = []VerificationMethod{
	MethodPasskey, MethodEmailOTP, MethodSMS, MethodAuthenticatorApp,
	MethodSecurityKey, MethodRecoveryCode, MethodEmailMagicLink,
}

// Valid reports whether m is a method Uplift knows.
func (m VerificationMethod) Valid() bool { return slices.Contains(Methods, m) }

// ActionState is where one tracked action stands.
type ActionState string

// Action states, as the Server API reports them.
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

// ActionStates lists every action state, in the order @authsignal/node's
// UserActionState names them.
var ActionStates = []ActionState{StateAllow, StateBlock, StateChallengeRequired, StateChallengeSucceeded,
	StateChallengeFailed, StateReviewRequired, StateReviewSucceeded, StateReviewFailed}

// Valid reports whether s is a known action state.
func (s ActionState) Valid() bool { return slices.Contains(ActionStates, s) }

// JoinStates lists states for a message: "ALLOW, BLOCK, ...".
func JoinStates(states []ActionState) string {
	s := make([]string, len(states))
	for i, st := range states {
		s[i] = string(st)
	}
	return strings.Join(s, ", ")
}

// StateSource says who moved an action to a state, as its history
// records it.
type StateSource string

// State sources.
const (
	// SourceTrack is the outcome track decided from the action's
	// configuration and rules.
	SourceTrack StateSource = "track"
	// SourceChallenge is the user's own proof, or its failure: a passkey,
	// a code, too many wrong codes.
	SourceChallenge StateSource = "challenge"
	// SourceServerAPI is the app's backend, with its secret key.
	SourceServerAPI StateSource = "server_api"
	// SourceAdmin is a tenant admin.
	SourceAdmin StateSource = "admin"
)

// Outcome is what an action configuration or rule decides at track time.
type Outcome string

// Outcomes an admin can configure.
const (
	OutcomeAllow     Outcome = "ALLOW"
	OutcomeChallenge Outcome = "CHALLENGE"
	OutcomeReview    Outcome = "REVIEW"
	OutcomeBlock     Outcome = "BLOCK"
)

// Valid reports whether o is a known outcome.
func (o Outcome) Valid() bool {
	switch o {
	case OutcomeAllow, OutcomeChallenge, OutcomeReview, OutcomeBlock:
		return true
	}
	return false
}

// Scopes a track token may carry.
const (
	ScopeReadAuthenticators   = "read:authenticators"
	ScopeAddAuthenticators    = "add:authenticators"
	ScopeUpdateAuthenticators = "update:authenticators"
	ScopeRemoveAuthenticators = "remove:authenticators"
)

// UserVerification is the passkey user-verification requirement.
type UserVerification string

// User verification requirements, as WebAuthn names them.
const (
	UVRequired    UserVerification = "required"
	UVPreferred   UserVerification = "preferred"
	UVDiscouraged UserVerification = "discouraged"
)

// Tenant is one app's configuration.
type Tenant struct {
	ID               string
	Name             string
	RPID             string
	RPName           string
	Origins          []string
	RedirectPrefixes []string
	// TokenKey signs the tokens issued for this tenant's actions.
	TokenKey  []byte
	Passkey   PasskeyConfig
	CreatedAt time.Time
}

// PasskeyConfig is the tenant's passkey authenticator configuration,
// including the uplift prompt's settings.
type PasskeyConfig struct {
	DisableEnrollmentPrompt bool
	// EnrollmentPromptInterval is in seconds; 0 prompts after every challenge.
	EnrollmentPromptInterval int64
	RecoveryMethods          []VerificationMethod
	UserVerification         UserVerification
	// EnrollmentPromptRolloutPercent (0 to 100) is the share of users ever
	// prompted, by a stable bucket per user.
	EnrollmentPromptRolloutPercent int
	// EnrollmentPromptBackoff doubles the wait after each further
	// dismissal on a device.
	EnrollmentPromptBackoff bool
	// EnrollmentPromptMaxDismissals stops the prompt on a device after that
	// many dismissals there; 0 means no limit.
	EnrollmentPromptMaxDismissals int
	// EnrollmentPromptAllowOptOut offers "Don't ask again" on the prompt.
	EnrollmentPromptAllowOptOut bool
	// RelatedOrigins are origins outside the relying party id that may
	// sign in with its passkeys (WebAuthn Related Origin Requests), served
	// at /.well-known/webauthn on the relying party's host.
	RelatedOrigins []string
	// DefaultLocale is the language of the hosted pages and messages of
	// a user whose action, account and browser name none Uplift speaks
	// (package i18n); "" is English.
	DefaultLocale string
}

// DefaultPasskeyConfig is the configuration a new tenant starts with.
func DefaultPasskeyConfig() PasskeyConfig {
	return PasskeyConfig{
		RecoveryMethods:                []VerificationMethod{MethodEmailOTP, MethodSMS, MethodAuthenticatorApp},
		UserVerification:               UVRequired,
		EnrollmentPromptRolloutPercent: 100,
	}
}

// APIKey is one of a tenant's secret keys. Only its hash is stored.
type APIKey struct {
	ID        string
	TenantID  string
	Prefix    string
	Hash      []byte
	CreatedAt time.Time
	RevokedAt time.Time
	// SignsWebhooks reports a key longer than HMAC-SHA256's block, whose
	// Hash is then the HMAC key its webhooks are signed with.
	SignsWebhooks bool
}

// User is an app's user, keyed by the app's own user id.
type User struct {
	TenantID            string
	ID                  string
	Email               string
	EmailVerified       bool
	PhoneNumber         string
	PhoneNumberVerified bool
	Username            string
	DisplayName         string
	Locale              string
	Custom              map[string]any
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// Authenticator is a verification method a user has enrolled.
type Authenticator struct {
	ID             string
	TenantID       string
	UserID         string
	Method         VerificationMethod
	Email          string
	PhoneNumber    string
	IsDefault      bool
	CreatedAt      time.Time
	VerifiedAt     time.Time
	LastVerifiedAt time.Time
}

// ActionConfig is the configuration of one action code.
type ActionConfig struct {
	TenantID              string
	Code                  string
	DefaultOutcome        Outcome
	VerificationMethods   []VerificationMethod
	DefaultMethod         VerificationMethod
	PromptToEnrollMethods []VerificationMethod
	// DisablePromptToEnroll switches the uplift prompt off for this action
	// whatever the tenant says (a winning rule may switch it on again).
	DisablePromptToEnroll bool
	// VerificationWebhookURL is the app's action.verify webhook: asked
	// before an action of this code becomes CHALLENGE_SUCCEEDED; empty
	// when there is none.
	VerificationWebhookURL string
	// LogEventsURL is the tenant's log events webhook (action.log_created),
	// read with the configuration so that a sign-in that reaches a final
	// state asks nothing more when there is none; empty when none.
	LogEventsURL        string
	RedirectURL         string
	CreatedAt           time.Time
	UpdatedAt           time.Time
	LastActionCreatedAt time.Time
	// RulesVersion changes whenever the action's rules or the tenant's
	// value lists change.
	RulesVersion int64
}

// Action is one tracked instance of an action code for a user.
type Action struct {
	TenantID                string
	UserID                  string
	Code                    string
	IdempotencyKey          string
	State                   ActionState
	StateUpdatedAt          time.Time
	CreatedAt               time.Time
	UpdatedAt               time.Time
	VerificationMethod      VerificationMethod
	VerifiedAuthenticatorID string
	RuleIDs                 []string
	PriorityRuleID          string
	DeviceID                string
	IPAddress               string
	UserAgent               string
	RedirectURL             string
	RedirectToSettings      bool
	Scope                   string
	Locale                  string
	Custom                  map[string]any
	// AllowedMethods may complete the action's challenge, as its
	// configuration and winning rule permitted at track time; empty
	// permits any.
	AllowedMethods []VerificationMethod
	// StateSource says who made State; a write of the state records it
	// in the action's history too.
	StateSource StateSource
}

var actionCodePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// ValidActionCode reports whether code is an acceptable action code.
func ValidActionCode(code string) bool { return actionCodePattern.MatchString(code) }

// ValidUserID reports whether id is an acceptable user id: 1 to 255 bytes of
// valid UTF-8 without control characters or slashes.
func ValidUserID(id string) bool {
	if id == "" || len(id) > 255 || !utf8.ValidString(id) {
		return false
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f || r == '/' {
			return false
		}
	}
	return true
}

// ValidIdempotencyKey reports whether k is an acceptable idempotency key:
// 1 to 128 characters from a URL-safe set.
func ValidIdempotencyKey(k string) bool {
	if k == "" || len(k) > 128 {
		return false
	}
	for _, r := range k {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return false
		}
	}
	return true
}

// Rule belongs to an action configuration: when its conditions match at
// track time and it wins on priority, it supplies the outcome and the
// challenge settings.
type Rule struct {
	ID                    string
	TenantID              string
	ActionCode            string
	Name                  string
	Description           string
	IsActive              bool
	Priority              int
	Outcome               Outcome
	VerificationMethods   []VerificationMethod
	DefaultMethod         VerificationMethod
	PromptToEnrollMethods []VerificationMethod
	// DisablePromptToEnroll switches the uplift prompt off when this rule
	// wins, whatever the action and the tenant say.
	DisablePromptToEnroll bool
	// Conditions is the JSONLogic expression, as the admin saved it.
	Conditions []byte
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ValueListType is the kind of items a value list holds.
type ValueListType string

// Value list item types.
const (
	ListString ValueListType = "string"
	ListNumber ValueListType = "number"
	ListCIDR   ValueListType = "cidr"
)

// ValueList is a named list of values that rule conditions refer to by
// alias, such as office IP ranges or blocked email domains.
type ValueList struct {
	TenantID  string
	Alias     string
	Name      string
	ItemType  ValueListType
	Items     []string
	IsActive  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// UpliftEventKind names what happened with the passkey uplift prompt.
type UpliftEventKind string

// Uplift event kinds.
const (
	UpliftEvaluated UpliftEventKind = "evaluated"
	UpliftShown     UpliftEventKind = "shown"
	UpliftAccepted  UpliftEventKind = "accepted"
	UpliftDismissed UpliftEventKind = "dismissed"
	UpliftFailed    UpliftEventKind = "failed"
	// UpliftOptedOut is the person choosing "Don't ask again".
	UpliftOptedOut UpliftEventKind = "opted_out"
)

// UpliftEvent is one thing that happened with the prompt for a user on a
// device during an action.
type UpliftEvent struct {
	ID             string
	TenantID       string
	UserID         string
	DeviceID       string
	IdempotencyKey string
	ActionCode     string
	Kind           UpliftEventKind
	// Reason is the decision's reason code, on evaluated events.
	Reason string
	// Cause says why a registration failed, on failed events.
	Cause string
	// Platform is the device's operating system, for breakdowns.
	Platform string
	// Variant is the id of the prompt experiment's variant the user was
	// assigned when the event happened; "" outside experiments.
	Variant string
	// Surface is where the prompt was shown; empty reads as SurfaceHosted.
	Surface PromptSurface
	At      time.Time
}

// JoinMethods lists methods by name, separated by commas, for messages.
func JoinMethods(ms []VerificationMethod) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}
