package actions

import (
	"context"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/token"
)

// MayManageAuthenticators applies the rule of the hosted Passkeys page:
// a user may rename or remove their authenticators only in an action the
// app tracked with redirectToSettings, and only after proving who they
// are in that same action (its challenge succeeded by the user's own
// proof; a state the app's backend or an admin set does not count). It
// returns the action.
func (s *Service) MayManageAuthenticators(ctx context.Context, q Queries, claims token.Claims) (model.Action, error) {
	a, err := q.Action(ctx, claims.TenantID, claims.IdempotencyKey)
	if isNotFound(err) || (err == nil && (a.UserID != claims.UserID || a.Code != claims.ActionCode)) {
		return a, model.Errorf(model.ErrUnauthenticated, "invalid_token", "the token's action no longer exists")
	}
	if err != nil {
		return a, err
	}
	return a, ManageableAction(a)
}

// ManageableAction reports why the user of action a may not manage their
// authenticators in it, or nil when they may (see MayManageAuthenticators).
func ManageableAction(a model.Action) error {
	if !a.RedirectToSettings {
		return model.Errorf(model.ErrForbidden, "settings_not_requested", "this action was not tracked with redirectToSettings")
	}
	if a.State != model.StateChallengeSucceeded || a.StateSource != model.SourceChallenge {
		return model.Errorf(model.ErrForbidden, "not_verified", "the user has not proved who they are in this action")
	}
	return nil
}
