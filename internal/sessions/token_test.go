package sessions

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/model"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

const issuer = "https://auth.example.com"

func newTestKey(t *testing.T) (string, *ecdsa.PrivateKey) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := publicJWK(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return jwk.KeyID, k
}

func TestAccessTokenRoundTrip(t *testing.T) {
	kid, key := newTestKey(t)
	want := AccessToken{Issuer: issuer, UserID: "ada", ClientID: "web", SessionID: "s1", ID: "j1",
		VerificationMethod: model.MethodPasskey, IssuedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
	raw, err := signAccessToken(key, kid, want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseAccessToken(raw, issuer, t0.Add(time.Minute), false, func(k string) (*ecdsa.PublicKey, error) {
		if k != kid {
			return nil, errors.New("unknown kid")
		}
		return &key.PublicKey, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("claims (-got +want):\n%s", diff)
	}
}

func TestAccessTokenRejected(t *testing.T) {
	kid, key := newTestKey(t)
	otherKid, otherKey := newTestKey(t)
	good := AccessToken{Issuer: issuer, UserID: "ada", ClientID: "web", SessionID: "s1", ID: "j1",
		IssuedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
	sign := func(k *ecdsa.PrivateKey, id string, at AccessToken) string {
		raw, err := signAccessToken(k, id, at)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	with := func(change func(*AccessToken)) AccessToken {
		at := good
		change(&at)
		return at
	}
	raw := sign(key, kid, good)
	parts := strings.Split(raw, ".")
	enc := base64.RawURLEncoding.EncodeToString
	noneRaw, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": issuer, "sub": "ada", "aud": "web",
		"sid": "s1", "jti": "j1", "iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix()}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": issuer, "sub": "ada", "aud": "web",
		"sid": "s1", "jti": "j1", "iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix()})
	hs.Header["kid"] = kid
	hsRaw, _ := hs.SignedString([]byte("secret"))

	tests := []struct {
		name string
		raw  string
		now  time.Time
		code string
	}{
		{"expired", raw, t0.Add(10*time.Minute + time.Second), "expired_token"},
		{"signed by another tenant's key", sign(otherKey, kid, good), t0, "invalid_token"},
		{"names another tenant's kid", sign(otherKey, otherKid, good), t0, "invalid_token"},
		{"no kid", sign(key, "", good), t0, "invalid_token"},
		{"alg none", noneRaw, t0, "invalid_token"},
		{"HS256", hsRaw, t0, "invalid_token"},
		{"tampered payload", parts[0] + "." + enc([]byte(`{"sub":"bo"}`)) + "." + parts[2], t0, "invalid_token"},
		{"another issuer", sign(key, kid, with(func(a *AccessToken) { a.Issuer = "https://evil.example" })), t0, "invalid_token"},
		{"issued in the future", sign(key, kid, with(func(a *AccessToken) { a.IssuedAt = t0.Add(time.Hour) })), t0, "invalid_token"},
		{"no session", sign(key, kid, with(func(a *AccessToken) { a.SessionID = "" })), t0, "invalid_token"},
		{"no subject", sign(key, kid, with(func(a *AccessToken) { a.UserID = "" })), t0, "invalid_token"},
		{"no id", sign(key, kid, with(func(a *AccessToken) { a.ID = "" })), t0, "invalid_token"},
		{"garbage", "not.a.token", t0, "invalid_token"},
		{"empty", "", t0, "invalid_token"},
	}
	keyFor := func(k string) (*ecdsa.PublicKey, error) {
		switch k {
		case kid:
			return &key.PublicKey, nil
		}
		return nil, model.NotFound("no such key")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseAccessToken(tc.raw, issuer, tc.now, false, keyFor)
			var me *model.Error
			if !errors.As(err, &me) || me.Code != tc.code || !errors.Is(err, model.ErrUnauthenticated) || errors.Is(err, model.ErrNotFound) {
				t.Errorf("err = %v, want %s (unauthenticated only)", err, tc.code)
			}
		})
	}
	// Revoking takes an expired token, but nothing else the check refuses.
	if _, err := parseAccessToken(raw, issuer, t0.Add(time.Hour), true, keyFor); err != nil {
		t.Errorf("expired token allowed: %v", err)
	}
	for _, tc := range tests[1:] {
		if _, err := parseAccessToken(tc.raw, issuer, tc.now, true, keyFor); err == nil {
			t.Errorf("%s accepted when expired tokens are allowed", tc.name)
		}
	}
}

// The JWK is the key's point, and its id the RFC 7638 thumbprint: the
// SHA-256 of the required members in lexicographic order.
func TestPublicJWK(t *testing.T) {
	_, key := newTestKey(t)
	jwk, err := publicJWK(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := base64.RawURLEncoding.DecodeString(jwk.X)
	y, _ := base64.RawURLEncoding.DecodeString(jwk.Y)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil || !pub.Equal(&key.PublicKey) {
		t.Fatalf("the JWK's point is not the key's: %v", err)
	}
	canon, _ := json.Marshal(struct {
		Crv string `json:"crv"`
		Kty string `json:"kty"`
		X   string `json:"x"`
		Y   string `json:"y"`
	}{"P-256", "EC", jwk.X, jwk.Y})
	if sum := sha256.Sum256(canon); jwk.KeyID != base64.RawURLEncoding.EncodeToString(sum[:]) {
		t.Errorf("kid %q is not the thumbprint of %s", jwk.KeyID, canon)
	}
	again, _ := publicJWK(&key.PublicKey)
	_, other := newTestKey(t)
	otherJWK, _ := publicJWK(&other.PublicKey)
	if len(jwk.KeyID) != 43 || again.KeyID != jwk.KeyID || otherJWK.KeyID == jwk.KeyID {
		t.Errorf("kid %q, again %q, another key's %q", jwk.KeyID, again.KeyID, otherJWK.KeyID)
	}
}

func TestJudgeRefresh(t *testing.T) {
	live := model.Session{ExpiresAt: t0.Add(time.Hour)}
	revoked := model.Session{ExpiresAt: t0.Add(time.Hour), RevokedAt: t0.Add(-time.Minute)}
	unused := model.RefreshToken{}
	used := model.RefreshToken{UsedAt: t0.Add(-time.Minute)}
	tests := []struct {
		name string
		rt   model.RefreshToken
		s    model.Session
		now  time.Time
		want refreshVerdict
	}{
		{"fresh token of a live session", unused, live, t0, rotate},
		{"used token of a live session", used, live, t0, revokeFamily},
		{"fresh token of a revoked session", unused, revoked, t0, refuse},
		{"used token of a revoked session", used, revoked, t0, refuse},
		{"at the session's expiry", unused, live, t0.Add(time.Hour), refuse},
		{"a moment before it", unused, live, t0.Add(time.Hour - time.Microsecond), rotate},
		{"used token after the expiry", used, live, t0.Add(2 * time.Hour), refuse},
	}
	for _, tc := range tests {
		if got := judgeRefresh(tc.rt, tc.s, tc.now); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestRefreshHash(t *testing.T) {
	a, b := refreshHash("token-a"), refreshHash("token-b")
	if len(a) != 32 || string(a) == string(b) || string(a) != string(refreshHash("token-a")) {
		t.Errorf("hashes %x %x", a, b)
	}
}
