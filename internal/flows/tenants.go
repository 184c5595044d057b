package flows

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/uplift-dev/uplift/internal/model"
)

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

// CreateTenant creates a tenant with one secret key and returns both; the
// key is shown only here.
func (s *Service) CreateTenant(ctx context.Context, nt NewTenant) (model.Tenant, string, error) {
	t, err := s.newTenant(nt)
	if err != nil {
		return model.Tenant{}, "", err
	}
	var secret string
	err = s.store.InTx(ctx, func(q storeQueries) error {
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
		norm, err := normalizeOrigin(o)
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
	if err := validRPID(t.RPID, t.Origins); err != nil {
		return model.Tenant{}, err
	}
	return t, nil
}

// insertTenant stores a tenant made by newTenant with its first secret
// key, and returns the key.
func (s *Service) insertTenant(ctx context.Context, q storeQueries, t model.Tenant) (string, error) {
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
	return s.issueKey(ctx, s.store.Queries, tenantID)
}

func (s *Service) issueKey(ctx context.Context, q storeQueries, tenantID string) (keyID, secret string, err error) {
	secret = secretKeyPrefix + s.RandomToken(32)
	keyID = s.NewID()
	err = q.CreateAPIKey(ctx, model.APIKey{
		ID: keyID, TenantID: tenantID, Prefix: secret[:len(secretKeyPrefix)+6],
		Hash: hashKey(secret), CreatedAt: s.Now(),
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

func normalizeOrigin(raw string) (string, error) {
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

// validRPID checks that the relying party id is a host name that every
// origin's host equals or ends with, as WebAuthn requires.
func validRPID(rpID string, origins []string) error {
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
