package flows

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/uplift-dev/uplift/internal/ceremony"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/token"
)

// purgeEvery is how often, at most, an instance deletes expired challenges.
const purgeEvery = time.Minute

// lastPurge holds when this process last purged expired challenges, in
// Unix microseconds. It is an optimisation only: every instance purges.
var lastPurge atomic.Int64

// newChallenge stores a pending ceremony for the caller and returns it.
// With claims, the challenge is bound to the token's user and action.
func (s *Service) newChallenge(ctx context.Context, t model.Tenant, kind model.ChallengeKind, claims *token.Claims, session []byte) (model.PasskeyChallenge, error) {
	now := s.Now()
	c := model.PasskeyChallenge{
		ID: s.newID(), TenantID: t.ID, Kind: kind, Session: session,
		CreatedAt: now, ExpiresAt: now.Add(ceremony.Timeout),
	}
	if claims != nil {
		c.UserID, c.ActionCode, c.IdempotencyKey = claims.UserID, claims.ActionCode, claims.IdempotencyKey
		c.DeviceID, c.Scope = claims.DeviceID, claims.Scope
	}
	s.purgeChallenges(ctx, now)
	return c, s.store.CreatePasskeyChallenge(ctx, c)
}

// purgeChallenges deletes challenges that expired an hour ago or more, at
// most once per purgeEvery per process. A failure is only logged.
func (s *Service) purgeChallenges(ctx context.Context, now time.Time) {
	last := lastPurge.Load()
	if now.UnixMicro()-last < purgeEvery.Microseconds() || !lastPurge.CompareAndSwap(last, now.UnixMicro()) {
		return
	}
	if n, err := s.store.PurgePasskeyChallenges(ctx, now.Add(-time.Hour)); err != nil {
		s.log.WarnContext(ctx, "purge passkey challenges", "err", err)
	} else if n > 0 {
		s.log.DebugContext(ctx, "purged passkey challenges", "count", n)
	}
}

// checkChallengeCaller makes sure the caller may finish a challenge: a
// token caller only one bound to its token's user and action, a tenant-id
// caller only an unbound one.
func checkChallengeCaller(c model.PasskeyChallenge, caller ClientCaller, kind model.ChallengeKind) error {
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
