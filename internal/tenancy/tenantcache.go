package tenancy

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// DefaultTenantCacheTTL is how long a tenant, the tenant a secret key
// belongs to, or an action's configuration is used as read before it is
// read again. Instances share only the database, so a change made through
// another instance (a key revoked, passkey settings, an action's prompt
// switch or rules changed) takes effect here within this long; a change
// made through this instance takes effect here at once.
const DefaultTenantCacheTTL = 5 * time.Second

// tenantCacheSize bounds each of the cache's maps; a full map starts over.
// Only tenants and keys that exist are cached, so the bound is reached by
// real tenants and keys, never by guesses.
const tenantCacheSize = 10000

// tenantCache keeps tenants by id and by secret key hash, and the
// configurations of their actions, for a short time. Every request of the
// Client and Server APIs names its tenant, and every track reads its
// action's configuration, so without it each would read them again.
type tenantCache struct {
	ttl time.Duration // 0 or less: nothing is cached

	mu sync.Mutex
	// gen counts invalidations, so that what was read before one is not
	// stored after it.
	gen      uint64
	byID     map[string]cached[model.Tenant]
	bySecret map[[sha256.Size]byte]cached[model.Tenant]
	configs  map[configKey]cached[model.ActionConfig]
}

type cached[V any] struct {
	value  V
	readAt time.Time
}

// configKey names an action's configuration: its tenant and code.
type configKey struct{ tenantID, code string }

func newTenantCache(ttl time.Duration) *tenantCache {
	return &tenantCache{ttl: ttl, byID: map[string]cached[model.Tenant]{},
		bySecret: map[[sha256.Size]byte]cached[model.Tenant]{}, configs: map[configKey]cached[model.ActionConfig]{}}
}

// fresh reports whether an entry read at readAt may still be used at now.
func (c *tenantCache) fresh(readAt, now time.Time) bool {
	age := now.Sub(readAt)
	return age >= 0 && age < c.ttl
}

// cacheGet returns the entry under key if it is fresh, and otherwise the
// generation a read from the database starts at.
func cacheGet[K comparable, V any](c *tenantCache, m map[K]cached[V], key K, now time.Time) (V, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := m[key]; ok && c.fresh(e.readAt, now) {
		return e.value, true, c.gen
	}
	var zero V
	return zero, false, c.gen
}

// cachePut keeps v under key unless the cache was invalidated since gen.
func cachePut[K comparable, V any](c *tenantCache, m map[K]cached[V], key K, v V, gen uint64, readAt time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(m) >= tenantCacheSize {
		clear(m)
	}
	m[key] = cached[V]{value: v, readAt: readAt}
}

// forget drops everything cached about a tenant.
func (c *tenantCache) forget(tenantID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.byID, tenantID)
	for k, e := range c.bySecret {
		if e.value.ID == tenantID {
			delete(c.bySecret, k)
		}
	}
	for k := range c.configs {
		if k.tenantID == tenantID {
			delete(c.configs, k)
		}
	}
}

// notedAction records on a cached configuration that a track is noting
// an action of its code at the given time (see model.ActionNoteDue), so
// that the tracks that follow within the cache's time do not note it
// again. Should that track fail, the note waits for the next minute.
func (c *tenantCache) notedAction(k configKey, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.configs[k]; ok && e.value.LastActionCreatedAt.Before(at) {
		e.value.LastActionCreatedAt = at
		c.configs[k] = e
	}
}

// Tenant returns the tenant with the given id, from the cache while it is
// fresh.
func (s *Service) Tenant(ctx context.Context, id string) (model.Tenant, error) {
	now := s.Clock()
	t, ok, gen := cacheGet(s.cache, s.cache.byID, id, now)
	if ok {
		return t, nil
	}
	t, err := s.store.Tenant(ctx, id)
	if err != nil {
		return t, err
	}
	cachePut(s.cache, s.cache.byID, id, t, gen, now)
	return t, nil
}

// tenantForKeyHash returns the tenant owning the unrevoked secret key
// with the given hash, from the cache while it is fresh.
func (s *Service) tenantForKeyHash(ctx context.Context, hash [sha256.Size]byte) (model.Tenant, error) {
	now := s.Clock()
	t, ok, gen := cacheGet(s.cache, s.cache.bySecret, hash, now)
	if ok {
		return t, nil
	}
	t, err := s.store.TenantByKeyHash(ctx, hash[:])
	if err != nil {
		return t, err
	}
	cachePut(s.cache, s.cache.bySecret, hash, t, gen, now)
	return t, nil
}

// ActionConfig returns the configuration of one of the tenant's action
// codes, from the cache while it is fresh.
func (s *Service) ActionConfig(ctx context.Context, tenantID, code string) (model.ActionConfig, error) {
	now, k := s.Clock(), configKey{tenantID, code}
	c, ok, gen := cacheGet(s.cache, s.cache.configs, k, now)
	if ok {
		return c, nil
	}
	c, err := s.store.ActionConfig(ctx, tenantID, code)
	if err != nil {
		return c, err
	}
	cachePut(s.cache, s.cache.configs, k, c, gen, now)
	return c, nil
}

// ActionConfigIn is ActionConfig for code inside a transaction: on a miss
// it reads through read, the transaction's own queries, and keeps nothing
// of what it read (the transaction may yet roll back). Reading through
// the store instead would take a second connection while the transaction
// holds one; with every connection of the pool held by a transaction
// waiting for another, none would ever come.
func (s *Service) ActionConfigIn(ctx context.Context, read func(ctx context.Context, tenantID, code string) (model.ActionConfig, error),
	tenantID, code string) (model.ActionConfig, error) {
	if c, ok, _ := cacheGet(s.cache, s.cache.configs, configKey{tenantID, code}, s.Clock()); ok {
		return c, nil
	}
	return read(ctx, tenantID, code)
}

// ForgetTenant makes this instance read a tenant, its keys and its
// actions' configurations from the database again on their next use.
// Every change to them (rules and value lists included) made through the
// Service calls it; code that changes them in the store directly calls it
// after committing.
func (s *Service) ForgetTenant(tenantID string) {
	s.cache.forget(tenantID)
}

// NotedAction records on the cached configuration of an action code that
// a track is noting an action of that code at the given time (see
// model.ActionNoteDue), so that the tracks that follow within the cache's
// time do not note it again.
func (s *Service) NotedAction(tenantID, code string, at time.Time) {
	s.cache.notedAction(configKey{tenantID, code}, at)
}
