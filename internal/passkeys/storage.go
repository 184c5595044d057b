package passkeys

import (
	"context"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/model"
)

// Queries is what passkeys reads and writes in the store, inside a
// transaction or not.
type Queries interface {
	actions.Queries
	ConsumePasskeyChallenge(ctx context.Context, tenantID, id string, now time.Time) (model.PasskeyChallenge, error)
	CreatePasskey(ctx context.Context, a model.Authenticator, p model.Passkey) error
	CreatePasskeyChallenge(ctx context.Context, c model.PasskeyChallenge) error
	CreateSecurityKey(ctx context.Context, a model.Authenticator, p model.Passkey) error
	DeleteProviderNames(ctx context.Context) (int64, error)
	DevicePasskeys(ctx context.Context, tenantID, deviceID string) ([]model.DevicePasskey, error)
	EnsureUserHandle(ctx context.Context, tenantID, userID string, handle []byte, at time.Time) ([]byte, error)
	LinkDevicePasskey(ctx context.Context, dp model.DevicePasskey) error
	LockUser(ctx context.Context, tenantID, userID string) error
	PasskeyByCredentialID(ctx context.Context, tenantID string, credentialID []byte) (model.Passkey, error)
	CredentialOnRelyingParty(ctx context.Context, rpID, exceptTenantID string, credentialID []byte) (bool, error)
	PasskeyChallenge(ctx context.Context, tenantID, id string, now time.Time) (model.PasskeyChallenge, error)
	PasskeyOnDevice(ctx context.Context, tenantID, userID, deviceID string) (bool, error)
	PasskeyUses(ctx context.Context, tenantID, userID string) ([]model.PasskeyUse, error)
	Passkeys(ctx context.Context, tenantID, userID string) ([]model.Passkey, error)
	PasskeysByCredentialIDs(ctx context.Context, tenantID string, ids [][]byte) ([]model.Passkey, error)
	ProviderName(ctx context.Context, aaguid string) (model.ProviderName, error)
	PurgePasskeyChallenges(ctx context.Context, cutoff time.Time) (int64, error)
	RecordCounterRegression(ctx context.Context, tenantID, authenticatorID string, at time.Time) error
	RecordPasskeySignIn(ctx context.Context, p model.Passkey, deviceID, userAgent string) error
	RecordSecurityKeyCounterRegression(ctx context.Context, tenantID, authenticatorID string, at time.Time) error
	RecordSecurityKeySignIn(ctx context.Context, p model.Passkey) error
	RenamePasskey(ctx context.Context, tenantID, userID, authID, name string) error
	SaveProviderNames(ctx context.Context, names []model.ProviderName, at time.Time) error
	SecurityKeyByCredentialID(ctx context.Context, tenantID string, credentialID []byte) (model.Passkey, error)
	SecurityKeys(ctx context.Context, tenantID, userID string) ([]model.Passkey, error)
	SetChallengeCeremony(ctx context.Context, tenantID, id string, session, options []byte, now, expires time.Time) error
	SigningPasskey(ctx context.Context, tenantID string, credentialID []byte, deviceID string) (model.SigningUser, error)
	UserHandle(ctx context.Context, tenantID, userID string) ([]byte, error)
}

// Store is the store outside a transaction: InTx runs fn inside one and
// commits when it returns nil.
type Store interface {
	Queries
	InTx(ctx context.Context, fn func(q Queries) error) error
}
