package passkeys

import (
	"context"
	"time"

	"github.com/uplift-dev/uplift/internal/ceremony"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/token"
)

// challengeFor returns a new challenge of the tenant, bound to the token's
// user and action when claims are given.
func (s *Service) challengeFor(t model.Tenant, kind model.ChallengeKind, claims *token.Claims) model.PasskeyChallenge {
	now := s.Now()
	c := model.PasskeyChallenge{
		ID: s.NewID(), TenantID: t.ID, Kind: kind, CreatedAt: now, ExpiresAt: now.Add(ceremony.Timeout),
	}
	if claims != nil {
		c.UserID, c.ActionCode, c.IdempotencyKey = claims.UserID, claims.ActionCode, claims.IdempotencyKey
		c.DeviceID, c.Scope = claims.DeviceID, claims.Scope
	}
	return c
}

// newChallenge stores a pending ceremony and returns it. A challenge with
// no user (username-less sign-in) carries in IdempotencyKey the key its
// action is to be tracked with, if the client chose one.
func (s *Service) newChallenge(ctx context.Context, c model.PasskeyChallenge) (model.PasskeyChallenge, error) {
	now := s.Now()
	if err := s.store.CreatePasskeyChallenge(ctx, c); err != nil {
		return c, err
	}
	if c.Kind == model.ChallengeAuthentication && len(c.Options) > 0 {
		s.challenges.put(c, now)
	}
	return c, nil
}

// PurgeExpired deletes the passkey challenges that expired before cutoff,
// so that requests anyone may send (a username-less sign-in) leave no rows
// behind for long, and reports how many. Every instance may run it at any
// time.
func (s *Service) PurgeExpired(ctx context.Context, cutoff time.Time) (int64, error) {
	return s.store.PurgePasskeyChallenges(ctx, cutoff)
}

// checkChallengeCaller makes sure the caller may finish a challenge: a
// token caller only one bound to its token's user and action, a tenant-id
// caller only an unbound one.
func checkChallengeCaller(c model.PasskeyChallenge, caller tenancy.ClientCaller, kind model.ChallengeKind) error {
	if c.Kind != kind {
		return model.Errorf(model.ErrInvalid, "invalid_challenge", "the challenge is for a %s, not a %s", c.Kind, kind)
	}
	if caller.Claims == nil {
		if c.UserID != "" {
			return model.Errorf(model.ErrForbidden, "invalid_challenge", "the challenge belongs to a token; send the token")
		}
		return nil
	}
	if c.UserID != caller.Claims.UserID || c.IdempotencyKey != caller.Claims.IdempotencyKey {
		return model.Errorf(model.ErrForbidden, "invalid_challenge", "the challenge belongs to another user or action")
	}
	return nil
}
