package flows

import (
	"context"
	"slices"

	"github.com/uplift-dev/uplift/internal/model"
)

// RecoveryMethodsSatisfied reports whether a user meets the tenant's
// recovery-method requirement for the uplift prompt (SPEC §4, check 3).
// A tenant whose passkey configuration lists no recoveryMethods requires
// nothing. Otherwise the user needs a verified authenticator of a listed
// method that this server can also challenge them with: an email
// authenticator does not count while email codes are not configured, since
// it could not get the user back in.
func (s *Service) RecoveryMethodsSatisfied(ctx context.Context, t model.Tenant, userID string) (bool, error) {
	if len(t.Passkey.RecoveryMethods) == 0 {
		return true, nil
	}
	auths, err := s.store.Authenticators(ctx, t.ID, userID)
	if err != nil {
		return false, err
	}
	usable := s.offered(t.Passkey.RecoveryMethods)
	for _, m := range enrolledMethods(auths) {
		if slices.Contains(usable, m) {
			return true, nil
		}
	}
	return false, nil
}
