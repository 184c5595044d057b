package sessions

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/uplift-dev/uplift/internal/model"
)

// AccessToken is what an access token says. It is an ES256 JWT whose
// header names its signing key ("kid"); its claims are iss (the public
// URL), sub (the user id), aud (the client id), sid (the session), jti,
// iat, exp and verificationMethod.
type AccessToken struct {
	Issuer             string
	UserID             string
	ClientID           string
	SessionID          string
	ID                 string
	VerificationMethod model.VerificationMethod
	IssuedAt           time.Time
	ExpiresAt          time.Time
}

type accessClaims struct {
	jwt.RegisteredClaims
	SessionID          string                   `json:"sid"`
	VerificationMethod model.VerificationMethod `json:"verificationMethod,omitempty"`
}

// signAccessToken signs at with key, whose id is kid.
func signAccessToken(key *ecdsa.PrivateKey, kid string, at AccessToken) (string, error) {
	c := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    at.Issuer,
			Subject:   at.UserID,
			Audience:  jwt.ClaimStrings{at.ClientID},
			ID:        at.ID,
			IssuedAt:  jwt.NewNumericDate(at.IssuedAt),
			ExpiresAt: jwt.NewNumericDate(at.ExpiresAt),
		},
		SessionID:          at.SessionID,
		VerificationMethod: at.VerificationMethod,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	t.Header["kid"] = kid
	return t.SignedString(key)
}

// maxKeyID is the longest "kid" looked up.
const maxKeyID = 100

var (
	errInvalidToken = model.Errorf(model.ErrUnauthenticated, "invalid_token", "the access token is not valid")
	errExpiredToken = model.Errorf(model.ErrUnauthenticated, "expired_token", "the access token has expired")
)

// parseAccessToken checks an access token's signature, algorithm (ES256
// only), issuer and claims, and its expiry at now unless expired tokens
// are allowed (to revoke a session whose access token expired). keyFor
// returns the public key the header's "kid" names, of the caller's
// tenant only. Every failure is a model.ErrUnauthenticated error.
func parseAccessToken(raw, issuer string, now time.Time, allowExpired bool,
	keyFor func(kid string) (*ecdsa.PublicKey, error)) (AccessToken, error) {
	var c accessClaims
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodES256.Alg()}),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	}
	if allowExpired {
		opts = append(opts, jwt.WithoutClaimsValidation())
	}
	_, err := jwt.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" || len(kid) > maxKeyID {
			return nil, errors.New("no usable kid")
		}
		return keyFor(kid)
	}, opts...)
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return AccessToken{}, errExpiredToken
		}
		// The cause is kept as text: its kind (a key not found) is not
		// the answer's.
		return AccessToken{}, &model.Error{Kind: model.ErrUnauthenticated, Code: "invalid_token",
			Description: "the access token is not valid", Cause: fmt.Errorf("parse access token: %v", err)}
	}
	// Checked here too, as WithoutClaimsValidation skips them.
	if c.Issuer != issuer || c.ExpiresAt == nil || c.IssuedAt == nil || c.IssuedAt.After(now) ||
		c.Subject == "" || len(c.Audience) != 1 || c.Audience[0] == "" || c.SessionID == "" || c.ID == "" {
		return AccessToken{}, errInvalidToken
	}
	return AccessToken{Issuer: c.Issuer, UserID: c.Subject, ClientID: c.Audience[0], SessionID: c.SessionID, ID: c.ID,
		VerificationMethod: c.VerificationMethod, IssuedAt: c.IssuedAt.Time, ExpiresAt: c.ExpiresAt.Time}, nil
}

// JWK is a public key as RFC 7517 writes it, for ES256.
type JWK struct {
	KeyType   string `json:"kty"`
	Curve     string `json:"crv"`
	X         string `json:"x"`
	Y         string `json:"y"`
	KeyID     string `json:"kid"`
	Use       string `json:"use"`
	Algorithm string `json:"alg"`
}

// publicJWK returns pub as a JWK whose id is its RFC 7638 thumbprint.
func publicJWK(pub *ecdsa.PublicKey) (JWK, error) {
	if pub.Curve != elliptic.P256() {
		return JWK{}, errors.New("session keys are P-256")
	}
	b, err := pub.Bytes() // 0x04 || X || Y
	if err != nil {
		return JWK{}, err
	}
	enc := base64.RawURLEncoding.EncodeToString
	x, y := enc(b[1:33]), enc(b[33:])
	// The thumbprint hashes the required members in lexicographic order.
	sum := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`))
	return JWK{KeyType: "EC", Curve: "P-256", X: x, Y: y, KeyID: enc(sum[:]), Use: "sig", Algorithm: "ES256"}, nil
}

// refreshHash is how a refresh token is stored and looked up.
func refreshHash(raw string) []byte {
	sum := sha256.Sum256([]byte(raw))
	return sum[:]
}

// refreshVerdict is what presenting a refresh token leads to.
type refreshVerdict int

const (
	// rotate: a new access token and refresh token are issued.
	rotate refreshVerdict = iota
	// refuse: the token's session is over.
	refuse
	// revokeFamily: the token was used before, so it may be a copy; the
	// session, and every token it issued, is revoked.
	revokeFamily
)

// judgeRefresh decides what presenting rt, of session s, leads to at now.
func judgeRefresh(rt model.RefreshToken, s model.Session, now time.Time) refreshVerdict {
	switch {
	case !s.RevokedAt.IsZero(), !now.Before(s.ExpiresAt):
		return refuse
	case !rt.UsedAt.IsZero():
		return revokeFamily
	}
	return rotate
}
