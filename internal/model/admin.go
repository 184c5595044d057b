package model

import "time"

// Admin is a person who manages one tenant in the admin console. Admins
// sign in with passkeys bound to the console's own relying party.
type Admin struct {
	ID       string
	TenantID string
	Name     string
	// Handle is the WebAuthn user handle of the admin's passkeys: random
	// bytes, unique across tenants, so a passkey names its admin.
	Handle    []byte
	CreatedAt time.Time
}

// AdminInvite is a one-time link that lets its holder become an admin of
// a tenant. Only the hash of its token is stored.
type AdminInvite struct {
	TokenHash []byte
	TenantID  string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

// AdminCeremony is a pending console passkey ceremony: a registration
// through an invitation (InviteHash, AdminName and Handle set) or a
// sign-in (they are empty). Session is the WebAuthn library's session.
type AdminCeremony struct {
	ID         string
	InviteHash []byte
	AdminName  string
	Handle     []byte
	Session    []byte
	ExpiresAt  time.Time
}

// AdminSession is a signed-in console session. Only the hash of its
// token is stored; the token lives in the admin's cookie.
type AdminSession struct {
	TokenHash []byte
	AdminID   string
	TenantID  string
	CreatedAt time.Time
	ExpiresAt time.Time
}
