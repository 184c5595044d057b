package demo

import (
	"context"
	"fmt"

	"github.com/uplift-dev/uplift/internal/flows"
	"github.com/uplift-dev/uplift/internal/model"
)

// TenantName names the tenant the demo app signs its users in to, apart
// from the operator's own tenants.
const TenantName = "Uplift demo"

// EnsureTenant returns the demo tenant, creating it on first start, with
// a secret key issued for this process alone: the key lives only in
// memory, and the keys earlier runs were given are revoked, since no one
// can know them any more.
func EnsureTenant(ctx context.Context, svc *flows.Service) (model.Tenant, string, error) {
	tenants, err := svc.Store().Tenants(ctx)
	if err != nil {
		return model.Tenant{}, "", err
	}
	for _, t := range tenants {
		if t.Name != TenantName {
			continue
		}
		if err := revokeKeys(ctx, svc, t.ID); err != nil {
			return model.Tenant{}, "", err
		}
		_, secret, err := svc.IssueKey(ctx, t.ID)
		return t, secret, err
	}
	t, secret, err := svc.CreateTenant(ctx, flows.NewTenant{Name: TenantName, RPName: "Uplift demo app"})
	if err != nil {
		return model.Tenant{}, "", fmt.Errorf("create the demo tenant: %w", err)
	}
	return t, secret, nil
}

func revokeKeys(ctx context.Context, svc *flows.Service, tenantID string) error {
	keys, err := svc.Store().APIKeys(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if !k.RevokedAt.IsZero() {
			continue
		}
		if err := svc.RevokeKey(ctx, tenantID, k.ID); err != nil {
			return err
		}
	}
	return nil
}
