package model

import "time"

// Passkey is the WebAuthn credential behind a PASSKEY authenticator, or
// behind a SECURITY_KEY one (kept apart): what the registration ceremony
// produced plus what later sign-ins learned.
type Passkey struct {
	// AuthenticatorID is the id of the user authenticator this passkey is.
	AuthenticatorID string
	TenantID        string
	UserID          string
	CredentialID    []byte
	// PublicKey is the COSE-encoded credential public key.
	PublicKey          []byte
	PublicKeyAlgorithm int64
	SignCount          uint32
	AAGUID             []byte
	Transports         []string
	AttestationType    string
	AttestationFormat  string
	// AttestationObject and ClientDataJSON are the raw registration
	// response, kept so the attestation can be re-verified later.
	AttestationObject []byte
	ClientDataJSON    []byte
	Flags             PasskeyFlags
	// Attachment is "platform", "cross-platform" or "" when the browser did
	// not say.
	Attachment string
	// DeviceID is the device the passkey was created on, when known.
	DeviceID        string
	UserAgent       string
	ParsedUserAgent UserAgent
	Name            string
	CreatedAt       time.Time
	LastVerifiedAt  time.Time
	// CounterRegressions counts sign-ins refused because the signature
	// counter did not advance; LastCounterRegressionAt is the latest.
	CounterRegressions      int64
	LastCounterRegressionAt time.Time
	// BackupEligibleChanges counts sign-ins whose backup-eligible flag
	// differed from the stored one; BackupEligibleChangedAt is the latest.
	BackupEligibleChanges   int64
	BackupEligibleChangedAt time.Time
}

// PasskeyFlags are the authenticator data flags stored with a passkey.
type PasskeyFlags struct {
	UserPresent    bool
	UserVerified   bool
	BackupEligible bool
	BackupState    bool
}

// DeviceType reports "multiDevice" for a passkey that may be synced (backup
// eligible) and "singleDevice" otherwise, as the SDK types name them.
func (p Passkey) DeviceType() string {
	if p.Flags.BackupEligible {
		return "multiDevice"
	}
	return "singleDevice"
}

// UserAgent is a user agent string and what could be read from it.
type UserAgent struct {
	UA             string
	BrowserName    string
	BrowserVersion string
	BrowserMajor   string
	OSName         string
	OSVersion      string
	DeviceType     string
	DeviceModel    string
	DeviceVendor   string
	EngineName     string
	EngineVersion  string
	CPUArch        string
	IsBot          bool
}

// ProviderName is a passkey provider's display name and icons, keyed by
// the AAGUID its authenticators report.
type ProviderName struct {
	AAGUID       string
	Name         string
	SVGIconLight string
	SVGIconDark  string
}

// Device is one browser profile or app install, by its device id.
type Device struct {
	TenantID  string
	ID        string
	UserAgent string
	// Capabilities is the last capability map the device reported;
	// a missing key means unknown.
	Capabilities   map[string]any
	CapabilitiesAt time.Time
	CreatedAt      time.Time
	LastSeenAt     time.Time
}

// DevicePasskeyRelation says how a passkey is known on a device.
type DevicePasskeyRelation string

// Ways a passkey becomes known on a device.
const (
	// RelationCreated: the passkey was created on the device.
	RelationCreated DevicePasskeyRelation = "created"
	// RelationUsedPlatform: the passkey was used on the device through a
	// platform authenticator.
	RelationUsedPlatform DevicePasskeyRelation = "used_platform"
)

// PasskeyUse is where a passkey was last used to sign in: the device
// and the user agent of the browser.
type PasskeyUse struct {
	AuthenticatorID string
	DeviceID        string
	UserAgent       string
}

// DevicePasskey records that a passkey is known on a device.
type DevicePasskey struct {
	TenantID        string
	DeviceID        string
	AuthenticatorID string
	Relation        DevicePasskeyRelation
	FirstAt         time.Time
	LastAt          time.Time
}

// ChallengeKind says what a passkey challenge is for.
type ChallengeKind string

// Passkey challenge kinds.
const (
	ChallengeRegistration   ChallengeKind = "registration"
	ChallengeAuthentication ChallengeKind = "authentication"
	// Security key ceremonies: the same WebAuthn ceremonies, for a
	// SECURITY_KEY authenticator.
	ChallengeSecurityKeyRegistration   ChallengeKind = "security_key_registration"
	ChallengeSecurityKeyAuthentication ChallengeKind = "security_key_authentication"
)

// PasskeyChallenge is one pending WebAuthn ceremony. It lives in the
// database so any instance can finish what another began, and is used at
// most once.
type PasskeyChallenge struct {
	ID       string
	TenantID string
	Kind     ChallengeKind
	// UserID is the user the ceremony is for; empty for a username-less
	// sign-in until the authenticator names the user.
	UserID string
	// ActionCode and IdempotencyKey name the action the ceremony completes;
	// IdempotencyKey is empty when the action is created on success.
	ActionCode     string
	IdempotencyKey string
	DeviceID       string
	Scope          string
	// Session is the WebAuthn library's complete session data, as JSON;
	// empty until options have been issued.
	Session []byte
	// Options are the request options issued with Session (JSON), so they
	// can be issued again without a new session; nil when not kept.
	Options   []byte
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}
