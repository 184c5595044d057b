package flows

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// DefaultTenantCacheTTL is how long a tenant, or the tenant a secret key
// belongs to, is used as read before it is read again. Instances share
// only the database, so a change made through another instance (a key
// revoked, passkey settings changed) takes effect here within this long;
// a change made through this instance takes effect here at once.
const DefaultTenantCacheTTL = 5 * time.Second

// tenantCacheSize bounds each of the cache's maps; a full map starts over.
// Only tenants and keys that exist are cached, so the bound is reached by
// real tenants and keys, never by guesses.
const tenantCacheSize = 10000

// tenantCache keeps tenants by id and by secret key hash for a short
// time. Every request of the Client and Server APIs names its tenant, so
// without it each would read the tenant again.
type tenantCache struct {
	ttl time.Duration // 0 or less: nothing is cached

	mu sync.Mutex
	// gen counts invalidations, so that a tenant read before one is not
	// stored after it.
	gen      uint64
	byID     map[string]cachedTenant
	bySecret map[[sha256.Size]byte]cachedTenant
}

type cachedTenant struct {
	tenant model.Tenant
	readAt time.Time
}

func newTenantCache(ttl time.Duration) *tenantCache {
	return &tenantCache{ttl: ttl, byID: map[string]cachedTenant{}, bySecret: map[[sha256.Size]byte]cachedTenant{}}
}

// fresh reports whether an entry read at readAt may still be used at now.
func (c *tenantCache) fresh(e cachedTenant, now time.Time) bool {
	age := now.Sub(e.readAt)
	return age >= 0 && age < c.ttl
}

// cacheGet returns the entry under key if it is fresh, and otherwise the
// generation a read from the database starts at.
func cacheGet[K comparable](c *tenantCache, m map[K]cachedTenant, key K, now time.Time) (model.Tenant, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := m[key]; ok && c.fresh(e, now) {
		return e.tenant, true, c.gen
	}
	return model.Tenant{}, false, c.gen
}

// cachePut keeps t under key unless the cache was invalidated since gen.
func cachePut[K comparable](c *tenantCache, m map[K]cachedTenant, key K, t model.Tenant, gen uint64, readAt time.Time) {
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
	m[key] = cachedTenant{tenant: t, readAt: readAt}
}

// forget drops everything cached about a tenant.
func (c *tenantCache) forget(tenantID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.byID, tenantID)
	for k, e := range c.bySecret {
		if e.tenant.ID == tenantID {
			delete(c.bySecret, k)
		}
	}
}

// tenant returns the tenant with the given id, from the cache while it is
// fresh.
func (s *Service) tenant(ctx context.Context, id string) (model.Tenant, error) {
	now := s.now()
	t, ok, gen := cacheGet(s.tenants, s.tenants.byID, id, now)
	if ok {
		return t, nil
	}
	t, err := s.store.Tenant(ctx, id)
	if err != nil {
		return t, err
	}
	cachePut(s.tenants, s.tenants.byID, id, t, gen, now)
	return t, nil
}

// tenantForKeyHash returns the tenant owning the unrevoked secret key
// with the given hash, from the cache while it is fresh.
func (s *Service) tenantForKeyHash(ctx context.Context, hash [sha256.Size]byte) (model.Tenant, error) {
	now := s.now()
	t, ok, gen := cacheGet(s.tenants, s.tenants.bySecret, hash, now)
	if ok {
		return t, nil
	}
	t, err := s.store.TenantByKeyHash(ctx, hash[:])
	if err != nil {
		return t, err
	}
	cachePut(s.tenants, s.tenants.bySecret, hash, t, gen, now)
	return t, nil
}

// ForgetTenant makes this instance read a tenant and its keys from the
// database again on their next use. Every change to a tenant or its keys
// made through the Service calls it; code that changes them in the store
// directly calls it after committing.
func (s *Service) ForgetTenant(tenantID string) {
	s.tenants.forget(tenantID)
}
