// Package sessions turns a succeeded challenge into a session: a short
// access token (an ES256 JWT signed with a key of the tenant's, which
// apps may check offline against the tenant's JWKS) and a refresh token
// that is replaced at every refresh. A refresh token presented twice
// revokes its whole session; so can the app, one session or all of a
// user's.
package sessions

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/ids"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// Service issues, checks, refreshes and revokes sessions.
type Service struct {
	ids.Source
	store   Store
	log     *slog.Logger
	actions *actions.Service
	tenancy *tenancy.Service
	// issuer is every access token's "iss": the public URL.
	issuer string
	// firstKey makes this process create a tenant's first key once.
	firstKey sync.Mutex
}

// New returns the service over st. Access tokens name publicURL as their
// issuer.
func New(st Store, log *slog.Logger, src ids.Source, fl *actions.Service, tn *tenancy.Service, publicURL string) *Service {
	return &Service{Source: src, store: st, log: log, actions: fl, tenancy: tn, issuer: publicURL}
}

// Tokens are what a new or refreshed session gives the app.
type Tokens struct {
	AccessToken  string
	RefreshToken string
}

// CreateRequest asks for a session from the token of an action whose
// challenge succeeded.
type CreateRequest struct {
	ClientID string
	Token    string
	// Action, when given, must be the token's action.
	Action string
}

// Validation is what a valid access token says.
type Validation struct {
	User               model.User
	ClientID           string
	VerificationMethod model.VerificationMethod
	ExpiresAt          time.Time
}

// Limits of what a request may carry.
const (
	// MaxAccessToken is the longest access token looked at, in bytes.
	MaxAccessToken = 4096
	// MaxClientIDs is the most client ids a validation may accept.
	MaxClientIDs = 50
	// maxRefreshToken is the longest refresh token looked at; issued ones
	// are 43 characters.
	maxRefreshToken = 256
)

var (
	errTokenUsed = model.Errorf(model.ErrConflict, "token_already_used",
		"this token has already been exchanged for a session")
	errRevoked    = model.Errorf(model.ErrUnauthenticated, "invalid_token", "the session has been revoked")
	errSuperseded = model.Errorf(model.ErrUnauthenticated, "invalid_token",
		"the access token has been replaced by a refresh of its session")
	errOtherClient = model.Errorf(model.ErrUnauthenticated, "invalid_token",
		"the access token was issued to another client")
	errRefreshInvalid = model.Errorf(model.ErrUnauthenticated, "invalid_refresh_token",
		"the refresh token is not valid, or its session has ended")
	errRefreshReused = model.Errorf(model.ErrUnauthenticated, "invalid_refresh_token",
		"the refresh token was already used; its session has been revoked")
)

// Create exchanges the token of an action whose challenge succeeded for a
// session of clientID. A token makes one session only.
func (s *Service) Create(ctx context.Context, t model.Tenant, in CreateRequest) (Tokens, error) {
	if in.ClientID == "" {
		return Tokens{}, model.Invalid("clientId is required")
	}
	if in.Token == "" {
		return Tokens{}, model.Invalid("token is required")
	}
	if in.Action != "" && !model.ValidActionCode(in.Action) {
		return Tokens{}, model.Invalid("action must be 1 to 64 letters, digits, _ or -")
	}
	claims, err := s.tenancy.ParseToken(t, in.Token)
	if err != nil {
		return Tokens{}, err
	}
	v, err := s.actions.Validate(ctx, t, in.Token, "", in.Action)
	if err != nil {
		return Tokens{}, err
	}
	if !v.IsValid {
		why := v.Error
		if why == "" {
			why = "the token's challenge has not succeeded"
		}
		return Tokens{}, model.Errorf(model.ErrUnauthenticated, "invalid_token", "%s", why)
	}
	settings, err := s.Settings(ctx, t.ID)
	if err != nil {
		return Tokens{}, err
	}
	kid, key, err := s.signingKey(ctx, t.ID)
	if err != nil {
		return Tokens{}, err
	}
	now := s.Now()
	sess := model.Session{TenantID: t.ID, ID: s.NewID(), UserID: v.Action.UserID, ClientID: in.ClientID,
		VerificationMethod: v.Action.VerificationMethod, ActionKey: v.Action.IdempotencyKey, AccessTokenID: s.RandomToken(16),
		CreatedAt: now, RefreshedAt: now, ExpiresAt: now.Add(settings.RefreshTokenTTL), TokenExpiresAt: claims.ExpiresAt}
	out, err := s.issue(sess, kid, key, now, settings)
	if err != nil {
		return Tokens{}, err
	}
	rt := model.RefreshToken{Hash: refreshHash(out.RefreshToken), TenantID: t.ID, SessionID: sess.ID, CreatedAt: now}
	if err := s.store.CreateSession(ctx, sess, rt); err != nil {
		if errors.Is(err, model.ErrConflict) {
			return Tokens{}, errTokenUsed
		}
		return Tokens{}, err
	}
	return out, nil
}

// issue signs sess's current access token and draws a new refresh token.
func (s *Service) issue(sess model.Session, kid string, key *ecdsa.PrivateKey, now time.Time, st model.SessionSettings) (Tokens, error) {
	access, err := signAccessToken(key, kid, AccessToken{Issuer: s.issuer, UserID: sess.UserID, ClientID: sess.ClientID,
		SessionID: sess.ID, ID: sess.AccessTokenID, VerificationMethod: sess.VerificationMethod,
		IssuedAt: now, ExpiresAt: now.Add(st.AccessTokenTTL)})
	if err != nil {
		return Tokens{}, fmt.Errorf("sign access token: %w", err)
	}
	return Tokens{AccessToken: access, RefreshToken: s.RandomToken(32)}, nil
}

// Validate checks an access token of tenant t: its signature, expiry and
// session (not revoked, not replaced by a refresh), and, when clientIDs
// is not empty, that it was issued to one of them.
func (s *Service) Validate(ctx context.Context, t model.Tenant, raw string, clientIDs []string) (Validation, error) {
	if len(clientIDs) > MaxClientIDs {
		return Validation{}, model.Invalid("clientIds holds more than %d ids", MaxClientIDs)
	}
	at, sess, err := s.session(ctx, t, raw, false)
	if err != nil {
		return Validation{}, err
	}
	switch {
	case !sess.RevokedAt.IsZero():
		return Validation{}, errRevoked
	case subtle.ConstantTimeCompare([]byte(at.ID), []byte(sess.AccessTokenID)) != 1:
		return Validation{}, errSuperseded
	case len(clientIDs) > 0 && !slices.Contains(clientIDs, at.ClientID):
		return Validation{}, errOtherClient
	}
	u, err := s.actions.User(ctx, t.ID, sess.UserID)
	if errors.Is(err, model.ErrNotFound) {
		return Validation{}, errInvalidToken
	}
	if err != nil {
		return Validation{}, err
	}
	return Validation{User: u, ClientID: at.ClientID, VerificationMethod: sess.VerificationMethod, ExpiresAt: at.ExpiresAt}, nil
}

// session checks an access token of tenant t and returns it with its
// session; allowExpired accepts a token past its expiry.
func (s *Service) session(ctx context.Context, t model.Tenant, raw string, allowExpired bool) (AccessToken, model.Session, error) {
	if raw == "" {
		return AccessToken{}, model.Session{}, model.Invalid("accessToken is required")
	}
	if len(raw) > MaxAccessToken {
		return AccessToken{}, model.Session{}, errInvalidToken
	}
	var lookupErr error // the store's failure, which is not the token's
	at, err := parseAccessToken(raw, s.issuer, s.Now(), allowExpired, func(kid string) (*ecdsa.PublicKey, error) {
		k, err := s.store.SessionKey(ctx, t.ID, kid)
		if err != nil {
			if !errors.Is(err, model.ErrNotFound) {
				lookupErr = err
			}
			return nil, err
		}
		priv, err := parseKey(k)
		if err != nil {
			lookupErr = err
			return nil, err
		}
		return &priv.PublicKey, nil
	})
	if lookupErr != nil {
		return at, model.Session{}, lookupErr
	}
	if err != nil {
		return at, model.Session{}, err
	}
	sess, err := s.store.Session(ctx, t.ID, at.SessionID)
	if errors.Is(err, model.ErrNotFound) {
		return at, sess, errInvalidToken
	}
	if err == nil && (sess.UserID != at.UserID || sess.ClientID != at.ClientID) {
		return at, sess, errInvalidToken
	}
	return at, sess, err
}

// Refresh exchanges a refresh token for a new access token and refresh
// token; the old ones are refused from then on. A refresh token presented
// again after its exchange revokes its session.
func (s *Service) Refresh(ctx context.Context, t model.Tenant, raw string) (Tokens, error) {
	if raw == "" {
		return Tokens{}, model.Invalid("refreshToken is required")
	}
	if len(raw) > maxRefreshToken {
		return Tokens{}, errRefreshInvalid
	}
	settings, err := s.Settings(ctx, t.ID)
	if err != nil {
		return Tokens{}, err
	}
	kid, key, err := s.signingKey(ctx, t.ID)
	if err != nil {
		return Tokens{}, err
	}
	hash := refreshHash(raw)
	now := s.Now()
	verdict := refuse
	var out Tokens
	var sess model.Session
	err = s.store.InTx(ctx, func(q Queries) error {
		verdict = refuse
		rt, err := q.RefreshToken(ctx, t.ID, hash)
		if errors.Is(err, model.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if sess, err = q.Session(ctx, t.ID, rt.SessionID); err != nil {
			return err
		}
		verdict = judgeRefresh(rt, sess, now)
		if verdict == rotate {
			// Another refresh may have used it since it was read.
			err := q.UseRefreshToken(ctx, t.ID, hash, now)
			if errors.Is(err, model.ErrNotFound) {
				verdict = revokeFamily
			} else if err != nil {
				return err
			}
		}
		switch verdict {
		case revokeFamily:
			return q.RevokeSession(ctx, t.ID, sess.ID, now)
		case refuse:
			return nil
		}
		sess.AccessTokenID = s.RandomToken(16)
		if out, err = s.issue(sess, kid, key, now, settings); err != nil {
			return err
		}
		next := model.RefreshToken{Hash: refreshHash(out.RefreshToken), TenantID: t.ID, SessionID: sess.ID, CreatedAt: now}
		if err := q.CreateRefreshToken(ctx, next); err != nil {
			return err
		}
		return q.RotateSession(ctx, t.ID, sess.ID, sess.AccessTokenID, now, now.Add(settings.RefreshTokenTTL))
	})
	if err != nil {
		return Tokens{}, err
	}
	switch verdict {
	case revokeFamily:
		s.log.WarnContext(ctx, "a used refresh token was presented again; its session is revoked",
			"tenant", t.ID, "session", sess.ID, "user", sess.UserID)
		return Tokens{}, errRefreshReused
	case refuse:
		return Tokens{}, errRefreshInvalid
	}
	return out, nil
}

// Revoke revokes the session of an access token of tenant t, expired or
// not, so that none of its tokens is accepted any more.
func (s *Service) Revoke(ctx context.Context, t model.Tenant, raw string) error {
	at, _, err := s.session(ctx, t, raw, true)
	if err != nil {
		return err
	}
	return s.store.RevokeSession(ctx, t.ID, at.SessionID, s.Now())
}

// RevokeUser revokes every session of a user of tenant t.
func (s *Service) RevokeUser(ctx context.Context, t model.Tenant, userID string) error {
	if !model.ValidUserID(userID) {
		return model.Invalid("userId must be 1 to 255 characters without slashes or control characters")
	}
	n, err := s.store.RevokeUserSessions(ctx, t.ID, userID, s.Now())
	if err == nil && n > 0 {
		s.log.InfoContext(ctx, "revoked a user's sessions", "tenant", t.ID, "user", userID, "sessions", n)
	}
	return err
}

// JWKS returns the public keys of a tenant's access tokens, creating the
// tenant's first key when it has none. An unknown tenant is not found.
func (s *Service) JWKS(ctx context.Context, tenantID string) ([]JWK, error) {
	if _, err := s.tenancy.Tenant(ctx, tenantID); err != nil {
		return nil, err
	}
	if _, _, err := s.signingKey(ctx, tenantID); err != nil {
		return nil, err
	}
	keys, err := s.store.SessionKeys(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := make([]JWK, 0, len(keys))
	for _, k := range keys {
		priv, err := parseKey(k)
		if err != nil {
			return nil, err
		}
		jwk, err := publicJWK(&priv.PublicKey)
		if err != nil {
			return nil, err
		}
		out = append(out, jwk)
	}
	return out, nil
}

// signingKey returns the tenant's newest key, creating its first one.
func (s *Service) signingKey(ctx context.Context, tenantID string) (string, *ecdsa.PrivateKey, error) {
	keys, err := s.store.SessionKeys(ctx, tenantID)
	if err != nil {
		return "", nil, err
	}
	if len(keys) == 0 {
		s.firstKey.Lock()
		defer s.firstKey.Unlock()
		if keys, err = s.store.SessionKeys(ctx, tenantID); err != nil {
			return "", nil, err
		}
	}
	if len(keys) == 0 {
		// Another instance may create one at the same time: both are
		// published, and tokens signed with either are accepted.
		k, err := s.newKey(tenantID)
		if err != nil {
			return "", nil, err
		}
		if err := s.store.CreateSessionKey(ctx, k); err != nil {
			return "", nil, err
		}
		keys = []model.SessionKey{k}
	}
	priv, err := parseKey(keys[0])
	return keys[0].ID, priv, err
}

// newKey draws a P-256 key whose id is its public key's thumbprint.
func (s *Service) newKey(tenantID string) (model.SessionKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), s.Rand)
	if err != nil {
		return model.SessionKey{}, fmt.Errorf("generate session key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return model.SessionKey{}, fmt.Errorf("encode session key: %w", err)
	}
	jwk, err := publicJWK(&priv.PublicKey)
	if err != nil {
		return model.SessionKey{}, err
	}
	return model.SessionKey{TenantID: tenantID, ID: jwk.KeyID, PrivateKey: der, CreatedAt: s.Now()}, nil
}

func parseKey(k model.SessionKey) (*ecdsa.PrivateKey, error) {
	key, err := x509.ParsePKCS8PrivateKey(k.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("session key %s: %w", k.ID, err)
	}
	priv, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("session key %s is a %T, not ECDSA", k.ID, key)
	}
	return priv, nil
}
