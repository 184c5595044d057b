package policy

import (
	"context"

	"github.com/uplift-dev/uplift/internal/model"
)

// ActionConfig returns one of the tenant's action configurations, as
// stored now (track reads them through the tenant cache instead).
func (s *Service) ActionConfig(ctx context.Context, tenantID, code string) (model.ActionConfig, error) {
	return s.store.ActionConfig(ctx, tenantID, code)
}

// ActionConfigs lists the tenant's action configurations.
func (s *Service) ActionConfigs(ctx context.Context, tenantID string) ([]model.ActionConfig, error) {
	return s.store.ActionConfigs(ctx, tenantID)
}

// Rules lists the rules of one of the tenant's action configurations.
func (s *Service) Rules(ctx context.Context, tenantID, code string) ([]model.Rule, error) {
	return s.store.Rules(ctx, tenantID, code)
}

// Rule returns one rule of one of the tenant's action configurations.
func (s *Service) Rule(ctx context.Context, tenantID, code, id string) (model.Rule, error) {
	return s.store.Rule(ctx, tenantID, code, id)
}

// ValueLists lists the tenant's value lists.
func (s *Service) ValueLists(ctx context.Context, tenantID string) ([]model.ValueList, error) {
	return s.store.ValueLists(ctx, tenantID)
}

// ValueList returns one of the tenant's value lists by its alias.
func (s *Service) ValueList(ctx context.Context, tenantID, alias string) (model.ValueList, error) {
	return s.store.ValueList(ctx, tenantID, alias)
}
