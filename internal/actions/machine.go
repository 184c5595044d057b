package actions

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/token"
)

// The action state machine: who may complete an action, fail it, or add
// an authenticator during it. The domains that prove users (passkeys,
// codes) call these inside the transactions that store their proofs.

// MayAddAuthenticator applies the enrolment rule of SPEC §7 to any
// method (a passkey, an email address, a phone number or an authenticator
// app): a user with no authenticator may enrol the first with a plain
// track token; a user who has one may add another only after completing a
// challenge in the same action, or with a token whose scope includes
// add:authenticators. It reports whether this would be the user's first
// authenticator.
func (s *Service) MayAddAuthenticator(ctx context.Context, q Queries, claims token.Claims) (first bool, err error) {
	auths, err := q.Authenticators(ctx, claims.TenantID, claims.UserID)
	if err != nil {
		return false, err
	}
	a, err := q.Action(ctx, claims.TenantID, claims.IdempotencyKey)
	if errors.Is(err, model.ErrNotFound) || (err == nil && (a.UserID != claims.UserID || a.Code != claims.ActionCode)) {
		return false, model.Errorf(model.ErrUnauthenticated, "invalid_token", "the token's action no longer exists")
	}
	if err != nil {
		return false, err
	}
	switch {
	case len(auths) == 0:
		return true, nil
	case a.State == model.StateChallengeSucceeded, claims.HasScope(model.ScopeAddAuthenticators):
		return false, nil
	}
	return false, model.Errorf(model.ErrForbidden, "forbidden",
		"the user already has an authenticator: complete a challenge in this action first, or track with scope add:authenticators")
}

// CompleteAction records that an authenticator completed the action's
// challenge: CHALLENGE_REQUIRED and ALLOW become CHALLENGE_SUCCEEDED with
// the method that completed it, if the action permits that method; an action already succeeded keeps the
// method that completed it first; blocked, failed or reviewed actions
// cannot be completed.
func (s *Service) CompleteAction(ctx context.Context, q Queries, tenantID, key string,
	method model.VerificationMethod, authID string) (model.Action, error) {
	return s.completeAction(ctx, q, tenantID, key, method, authID, model.SourceChallenge)
}

// completeAction is CompleteAction on the word of by: the challenge
// itself, or the app's backend claiming a challenge whose code it did not
// have checked.
func (s *Service) completeAction(ctx context.Context, q Queries, tenantID, key string,
	method model.VerificationMethod, authID string, by model.StateSource) (model.Action, error) {
	a, err := q.Action(ctx, tenantID, key)
	if err != nil {
		return a, err
	}
	if a.State == model.StateChallengeSucceeded {
		return a, nil
	}
	if err := cannotComplete(a, method); err != nil {
		return a, err
	}
	// The app's action.verify webhook, when the action has one, must have
	// approved this completion first (see VerifyCompletion).
	if need, err := s.needsVerification(ctx, q, a); err != nil || need {
		if err == nil {
			err = errSignInRefused
		}
		return a, err
	}
	tracked := a.State
	a.State, a.StateUpdatedAt, a.StateSource = model.StateChallengeSucceeded, s.Now(), by
	a.VerificationMethod, a.VerifiedAuthenticatorID = method, authID
	if err := q.SetActionState(ctx, a); err != nil {
		return a, err
	}
	return a, s.logAction(ctx, q, a, tracked)
}

// MoveAction moves one of the user's actions to any state, on the word
// of by: the app's backend (Server API) or an admin. The change is
// recorded in the action's history with by. See movedAction for what it
// does to the verifying method.
func (s *Service) MoveAction(ctx context.Context, tenantID, userID, code, key string,
	to model.ActionState, by model.StateSource) (model.Action, error) {
	if !to.Valid() {
		return model.Action{}, model.Invalid("state must be one of %s", model.JoinStates(model.ActionStates))
	}
	var a model.Action
	err := s.store.InTx(ctx, func(q Queries) error {
		var err error
		if a, err = q.Action(ctx, tenantID, key); err != nil {
			return err
		}
		if a.UserID != userID || a.Code != code {
			return model.NotFound("action not found")
		}
		var changed bool
		if a, changed = movedAction(a, to, by, s.Now()); !changed {
			return nil
		}
		s.log.InfoContext(ctx, "action state set", "tenant", tenantID, "action", code, "state", to, "by", by)
		if err := q.SetActionState(ctx, a); err != nil {
			return err
		}
		if !finalStates[a.State] {
			return nil
		}
		tracked, err := trackedState(ctx, q, a)
		if err != nil {
			return err
		}
		return s.logAction(ctx, q, a, tracked)
	})
	return a, err
}

// SetActionState moves an action to state on the word of the app's
// backend (the Server API's updateAction): MoveAction by
// model.SourceServerAPI.
func (s *Service) SetActionState(ctx context.Context, tenantID, userID, code, key string, state model.ActionState) (model.Action, error) {
	return s.MoveAction(ctx, tenantID, userID, code, key, state, model.SourceServerAPI)
}

// movedAction is a moved to state to by by at now, and whether that
// changes anything: moving to the state it is in already changes nothing
// (no history entry). CHALLENGE_SUCCEEDED set from another state was
// proved by no method, so the action then names none, and validate
// reports no verificationMethod; any other state keeps the method that
// verified the action earlier, as a record.
func movedAction(a model.Action, to model.ActionState, by model.StateSource, now time.Time) (model.Action, bool) {
	if a.State == to {
		return a, false
	}
	if to == model.StateChallengeSucceeded {
		a.VerificationMethod, a.VerifiedAuthenticatorID = "", ""
	}
	a.State, a.StateUpdatedAt, a.StateSource = to, now, by
	return a, true
}

// cannotComplete reports why a challenge by method cannot complete the
// action, or nil when it can.
func cannotComplete(a model.Action, method model.VerificationMethod) error {
	switch a.State {
	case model.StateChallengeRequired, model.StateAllow:
		return methodPermitted(a, method)
	}
	return model.Errorf(model.ErrForbidden, "forbidden", "the action is %s; a challenge cannot complete it", a.State)
}

// MarkContactVerified records a verified email or phone number on the user
// when the user has none or has the same one unverified.
func (s *Service) MarkContactVerified(ctx context.Context, q Queries, tenantID, userID, email, phone string) error {
	u, err := q.User(ctx, tenantID, userID)
	if err != nil {
		return err
	}
	if email != "" && (u.Email == "" || strings.EqualFold(u.Email, email)) {
		u.Email, u.EmailVerified = email, true
	}
	if phone != "" && (u.PhoneNumber == "" || u.PhoneNumber == phone) {
		u.PhoneNumber, u.PhoneNumberVerified = phone, true
	}
	u.UpdatedAt = s.Now()
	return q.UpdateUser(ctx, u)
}

// FailAction records that the action's challenge failed after too many
// wrong codes. An action already completed, blocked or under review keeps
// its state.
func (s *Service) FailAction(ctx context.Context, q Queries, tenantID, key string) error {
	a, err := q.Action(ctx, tenantID, key)
	if err != nil {
		return err
	}
	if a.State != model.StateChallengeRequired && a.State != model.StateAllow {
		return nil
	}
	tracked := a.State
	a.State, a.StateUpdatedAt, a.StateSource = model.StateChallengeFailed, s.Now(), model.SourceChallenge
	s.log.InfoContext(ctx, "challenge failed after too many wrong codes", "tenant", tenantID, "action", a.Code)
	if err := q.SetActionState(ctx, a); err != nil {
		return err
	}
	return s.logAction(ctx, q, a, tracked)
}

// TokenAction loads the action a Client API token names.
func (s *Service) TokenAction(ctx context.Context, claims token.Claims) (model.Action, error) {
	a, err := s.store.Action(ctx, claims.TenantID, claims.IdempotencyKey)
	if isNotFound(err) || (err == nil && (a.UserID != claims.UserID || a.Code != claims.ActionCode)) {
		return a, model.Errorf(model.ErrUnauthenticated, "invalid_token", "the token's action no longer exists")
	}
	return a, err
}

// CheckTokenAction refuses to send codes for an action no challenge can
// complete any more, or that does not permit the method.
func (s *Service) CheckTokenAction(ctx context.Context, claims token.Claims, m model.VerificationMethod) error {
	a, err := s.TokenAction(ctx, claims)
	if err != nil {
		return err
	}
	if err := actionOpen(a); err != nil {
		return err
	}
	return methodPermitted(a, m)
}

// methodPermitted refuses a method the action does not permit.
func methodPermitted(a model.Action, m model.VerificationMethod) error {
	if len(a.AllowedMethods) > 0 && !slices.Contains(a.AllowedMethods, m) {
		return model.Errorf(model.ErrForbidden, "method_not_allowed",
			"this action does not permit %s; use one of %s", m, model.JoinMethods(a.AllowedMethods))
	}
	return nil
}

// actionOpen reports why no challenge can complete an action, if none can.
func actionOpen(a model.Action) error {
	switch a.State {
	case model.StateAllow, model.StateChallengeRequired, model.StateChallengeSucceeded:
		return nil
	case model.StateChallengeFailed:
		return model.Errorf(model.ErrForbidden, "forbidden",
			"the action's challenge failed after too many wrong codes; track a new action")
	}
	return model.Errorf(model.ErrForbidden, "forbidden", "the action is %s; a challenge cannot complete it", a.State)
}

// ActionFailed reports whether the token's action already failed its
// challenge, in which case no code is checked any more; an action no
// challenge can complete for another reason is an error.
func (s *Service) ActionFailed(ctx context.Context, claims token.Claims) (bool, error) {
	a, err := s.TokenAction(ctx, claims)
	if err != nil {
		return false, err
	}
	if a.State == model.StateChallengeFailed {
		return true, nil
	}
	return false, actionOpen(a)
}
