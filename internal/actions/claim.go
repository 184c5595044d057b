package actions

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/otp"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// Track with a verified Server API challenge (challengeId) completes the
// new action by the challenge's method: the checks and the claim. The
// Server API's claimChallenge is such a track of the challenge's action.

// claimWindow is how long after its code verified a Server API challenge
// may be claimed by track.
const claimWindow = otp.Lifetime

// prepareClaim checks that a track call may claim the Server API challenge
// it names: verified (or, with skipVerification, not yet expired), of the
// same action and (when the challenge names one) user, and not claimed by
// another action. The action takes the challenge's idempotency key when
// the call gives none.
func (s *Service) prepareClaim(ctx context.Context, t model.Tenant, in *TrackInput, skipVerification bool) (model.CodeChallenge, error) {
	if !model.ValidUUID(in.ChallengeID) {
		return model.CodeChallenge{}, model.NotFound("challenge not found")
	}
	ch, err := s.store.CodeChallenge(ctx, t.ID, in.ChallengeID, model.CodeServer)
	if err != nil {
		return ch, err
	}
	switch {
	case ch.VerifiedAt.IsZero() && !skipVerification:
		return ch, model.Invalid("the challenge's code has not been verified; verify it first")
	case ch.VerifiedAt.IsZero() && ch.ClaimedAt.IsZero() && !s.Now().Before(ch.ExpiresAt):
		return ch, model.Invalid("the challenge expired before its code was verified; start a new one")
	case ch.ActionCode != in.ActionCode:
		return ch, model.Invalid("the challenge was started for the action %q, not %q", ch.ActionCode, in.ActionCode)
	case ch.UserID != "" && ch.UserID != in.UserID:
		return ch, model.Errorf(model.ErrForbidden, "forbidden", "the challenge was started for another user")
	case in.IdempotencyKey != "" && in.IdempotencyKey != ch.IdempotencyKey:
		return ch, model.Invalid("idempotencyKey differs from the challenge's; leave it out or send %s", ch.IdempotencyKey)
	case ch.ClaimedAt.IsZero() && !ch.VerifiedAt.IsZero() && !s.Now().Before(ch.VerifiedAt.Add(claimWindow)):
		return ch, model.Invalid("the challenge was verified more than %d minutes ago; start a new one", int(claimWindow/time.Minute))
	}
	// A user whose method is locked after wrong codes is not signed in by
	// a code of that method, even one sent to an address without naming
	// them.
	lock, err := s.store.CodeLockout(ctx, t.ID, model.UserSubject(in.UserID), ch.Method)
	if err != nil {
		return ch, err
	}
	st := otp.Standing{Failures: lock.Failures, Lockouts: lock.Lockouts, LockedUntil: lock.LockedUntil, LastFailure: lock.LastFailure}
	if locked, wait := st.Locked(s.Now()); locked {
		return ch, model.Errorf(model.ErrRateLimited, "too_many_requests",
			"too many wrong codes: the user's %s codes are locked for %d more seconds", ch.Method, int(wait.Seconds())+1)
	}
	in.IdempotencyKey = ch.IdempotencyKey
	return ch, nil
}

// claimChallenge completes a newly tracked action with the verified Server
// API challenge it named, inside track's transaction: the action becomes
// CHALLENGE_SUCCEEDED by the challenge's method, the address counts as
// verified, and a user with no authenticator of that method gets one for
// it. A challenge whose code was not verified (claimed with
// skipVerificationCheck, which prepareClaim allowed) proves nothing: the
// action is completed on the word of the app's backend (the history says
// server_api), and no address is marked verified or enrolled. An action
// the challenge cannot complete (blocked, under review) is left as it is
// and the challenge unclaimed. It returns the action and the user's
// authenticators as they are afterwards.
func (s *Service) claimChallenge(ctx context.Context, q Queries, t model.Tenant, ch model.CodeChallenge,
	a model.Action, auths []model.Authenticator) (model.Action, []model.Authenticator, error) {
	if !ch.ClaimedAt.IsZero() || (a.State != model.StateAllow && a.State != model.StateChallengeRequired) {
		// Claimed already, by this same action tracked again; or the
		// action cannot be completed.
		return a, auths, nil
	}
	if ch.VerifiedAt.IsZero() {
		return s.claimUnverified(ctx, q, t, ch, a, auths)
	}
	err := q.ClaimCodeChallenge(ctx, t.ID, ch.ID, s.Now())
	if errors.Is(err, model.ErrStale) {
		return a, auths, model.Errorf(model.ErrConflict, "conflict", "the challenge was already claimed")
	}
	if err != nil {
		return a, auths, err
	}
	au, err := s.enrolClaimedAddress(ctx, q, a.UserID, ch, auths)
	if err != nil {
		return a, auths, err
	}
	if err := s.MarkContactVerified(ctx, q, t.ID, a.UserID, ch.Email, ch.PhoneNumber); err != nil {
		return a, auths, err
	}
	if a, err = s.CompleteAction(ctx, q, t.ID, a.IdempotencyKey, ch.Method, au.ID); err != nil {
		return a, auths, err
	}
	auths, err = q.Authenticators(ctx, t.ID, a.UserID)
	return a, auths, err
}

// enrolClaimedAddress returns the user's authenticator for the verified
// address, noting its use, or enrols the address when the user has no
// authenticator of that method. A user who has one for another address
// keeps it, and the sign-in is recorded without an authenticator.
func (s *Service) enrolClaimedAddress(ctx context.Context, q Queries, userID string, ch model.CodeChallenge,
	auths []model.Authenticator) (model.Authenticator, error) {
	now := s.Now()
	ofMethod := false
	for _, a := range auths {
		if a.Method != ch.Method {
			continue
		}
		ofMethod = true
		if !strings.EqualFold(a.Email, ch.Email) || a.PhoneNumber != ch.PhoneNumber {
			continue
		}
		a.LastVerifiedAt = now
		if a.VerifiedAt.IsZero() {
			a.VerifiedAt = now
		}
		return a, q.SetAuthenticatorVerified(ctx, a)
	}
	if ofMethod {
		return model.Authenticator{}, nil
	}
	a := model.Authenticator{ID: s.NewID(), TenantID: ch.TenantID, UserID: userID, Method: ch.Method,
		Email: ch.Email, PhoneNumber: ch.PhoneNumber, IsDefault: len(auths) == 0,
		CreatedAt: now, VerifiedAt: now, LastVerifiedAt: now}
	if err := q.CreateAuthenticator(ctx, a); err != nil {
		return a, err
	}
	return a, webhooks.AuthenticatorEvent(ctx, q, s.Source, webhooks.AuthenticatorCreated, a, nil)
}

// claimUnverified completes the action with a challenge whose code was
// never verified, on the app's word: see claimChallenge.
func (s *Service) claimUnverified(ctx context.Context, q Queries, t model.Tenant, ch model.CodeChallenge,
	a model.Action, auths []model.Authenticator) (model.Action, []model.Authenticator, error) {
	err := q.ClaimCodeChallengeUnverified(ctx, t.ID, ch.ID, s.Now())
	if errors.Is(err, model.ErrStale) {
		return a, auths, model.Errorf(model.ErrConflict, "conflict", "the challenge was already claimed or has expired")
	}
	if err != nil {
		return a, auths, err
	}
	s.log.InfoContext(ctx, "challenge claimed without its code verified", "tenant", t.ID, "action", a.Code)
	a, err = s.completeAction(ctx, q, t.ID, a.IdempotencyKey, ch.Method, "", model.SourceServerAPI)
	return a, auths, err
}

// ClaimResult is what claiming a challenge gives: the action tracked for
// it, with its token.
type ClaimResult struct {
	TrackResult
	// Method is the challenge's verification method.
	Method model.VerificationMethod
}

// ClaimChallenge claims a Server API challenge for a user, as
// @authsignal/node's claimChallenge does: it tracks the challenge's
// action for the user with the challenge, as track with a challengeId
// does, and returns that action with its token. Claiming again for the
// same user returns the same action; a challenge claimed by another user
// is a conflict. skipVerification lets a challenge whose code was not
// verified be claimed while it has not expired (see claimChallenge); only
// the Server API, with the app's secret key, may ask for it.
func (s *Service) ClaimChallenge(ctx context.Context, t model.Tenant, challengeID, userID string,
	skipVerification bool) (ClaimResult, error) {
	if !model.ValidUserID(userID) {
		return ClaimResult{}, model.Invalid("userId must be 1 to 255 characters without slashes or control characters")
	}
	if !model.ValidUUID(challengeID) {
		return ClaimResult{}, model.NotFound("challenge not found")
	}
	ch, err := s.store.CodeChallenge(ctx, t.ID, challengeID, model.CodeServer)
	if err != nil {
		return ClaimResult{}, err
	}
	if !ch.ClaimedAt.IsZero() {
		// Claimed: by this user again (the same action, idempotently), or
		// by another, who keeps it.
		a, err := s.store.Action(ctx, t.ID, ch.IdempotencyKey)
		if err != nil && !isNotFound(err) {
			return ClaimResult{}, err
		}
		if err != nil || a.UserID != userID {
			return ClaimResult{}, model.Errorf(model.ErrConflict, "conflict", "the challenge was already claimed by another user")
		}
	}
	res, err := s.track(ctx, t, TrackInput{UserID: userID, ActionCode: ch.ActionCode, ChallengeID: challengeID}, skipVerification)
	if err != nil {
		return ClaimResult{}, err
	}
	return ClaimResult{TrackResult: res, Method: ch.Method}, nil
}
