package tenancy

import (
	"context"
	"errors"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/token"
)

// ClientCaller is who calls the Client API: a tenant, and the claims of
// the token the caller presented, if any. Without a token the caller only
// named the tenant (username-less passkey sign-in).
type ClientCaller struct {
	Tenant model.Tenant
	Claims *token.Claims
}

var errClientAuth = model.Errorf(model.ErrUnauthenticated, "unauthorized",
	"send a token as Bearer, or the tenant id as Basic, in the Authorization header")

// ClientByToken authenticates a Client API caller by a token from track or
// an earlier client step, and loads the tenant the token belongs to.
func (s *Service) ClientByToken(ctx context.Context, raw string) (ClientCaller, error) {
	if raw == "" || len(raw) > 4096 {
		return ClientCaller{}, model.Errorf(model.ErrUnauthenticated, "invalid_token", "the token is missing or not valid")
	}
	var t model.Tenant
	claims, err := token.Parse(raw, s.Clock(), func(tenantID string) ([]byte, error) {
		if !model.ValidUUID(tenantID) {
			return nil, errors.New("malformed tenant id")
		}
		var err error
		t, err = s.Tenant(ctx, tenantID)
		return t.TokenKey, err
	})
	if err != nil {
		return ClientCaller{}, err
	}
	return ClientCaller{Tenant: t, Claims: &claims}, nil
}

// ClientByTenantID authenticates a Client API caller that only names its
// tenant, as the browser SDK does for username-less sign-in.
func (s *Service) ClientByTenantID(ctx context.Context, tenantID string) (ClientCaller, error) {
	if !model.ValidUUID(tenantID) {
		return ClientCaller{}, errClientAuth
	}
	t, err := s.Tenant(ctx, tenantID)
	if errors.Is(err, model.ErrNotFound) {
		return ClientCaller{}, model.Errorf(model.ErrUnauthenticated, "unauthorized", "unknown tenant")
	}
	if err != nil {
		return ClientCaller{}, err
	}
	return ClientCaller{Tenant: t}, nil
}

// RequireToken returns the caller's claims, or an error for a caller that
// presented only a tenant id.
func (c ClientCaller) RequireToken() (token.Claims, error) {
	if c.Claims == nil {
		return token.Claims{}, model.Errorf(model.ErrUnauthenticated, "token_not_set",
			"this endpoint needs a token from track or an earlier step as Bearer")
	}
	return *c.Claims, nil
}

// IssueActionToken returns a new token for an action, bound to a device
// and carrying the given scope: the access token a client step returns,
// and the token the hosted pages pass on to the next page or the app.
func (s *Service) IssueActionToken(t model.Tenant, a model.Action, deviceID, scope string) (string, error) {
	return token.Issue(t.TokenKey, token.Claims{
		TenantID: t.ID, UserID: a.UserID, ActionCode: a.Code, IdempotencyKey: a.IdempotencyKey,
		DeviceID: deviceID, Scope: scope, IssuedAt: s.Now(),
	})
}
