package flows

import (
	"context"
	"errors"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/token"
)

// Validation is what validate says of a token.
type Validation struct {
	IsValid bool
	// Action is the token's action as store.ActionState reads it: its
	// identity and state, nothing more.
	Action model.Action
	// Error names why the token was not valid, when it was not.
	Error string
}

// ParseToken checks a token issued for tenant t.
func (s *Service) ParseToken(t model.Tenant, raw string) (token.Claims, error) {
	return token.Parse(raw, s.Clock(), func(tenantID string) ([]byte, error) {
		if tenantID != t.ID {
			return nil, errors.New("token belongs to another tenant")
		}
		return t.TokenKey, nil
	})
}

// Validate reports whether a token shows a successfully completed
// challenge for its action. userID and actionCode, when given, must match
// the token's. A token that is forged, expired or another tenant's is not
// an error: it is reported as not valid.
func (s *Service) Validate(ctx context.Context, t model.Tenant, raw, userID, actionCode string) (Validation, error) {
	if raw == "" {
		return Validation{}, model.Invalid("token is required")
	}
	claims, err := s.ParseToken(t, raw)
	if err != nil {
		var me *model.Error
		if errors.As(err, &me) {
			return Validation{Error: me.Description}, nil
		}
		return Validation{}, err
	}
	if (userID != "" && userID != claims.UserID) || (actionCode != "" && actionCode != claims.ActionCode) {
		return Validation{Error: "the token belongs to another user or action"}, nil
	}
	a, err := s.store.ActionState(ctx, t.ID, claims.IdempotencyKey)
	if errors.Is(err, model.ErrNotFound) {
		return Validation{Error: "the token's action no longer exists"}, nil
	}
	if err != nil {
		return Validation{}, err
	}
	if a.UserID != claims.UserID || a.Code != claims.ActionCode {
		return Validation{Error: "the token does not match its action"}, nil
	}
	return Validation{IsValid: a.State == model.StateChallengeSucceeded, Action: a}, nil
}

// SetActionState moves an action to state, as an admin or the app's
// backend decides (typically after a review).
func (s *Service) SetActionState(ctx context.Context, tenantID, userID, code, key string, state model.ActionState) (model.Action, error) {
	if !state.Valid() {
		return model.Action{}, model.Invalid("unknown state %q", state)
	}
	var a model.Action
	err := s.store.InTx(ctx, func(q storeQueries) error {
		var err error
		if a, err = q.Action(ctx, tenantID, key); err != nil {
			return err
		}
		if a.UserID != userID || a.Code != code {
			return model.NotFound("action not found")
		}
		a.State, a.StateUpdatedAt = state, s.Now()
		return q.SetActionState(ctx, a)
	})
	return a, err
}

// ParseTokenAnyTenant checks a token presented without a secret key (by a
// browser or the Client API): the tenant is the one the token names.
func (s *Service) ParseTokenAnyTenant(ctx context.Context, raw string) (token.Claims, error) {
	if raw == "" || len(raw) > 4096 {
		return token.Claims{}, model.Errorf(model.ErrUnauthenticated, "invalid_token", "the token is missing or not valid")
	}
	return token.Parse(raw, s.Clock(), func(tenantID string) ([]byte, error) {
		if !model.ValidUUID(tenantID) {
			return nil, errors.New("malformed tenant id")
		}
		t, err := s.tenant(ctx, tenantID)
		if err != nil {
			return nil, err
		}
		return t.TokenKey, nil
	})
}
