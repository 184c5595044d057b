package passkeys

import (
	"context"

	"github.com/uplift-dev/uplift/internal/model"
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
