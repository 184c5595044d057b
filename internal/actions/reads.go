package actions

import (
	"context"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// The queries of users, their actions, authenticators and devices that the
// surfaces answer with, and the few plain writes that need no checks
// beyond the tenant's.

// User returns one of the tenant's users, or a not-found error.
func (s *Service) User(ctx context.Context, tenantID, userID string) (model.User, error) {
	return s.store.User(ctx, tenantID, userID)
}

// QueryUsers returns the tenant's users that q selects.
func (s *Service) QueryUsers(ctx context.Context, tenantID string, q model.UserQuery) ([]model.User, error) {
	return s.store.QueryUsers(ctx, tenantID, q)
}

// DeleteUser deletes a user with everything they enrolled and did.
func (s *Service) DeleteUser(ctx context.Context, tenantID, userID string) error {
	return s.store.DeleteUser(ctx, tenantID, userID)
}

// Action returns one of the tenant's actions by its idempotency key.
func (s *Service) Action(ctx context.Context, tenantID, key string) (model.Action, error) {
	return s.store.Action(ctx, tenantID, key)
}

// QueryActions returns the user's actions that q selects.
func (s *Service) QueryActions(ctx context.Context, tenantID, userID string, q model.ActionQuery) ([]model.Action, error) {
	return s.store.QueryActions(ctx, tenantID, userID, q)
}

// Authenticators lists a user's authenticators.
func (s *Service) Authenticators(ctx context.Context, tenantID, userID string) ([]model.Authenticator, error) {
	return s.store.Authenticators(ctx, tenantID, userID)
}

// DeleteAuthenticator removes one of a user's authenticators, with an
// authenticator.deleted webhook when the tenant wants one.
func (s *Service) DeleteAuthenticator(ctx context.Context, tenantID, userID, authID string) error {
	return s.store.InTx(ctx, func(q Queries) error {
		auths, err := q.Authenticators(ctx, tenantID, userID)
		if err != nil {
			return err
		}
		if err := q.DeleteAuthenticator(ctx, tenantID, userID, authID); err != nil {
			return err
		}
		for _, a := range auths {
			if a.ID == authID {
				return webhooks.AuthenticatorEvent(ctx, q, s.Source, webhooks.AuthenticatorDeleted, a, nil)
			}
		}
		return nil
	})
}

// TouchDevice records that a device was seen, creating it on first sight.
func (s *Service) TouchDevice(ctx context.Context, d model.Device) error {
	return s.store.TouchDevice(ctx, d)
}

// SetDeviceCapabilities stores what a device last reported it can do.
func (s *Service) SetDeviceCapabilities(ctx context.Context, tenantID, deviceID string, caps map[string]any) error {
	return s.store.SetDeviceCapabilities(ctx, tenantID, deviceID, caps, s.Now())
}

// Ping reports whether the database answers.
func (s *Service) Ping(ctx context.Context) error { return s.store.Ping(ctx) }

// OrphanDeviceAge is how long after it was last seen a device that no
// user was seen on and no passkey is known on is deleted.
const OrphanDeviceAge = 24 * time.Hour

// PurgeOrphanDevices deletes the devices that no user was seen on and no
// passkey is known on, last seen before cutoff: what a browser leaves that
// opened a sign-in page and went no further. Every instance may run it at
// any time.
func (s *Service) PurgeOrphanDevices(ctx context.Context, cutoff time.Time) (int64, error) {
	return s.store.PurgeOrphanDevices(ctx, cutoff)
}
