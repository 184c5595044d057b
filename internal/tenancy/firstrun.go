package tenancy

import (
	"context"

	"github.com/uplift-dev/uplift/internal/model"
)

// EnsureTenant returns the tenant that pick chooses among those that
// exist or, when it chooses none, creates one as nt describes and
// returns it with its secret key, which is shown only then. Callers
// running at once, in this process or in another sharing the database,
// never both create one: the second finds the first's.
func (s *Service) EnsureTenant(ctx context.Context, nt NewTenant, pick func([]model.Tenant) (model.Tenant, bool)) (t model.Tenant, secret string, created bool, err error) {
	fresh, err := s.newTenant(nt)
	if err != nil {
		return model.Tenant{}, "", false, err
	}
	err = s.store.InTx(ctx, func(q Queries) error {
		t, secret, created = model.Tenant{}, "", false
		if err := q.LockTenantCreation(ctx); err != nil {
			return err
		}
		tenants, err := q.Tenants(ctx)
		if err != nil {
			return err
		}
		if found, ok := pick(tenants); ok {
			t = found
			return nil
		}
		if secret, err = s.insertTenant(ctx, q, fresh); err != nil {
			return err
		}
		t, created = fresh, true
		return nil
	})
	if err != nil {
		return model.Tenant{}, "", false, err
	}
	return t, secret, created, nil
}

// AnyTenant chooses the oldest tenant, if there is one: with EnsureTenant
// it creates a first tenant on an empty database only.
func AnyTenant(tenants []model.Tenant) (model.Tenant, bool) {
	return oldest(tenants, func(model.Tenant) bool { return true })
}

// TenantNamed returns a choice for EnsureTenant: the oldest tenant named
// name.
func TenantNamed(name string) func([]model.Tenant) (model.Tenant, bool) {
	return func(tenants []model.Tenant) (model.Tenant, bool) {
		return oldest(tenants, func(t model.Tenant) bool { return t.Name == name })
	}
}

func oldest(tenants []model.Tenant, match func(model.Tenant) bool) (model.Tenant, bool) {
	var best model.Tenant
	found := false
	for _, t := range tenants {
		if !match(t) {
			continue
		}
		if !found || t.CreatedAt.Before(best.CreatedAt) || (t.CreatedAt.Equal(best.CreatedAt) && t.ID < best.ID) {
			best, found = t, true
		}
	}
	return best, found
}
