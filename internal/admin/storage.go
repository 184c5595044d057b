package admin

import (
	"context"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// Queries is what admin reads and writes in the store, inside a
// transaction or not.
type Queries interface {
	Admin(ctx context.Context, id string) (model.Admin, error)
	AdminInvite(ctx context.Context, hash []byte, now time.Time) (model.AdminInvite, error)
	AdminPasskey(ctx context.Context, credentialID []byte) (model.Passkey, error)
	AdminPasskeys(ctx context.Context, adminID string) ([]model.Passkey, error)
	AdminSession(ctx context.Context, hash []byte, now time.Time) (model.AdminSession, error)
	Admins(ctx context.Context, tenantID string) ([]model.Admin, error)
	ClaimAdminCeremony(ctx context.Context, id string, now time.Time) (model.AdminCeremony, error)
	ClaimAdminInvite(ctx context.Context, hash []byte, now time.Time) (tenantID string, err error)
	CreateAdmin(ctx context.Context, a model.Admin) error
	CreateAdminCeremony(ctx context.Context, c model.AdminCeremony) error
	CreateAdminInvite(ctx context.Context, inv model.AdminInvite) error
	CreateAdminPasskey(ctx context.Context, adminID string, p model.Passkey) error
	CreateAdminSession(ctx context.Context, s model.AdminSession) error
	DeleteAdminSession(ctx context.Context, hash []byte) error
	PurgeAdminCeremonies(ctx context.Context, cutoff time.Time) (int64, error)
	PurgeAdminInvites(ctx context.Context, cutoff time.Time) (int64, error)
	PurgeAdminSessions(ctx context.Context, cutoff time.Time) (int64, error)
	RecordAdminSignIn(ctx context.Context, p model.Passkey, checkedCount uint32) error
	Tenant(ctx context.Context, id string) (model.Tenant, error)
}

// Store is the store outside a transaction: InTx runs fn inside one and
// commits when it returns nil.
type Store interface {
	Queries
	InTx(ctx context.Context, fn func(q Queries) error) error
}
