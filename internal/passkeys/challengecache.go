package passkeys

import (
	"context"
	"sync"
	"time"

	"github.com/uplift-dev/uplift/internal/ceremony"
	"github.com/uplift-dev/uplift/internal/model"
)

// challengeCacheSize bounds how many sign-in challenges an instance keeps
// in memory; past it, new ones are read from the database like those of
// other instances.
const challengeCacheSize = 10000

// challengeCache keeps the sign-in challenges this instance began, for the
// first half of their time, so that the options call and the verification
// that follow on this instance need not read them back. No instance renews
// a challenge's ceremony before half of its time is gone (see
// PasskeyAuthenticationOptions), so a kept challenge is the stored one;
// using it up still happens in the database, in the sign-in's transaction.
type challengeCache struct {
	mu sync.Mutex
	m  map[string]model.PasskeyChallenge // by tenant id + "/" + challenge id
}

func newChallengeCache() *challengeCache {
	return &challengeCache{m: map[string]model.PasskeyChallenge{}}
}

// keptFor reports whether a challenge may still be served from memory at now.
func keptFor(ch model.PasskeyChallenge, now time.Time) bool {
	return ch.ExpiresAt.Sub(now) >= ceremony.Timeout/2
}

func (c *challengeCache) put(ch model.PasskeyChallenge, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= challengeCacheSize {
		for k, old := range c.m {
			if !keptFor(old, now) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= challengeCacheSize {
			return
		}
	}
	c.m[ch.TenantID+"/"+ch.ID] = ch
}

// get returns the kept challenge, removing it when take is set.
func (c *challengeCache) get(tenantID, id string, now time.Time, take bool) (model.PasskeyChallenge, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := tenantID + "/" + id
	ch, ok := c.m[k]
	if ok && (take || !keptFor(ch, now)) {
		delete(c.m, k)
	}
	return ch, ok && keptFor(ch, now)
}

// signInChallenge returns a pending sign-in challenge: from memory when
// this instance began it recently, else from the database. take drops it
// from memory, for the verification that uses it up.
func (s *Service) signInChallenge(ctx context.Context, tenantID, id string, now time.Time, take bool) (model.PasskeyChallenge, error) {
	if ch, ok := s.challenges.get(tenantID, id, now, take); ok {
		return ch, nil
	}
	return s.store.PasskeyChallenge(ctx, tenantID, id, now)
}
