// Package tenancy holds tenants: creating them and their secret keys,
// finding the tenant a secret key or a token belongs to (with a short
// cache shared by every request), and the tokens of actions.
package tenancy

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/ids"
	"github.com/uplift-dev/uplift/internal/model"
)

// Service runs tenants, their keys and the tokens of their actions.
type Service struct {
	ids.Source
	store     Store
	log       *slog.Logger
	publicURL string
	cache     *tenantCache
}

// New returns the tenancy service over st. publicURL gives a new
// tenant's default relying party and origin; cacheTTL is how long tenants
// and action configurations are used as read (0 means
// DefaultTenantCacheTTL, less than 0 reads them on every use).
func New(st Store, log *slog.Logger, src ids.Source, publicURL string, cacheTTL time.Duration) *Service {
	if cacheTTL == 0 {
		cacheTTL = DefaultTenantCacheTTL
	}
	return &Service{Source: src, store: st, log: log, publicURL: publicURL, cache: newTenantCache(cacheTTL)}
}

// NewTenant describes a tenant to create. Empty fields take defaults from
// the public URL: the relying party id is its host, the origin is itself,
// and redirects are allowed below each origin.
type NewTenant struct {
	Name             string
	RPID             string
	RPName           string
	Origins          []string
	RedirectPrefixes []string
}

// secretKeyPrefix starts every secret key, so leaked keys are easy to find.
const secretKeyPrefix = "sk_"

// secretKeyBytes is the randomness of a secret key: 48 bytes make a key
// of 67 characters, longer than HMAC-SHA256's 64-byte block. HMAC keyed
// by such a key hashes it first, so HMAC keyed by the stored SHA-256 of
// the key is the same function: Uplift signs a tenant's webhooks so that
// the app verifies them with its secret key (Authsignal's
// webhook.constructEvent), and keeps only the hash. Keys issued before
// (32 bytes) still authenticate but cannot sign.
const secretKeyBytes = 48

// hmacBlockSize is SHA-256's block size in bytes.
const hmacBlockSize = 64

// CreateTenant creates a tenant with one secret key and returns both; the
// key is shown only here.
func (s *Service) CreateTenant(ctx context.Context, nt NewTenant) (model.Tenant, string, error) {
	t, err := s.newTenant(nt)
	if err != nil {
		return model.Tenant{}, "", err
	}
	var secret string
	err = s.store.InTx(ctx, func(q Queries) error {
		var err error
		secret, err = s.insertTenant(ctx, q, t)
		return err
	})
	if err != nil {
		return model.Tenant{}, "", err
	}
	return t, secret, nil
}

// newTenant checks nt and returns the tenant it describes, with its
// defaults filled in, ready to insert.
func (s *Service) newTenant(nt NewTenant) (model.Tenant, error) {
	if strings.TrimSpace(nt.Name) == "" {
		return model.Tenant{}, model.Invalid("a tenant needs a name")
	}
	public, err := url.Parse(s.publicURL)
	if err != nil || public.Host == "" {
		return model.Tenant{}, fmt.Errorf("public URL %q is not usable", s.publicURL)
	}
	t := model.Tenant{
		ID: s.NewID(), Name: strings.TrimSpace(nt.Name), RPID: nt.RPID, RPName: nt.RPName,
		Origins: nt.Origins, RedirectPrefixes: nt.RedirectPrefixes,
		TokenKey: s.RandomBytes(32), Passkey: model.DefaultPasskeyConfig(), CreatedAt: s.Now(),
	}
	if t.RPID == "" {
		t.RPID = public.Hostname()
	}
	if t.RPName == "" {
		t.RPName = t.Name
	}
	if len(t.Origins) == 0 {
		t.Origins = []string{public.Scheme + "://" + public.Host}
	}
	for i, o := range t.Origins {
		norm, err := NormalizeOrigin(o)
		if err != nil {
			return model.Tenant{}, err
		}
		t.Origins[i] = norm
	}
	if len(t.RedirectPrefixes) == 0 {
		for _, o := range t.Origins {
			t.RedirectPrefixes = append(t.RedirectPrefixes, o+"/")
		}
	}
	for _, p := range t.RedirectPrefixes {
		if _, err := parseRedirectPrefix(p); err != nil {
			return model.Tenant{}, err
		}
	}
	if err := ValidRPID(t.RPID, t.Origins); err != nil {
		return model.Tenant{}, err
	}
	return t, nil
}

// insertTenant stores a tenant made by newTenant with its first secret
// key, and returns the key.
func (s *Service) insertTenant(ctx context.Context, q Queries, t model.Tenant) (string, error) {
	if err := q.CreateTenant(ctx, t); err != nil {
		return "", err
	}
	_, secret, err := s.issueKey(ctx, q, t.ID)
	return secret, err
}

// IssueKey creates another secret key for a tenant and returns its id and
// the key itself, which is shown only here.
func (s *Service) IssueKey(ctx context.Context, tenantID string) (keyID, secret string, err error) {
	if _, err := s.store.Tenant(ctx, tenantID); err != nil {
		return "", "", err
	}
	return s.issueKey(ctx, s.store, tenantID)
}

func (s *Service) issueKey(ctx context.Context, q Queries, tenantID string) (keyID, secret string, err error) {
	secret = secretKeyPrefix + s.RandomToken(secretKeyBytes)
	keyID = s.NewID()
	err = q.CreateAPIKey(ctx, model.APIKey{
		ID: keyID, TenantID: tenantID, Prefix: secret[:len(secretKeyPrefix)+6],
		Hash: hashKey(secret), CreatedAt: s.Now(), SignsWebhooks: len(secret) > hmacBlockSize,
	})
	return keyID, secret, err
}

// RevokeKey revokes one of a tenant's secret keys by its id.
// It stops working on this instance at once and on the others within
// DefaultTenantCacheTTL (see ForgetTenant).
func (s *Service) RevokeKey(ctx context.Context, tenantID, keyID string) error {
	err := s.store.RevokeAPIKey(ctx, tenantID, keyID, s.Now())
	s.ForgetTenant(tenantID)
	return err
}

// TenantForSecret returns the tenant a secret key belongs to, or an
// ErrUnauthenticated error.
func (s *Service) TenantForSecret(ctx context.Context, secret string) (model.Tenant, error) {
	if !strings.HasPrefix(secret, secretKeyPrefix) || len(secret) > 128 {
		return model.Tenant{}, errBadSecret
	}
	t, err := s.tenantForKeyHash(ctx, sha256.Sum256([]byte(secret)))
	if errors.Is(err, model.ErrNotFound) {
		return model.Tenant{}, errBadSecret
	}
	return t, err
}

var errBadSecret = model.Errorf(model.ErrUnauthenticated, "unauthorized", "the secret key is missing or not valid")

// hashKey hashes a secret key for storage. Keys carry 256 random bits, so a
// plain SHA-256 is enough: there is nothing to guess.
func hashKey(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// NormalizeOrigin checks that raw is an http(s) origin (scheme, host and
// port, nothing more) and returns it in lower case.
func NormalizeOrigin(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", model.Invalid("origin %q must be a scheme and host such as https://app.example.com", raw)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

func parseRedirectPrefix(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, model.Invalid("redirect prefix %q must be an http(s) URL such as https://app.example.com/callback", raw)
	}
	return u, nil
}

// ValidRPID checks that the relying party id is a host name that every
// origin's host equals or ends with, as WebAuthn requires.
func ValidRPID(rpID string, origins []string) error {
	if rpID == "" || strings.ContainsAny(rpID, ":/ ") {
		return model.Invalid("relying party id %q must be a host name such as example.com", rpID)
	}
	for _, o := range origins {
		u, _ := url.Parse(o)
		h := u.Hostname()
		if h != rpID && !strings.HasSuffix(h, "."+rpID) {
			return model.Invalid("origin %s is not on the relying party id %s", o, rpID)
		}
	}
	return nil
}

// RedirectAllowed reports whether raw may be redirected to: an http(s) URL
// on the same scheme and host as one of the tenant's redirect prefixes,
// whose path is that prefix's path or below it.
func RedirectAllowed(t model.Tenant, raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	for _, p := range t.RedirectPrefixes {
		pu, err := url.Parse(p)
		if err != nil || !strings.EqualFold(pu.Scheme, u.Scheme) || !strings.EqualFold(pu.Host, u.Host) {
			continue
		}
		dir := strings.TrimSuffix(pu.Path, "/") + "/"
		if u.Path == pu.Path || strings.HasPrefix(u.Path, dir) || (pu.Path == "" && u.Path == "") {
			return true
		}
	}
	return false
}

// UpdateTenant changes a tenant in one transaction: change edits it and
// reports whether it changed anything, and only then is it written. The
// tenant is read afresh on this instance's next use of it.
func (s *Service) UpdateTenant(ctx context.Context, tenantID string, change func(*model.Tenant) bool) (model.Tenant, error) {
	var t model.Tenant
	err := s.store.InTx(ctx, func(q Queries) error {
		var err error
		if t, err = q.Tenant(ctx, tenantID); err != nil {
			return err
		}
		if !change(&t) {
			return nil
		}
		return q.UpdateTenant(ctx, t)
	})
	s.ForgetTenant(tenantID)
	return t, err
}

// Tenants lists every tenant, oldest first.
func (s *Service) Tenants(ctx context.Context) ([]model.Tenant, error) {
	return s.store.Tenants(ctx)
}

// PublicURL is where users reach Uplift, the base of the hosted pages'
// addresses.
func (s *Service) PublicURL() string { return strings.TrimSuffix(s.publicURL, "/") }

// TenantsByRPID lists the tenants whose relying party id is rpID, oldest
// first: what /.well-known/webauthn and /.well-known/passkey-endpoints
// on that host answer for.
func (s *Service) TenantsByRPID(ctx context.Context, rpID string) ([]model.Tenant, error) {
	return s.store.TenantsByRPID(ctx, rpID)
}

// OriginKnown reports whether any tenant expects origin, so that a
// browser's preflight from it may be answered before the tenant is known.
func (s *Service) OriginKnown(ctx context.Context, origin string) (bool, error) {
	return s.store.OriginKnown(ctx, origin)
}
