package tenancy

import (
	"context"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// Queries is what tenancy reads and writes in the store, inside a
// transaction or not.
type Queries interface {
	APIKeys(ctx context.Context, tenantID string) ([]model.APIKey, error)
	ActionConfig(ctx context.Context, tenantID, code string) (model.ActionConfig, error)
	CreateAPIKey(ctx context.Context, k model.APIKey) error
	CreateTenant(ctx context.Context, t model.Tenant) error
	LockTenantCreation(ctx context.Context) error
	OriginKnown(ctx context.Context, origin string) (bool, error)
	RevokeAPIKey(ctx context.Context, tenantID, keyID string, at time.Time) error
	RevokeAPIKeyKeepingOne(ctx context.Context, tenantID, keyID string, at time.Time) error
	Tenant(ctx context.Context, id string) (model.Tenant, error)
	TenantByKeyHash(ctx context.Context, hash []byte) (model.Tenant, error)
	TenantsByRPID(ctx context.Context, rpID string) ([]model.Tenant, error)
	Tenants(ctx context.Context) ([]model.Tenant, error)
	UpdateTenant(ctx context.Context, t model.Tenant) error
}

// Store is the store outside a transaction: InTx runs fn inside one and
// commits when it returns nil.
type Store interface {
	Queries
	InTx(ctx context.Context, fn func(q Queries) error) error
}
