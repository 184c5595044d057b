package passkeys

import (
	"context"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/token"
)

// namedPasskey returns p for an authenticator.* webhook, named as the
// user sees it: its own name, or its provider's.
func (s *Service) namedPasskey(ctx context.Context, p model.Passkey) *model.Passkey {
	if p.Name == "" {
		p.Name = s.passkeyName(ctx, p.AAGUID, p.ParsedUserAgent)
	}
	return &p
}

// passkeyAuthenticator is the authenticator a passkey is, for webhooks.
func passkeyAuthenticator(p model.Passkey, method model.VerificationMethod) model.Authenticator {
	return model.Authenticator{ID: p.AuthenticatorID, TenantID: p.TenantID, UserID: p.UserID, Method: method,
		CreatedAt: p.CreatedAt}
}

// verifyFirstEnrolment asks the action's action.verify webhook, if any,
// before a user's first authenticator (authID) completes the action, and
// outside the transaction that stores it. A user who has one already
// completes nothing by adding another, so nothing is asked.
func (s *Service) verifyFirstEnrolment(ctx context.Context, tenantID string, claims token.Claims,
	method model.VerificationMethod, authID string) (context.Context, error) {
	auths, err := s.store.Authenticators(ctx, tenantID, claims.UserID)
	if err != nil || len(auths) > 0 {
		return ctx, err
	}
	return s.actions.VerifyCompletion(ctx, tenantID, claims.ActionCode, claims.IdempotencyKey, method, authID)
}
