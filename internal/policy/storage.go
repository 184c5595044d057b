package policy

import (
	"context"

	"github.com/uplift-dev/uplift/internal/model"
)

// Queries is what policy reads and writes in the store, inside a
// transaction or not.
type Queries interface {
	ActionConfig(ctx context.Context, tenantID, code string) (model.ActionConfig, error)
	ActionConfigs(ctx context.Context, tenantID string) ([]model.ActionConfig, error)
	CreateActionConfig(ctx context.Context, c model.ActionConfig) error
	CreateRule(ctx context.Context, r model.Rule) error
	DeleteActionConfig(ctx context.Context, tenantID, code string) error
	DeleteRule(ctx context.Context, tenantID, actionCode, id string) error
	DeleteValueList(ctx context.Context, tenantID, alias string) error
	Rule(ctx context.Context, tenantID, actionCode, id string) (model.Rule, error)
	Rules(ctx context.Context, tenantID, actionCode string) ([]model.Rule, error)
	SaveValueList(ctx context.Context, l model.ValueList) error
	Tenant(ctx context.Context, id string) (model.Tenant, error)
	UpdateActionConfig(ctx context.Context, c model.ActionConfig) error
	UpdateRule(ctx context.Context, r model.Rule) error
	UpdateTenant(ctx context.Context, t model.Tenant) error
	ValueList(ctx context.Context, tenantID, alias string) (model.ValueList, error)
	ValueLists(ctx context.Context, tenantID string) ([]model.ValueList, error)
}

// Store is the store outside a transaction: InTx runs fn inside one and
// commits when it returns nil.
type Store interface {
	Queries
	InTx(ctx context.Context, fn func(q Queries) error) error
}
