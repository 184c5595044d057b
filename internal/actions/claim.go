package actions

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/otp"
)

// Track with a verified Server API challenge (challengeId) completes the
// new action by the challenge's method: the checks and the claim.

// claimWindow is how long after its code verified a Server API challenge
// may be claimed by track.
const claimWindow = otp.Lifetime

// prepareClaim checks that a track call may claim the Server API challenge
// it names: verified, of the same action and (when the challenge names
// one) user, and not claimed by another action. The action takes the
// challenge's idempotency key when the call gives none.
func (s *Service) prepareClaim(ctx context.Context, t model.Tenant, in *TrackInput) (model.CodeChallenge, error) {
	if !model.ValidUUID(in.ChallengeID) {
		return model.CodeChallenge{}, model.NotFound("challenge not found")
	}
	ch, err := s.store.CodeChallenge(ctx, t.ID, in.ChallengeID, model.CodeServer)
	if err != nil {
		return ch, err
	}
	switch {
	case ch.VerifiedAt.IsZero():
		return ch, model.Invalid("the challenge's code has not been verified; verify it first")
	case ch.ActionCode != in.ActionCode:
		return ch, model.Invalid("the challenge was started for the action %q, not %q", ch.ActionCode, in.ActionCode)
	case ch.UserID != "" && ch.UserID != in.UserID:
		return ch, model.Errorf(model.ErrForbidden, "forbidden", "the challenge was started for another user")
	case in.IdempotencyKey != "" && in.IdempotencyKey != ch.IdempotencyKey:
		return ch, model.Invalid("idempotencyKey differs from the challenge's; leave it out or send %s", ch.IdempotencyKey)
	case ch.ClaimedAt.IsZero() && !s.Now().Before(ch.VerifiedAt.Add(claimWindow)):
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
// it. An action the challenge cannot complete (blocked, under review) is
// left as it is and the challenge unclaimed. It returns the action and the
// user's authenticators as they are afterwards.
func (s *Service) claimChallenge(ctx context.Context, q Queries, t model.Tenant, ch model.CodeChallenge,
	a model.Action, auths []model.Authenticator) (model.Action, []model.Authenticator, error) {
	if !ch.ClaimedAt.IsZero() || (a.State != model.StateAllow && a.State != model.StateChallengeRequired) {
		// Claimed already, by this same action tracked again; or the
		// action cannot be completed.
		return a, auths, nil
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
	return a, q.CreateAuthenticator(ctx, a)
}
