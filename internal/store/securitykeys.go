package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// Security keys are WebAuthn credentials like passkeys, kept in their own
// table so that no query about passkeys ever counts one.

// CreateSecurityKey stores a new SECURITY_KEY authenticator and its
// credential atomically. A credential id the tenant already has, as a
// security key or a passkey, is a conflict.
func (q Queries) CreateSecurityKey(ctx context.Context, a model.Authenticator, p model.Passkey) error {
	return q.createCredential(ctx, "security_keys", "passkeys", a, p)
}

// SecurityKeys lists a user's security keys, oldest first.
func (q Queries) SecurityKeys(ctx context.Context, tenantID, userID string) ([]model.Passkey, error) {
	return q.userCredentials(ctx, "security_keys", tenantID, userID)
}

// SecurityKeyByCredentialID returns the tenant's security key with a
// credential id.
func (q Queries) SecurityKeyByCredentialID(ctx context.Context, tenantID string, credentialID []byte) (model.Passkey, error) {
	return q.credentialByID(ctx, "security_keys", tenantID, credentialID)
}

// RecordSecurityKeySignIn stores what a successful sign-in learned on the
// security key (sign count, flags, time) and the time on its
// authenticator, which lists read.
func (q Queries) RecordSecurityKeySignIn(ctx context.Context, p model.Passkey) error {
	return q.atomic(ctx, func(q Queries) error {
		if err := q.recordSignIn(ctx, "security_keys", p, ""); err != nil {
			return err
		}
		_, err := q.w.ExecContext(ctx, `UPDATE authenticators SET last_verified_at = $3
			WHERE tenant_id = $1 AND id = $2`, p.TenantID, p.AuthenticatorID, micros(p.LastVerifiedAt))
		if err != nil {
			return fmt.Errorf("record security key sign-in: %w", err)
		}
		return nil
	})
}

// RecordSecurityKeyCounterRegression notes that a sign-in with the
// security key was refused because its signature counter did not advance.
func (q Queries) RecordSecurityKeyCounterRegression(ctx context.Context, tenantID, authenticatorID string, at time.Time) error {
	return q.recordCounterRegression(ctx, "security_keys", tenantID, authenticatorID, at)
}
