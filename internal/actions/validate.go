package actions

import (
	"context"
	"errors"

	"github.com/uplift-dev/uplift/internal/model"
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

// Validate reports whether a token shows a successfully completed
// challenge for its action: its state is CHALLENGE_SUCCEEDED, whether a
// challenge made it so or the app's backend declared it (the action's
// StateSource tells which). userID and actionCode, when given, must match
// the token's. A token that is forged, expired or another tenant's is not
// an error: it is reported as not valid.
func (s *Service) Validate(ctx context.Context, t model.Tenant, raw, userID, actionCode string) (Validation, error) {
	if raw == "" {
		return Validation{}, model.Invalid("token is required")
	}
	claims, err := s.tenancy.ParseToken(t, raw)
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
