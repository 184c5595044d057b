// Package token issues and checks the short-lived signed tokens that track
// returns and that the hosted UI and Client API accept as Bearer tokens.
// They are HS256 JWTs signed with the tenant's own token key, so any
// instance that can read the tenant can check them.
package token

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/uplift-dev/uplift/internal/model"
)

// Lifetime is how long an issued token stays valid.
const Lifetime = 10 * time.Minute

const issuer = "uplift"

// Claims is what a token says: whose action it belongs to and what it allows.
type Claims struct {
	TenantID       string
	UserID         string
	ActionCode     string
	IdempotencyKey string
	DeviceID       string
	// Scope is a space-separated list such as "read:authenticators add:authenticators".
	Scope     string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// HasScope reports whether the claims carry scope s.
func (c Claims) HasScope(s string) bool {
	for _, f := range strings.Fields(c.Scope) {
		if f == s {
			return true
		}
	}
	return false
}

type other struct {
	TenantID       string `json:"tenantId"`
	UserID         string `json:"userId"`
	ActionCode     string `json:"actionCode,omitempty"`
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	DeviceID       string `json:"deviceId,omitempty"`
}

type jwtClaims struct {
	jwt.RegisteredClaims
	Other other  `json:"other"`
	Scope string `json:"scope,omitempty"`
}

// Issue signs c with key. IssuedAt must be set; ExpiresAt defaults to
// IssuedAt plus Lifetime.
func Issue(key []byte, c Claims) (string, error) {
	if len(key) < 32 {
		return "", errors.New("token key too short")
	}
	if c.ExpiresAt.IsZero() {
		c.ExpiresAt = c.IssuedAt.Add(Lifetime)
	}
	jc := jwtClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   c.UserID,
			Audience:  jwt.ClaimStrings{c.TenantID},
			IssuedAt:  jwt.NewNumericDate(c.IssuedAt),
			ExpiresAt: jwt.NewNumericDate(c.ExpiresAt),
		},
		Other: other{TenantID: c.TenantID, UserID: c.UserID, ActionCode: c.ActionCode,
			IdempotencyKey: c.IdempotencyKey, DeviceID: c.DeviceID},
		Scope: c.Scope,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, jc).SignedString(key)
}

// Parse checks a token's signature and expiry at now and returns its
// claims. keyFor returns the token key of the tenant the token names; the
// tenant is read from the token before the signature is checked, and a
// token naming another tenant than the key's fails the check. Every
// failure is a model.ErrUnauthenticated error.
func Parse(raw string, now time.Time, keyFor func(tenantID string) ([]byte, error)) (Claims, error) {
	var jc jwtClaims
	_, err := jwt.ParseWithClaims(raw, &jc, func(t *jwt.Token) (any, error) {
		c, ok := t.Claims.(*jwtClaims)
		if !ok || c.Other.TenantID == "" {
			return nil, errors.New("no tenant in token")
		}
		return keyFor(c.Other.TenantID)
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	)
	if err != nil {
		code, desc := "invalid_token", "the token is not valid"
		if errors.Is(err, jwt.ErrTokenExpired) {
			code, desc = "expired_token", "the token has expired"
		}
		return Claims{}, &model.Error{Kind: model.ErrUnauthenticated, Code: code,
			Description: desc, Cause: fmt.Errorf("parse token: %w", err)}
	}
	if len(jc.Audience) != 1 || jc.Audience[0] != jc.Other.TenantID || jc.Subject != jc.Other.UserID {
		return Claims{}, model.Errorf(model.ErrUnauthenticated, "invalid_token", "the token is not valid")
	}
	return Claims{
		TenantID: jc.Other.TenantID, UserID: jc.Other.UserID, ActionCode: jc.Other.ActionCode,
		IdempotencyKey: jc.Other.IdempotencyKey, DeviceID: jc.Other.DeviceID, Scope: jc.Scope,
		IssuedAt: jc.IssuedAt.Time, ExpiresAt: jc.ExpiresAt.Time,
	}, nil
}

// ParseExpired checks a token's signature as Parse does but accepts it
// whatever its times say, for a page that only needs to know whose an
// expired token was (to offer the way back to its tenant's app). Never
// use it to authorise anything.
func ParseExpired(raw string, keyFor func(tenantID string) ([]byte, error)) (Claims, error) {
	var jc jwtClaims
	_, err := jwt.ParseWithClaims(raw, &jc, func(t *jwt.Token) (any, error) {
		c, ok := t.Claims.(*jwtClaims)
		if !ok || c.Other.TenantID == "" {
			return nil, errors.New("no tenant in token")
		}
		return keyFor(c.Other.TenantID)
	}, jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithoutClaimsValidation())
	if err != nil || jc.Issuer != issuer || len(jc.Audience) != 1 || jc.Audience[0] != jc.Other.TenantID ||
		jc.Subject != jc.Other.UserID {
		return Claims{}, model.Errorf(model.ErrUnauthenticated, "invalid_token", "the token is not valid")
	}
	return Claims{TenantID: jc.Other.TenantID, UserID: jc.Other.UserID, ActionCode: jc.Other.ActionCode,
		IdempotencyKey: jc.Other.IdempotencyKey, DeviceID: jc.Other.DeviceID, Scope: jc.Scope}, nil
}
