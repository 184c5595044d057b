package tenancy

import (
	"context"
	"errors"

	"github.com/uplift-dev/uplift/internal/model"
)

// lastKeyMessage says why a tenant's last active key is not revoked.
const lastKeyMessage = "Create another key first: revoking the last key would stop your app's backend from calling Uplift."

// RevokeKeyKeepingOne revokes one of a tenant's secret keys, refusing
// (with a conflict) when it is the tenant's last active key. A key already
// revoked stays so without error; a key of another tenant is not found.
// Like RevokeKey, the key stops working on this instance at once.
func (s *Service) RevokeKeyKeepingOne(ctx context.Context, tenantID, keyID string) error {
	if !model.ValidUUID(keyID) {
		return model.Errorf(model.ErrNotFound, "not_found", "no key %q for this tenant", keyID)
	}
	err := s.store.RevokeAPIKeyKeepingOne(ctx, tenantID, keyID, s.Now())
	s.ForgetTenant(tenantID)
	if errors.Is(err, model.ErrConflict) {
		return &model.Error{Kind: model.ErrConflict, Code: "last_key", Description: lastKeyMessage, Cause: err}
	}
	return err
}

// APIKeys lists a tenant's secret keys by their prefixes, revoked ones
// included, oldest first.
func (s *Service) APIKeys(ctx context.Context, tenantID string) ([]model.APIKey, error) {
	return s.store.APIKeys(ctx, tenantID)
}
