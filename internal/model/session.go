package model

import "time"

// SessionKey is one of a tenant's keys for signing session access tokens:
// an ECDSA P-256 private key in PKCS #8 form. ID is the key's "kid".
type SessionKey struct {
	TenantID   string
	ID         string
	PrivateKey []byte
	CreatedAt  time.Time
}

// SessionSettings are a tenant's session lifetimes.
type SessionSettings struct {
	TenantID        string
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	UpdatedAt       time.Time
}

// Session is one sign-in's family of access and refresh tokens, made from
// the token of an action whose challenge succeeded. Revoking it refuses
// every token it issued.
type Session struct {
	TenantID           string
	ID                 string
	UserID             string
	ClientID           string
	VerificationMethod VerificationMethod
	// ActionKey is the idempotency key of the action whose token made the
	// session; one token makes one session.
	ActionKey string
	// AccessTokenID is the "jti" of the newest access token; older ones
	// are refused.
	AccessTokenID string
	CreatedAt     time.Time
	RefreshedAt   time.Time
	// ExpiresAt is when the current refresh token expires.
	ExpiresAt time.Time
	// TokenExpiresAt is when the action's token expires: the session is
	// kept at least until then, so the token cannot make another.
	TokenExpiresAt time.Time
	// RevokedAt is zero while the session lives.
	RevokedAt time.Time
}

// RefreshToken is a session's refresh token as stored: its SHA-256 hash.
// UsedAt is zero until it is exchanged.
type RefreshToken struct {
	Hash      []byte
	TenantID  string
	SessionID string
	CreatedAt time.Time
	UsedAt    time.Time
}
