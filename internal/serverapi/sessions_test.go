package serverapi_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/uplift-dev/uplift/internal/apitest"
)

// succeededToken returns the token of an action of user's whose email
// challenge succeeded, as track with the challenge gives it.
func (c *codeEnv) succeededToken(user string) string {
	c.T.Helper()
	c.Clock.Advance(31 * time.Second) // past the email codes' throttle
	email := user + "@example.com"
	id := c.challenge(map[string]any{"verificationMethod": "EMAIL_OTP", "action": "signIn", "email": email}).MustOK(c.T).Str("challengeId")
	code, err := c.mail.LastCode(email)
	if err != nil {
		c.T.Fatal(err)
	}
	if v := c.verify(id, code); v.JSON["isVerified"] != true {
		c.T.Fatalf("verify = %s", v.Body)
	}
	tr := c.Do(c.key, "POST", "/v1/users/"+user+"/actions/signIn", map[string]any{"challengeId": id}).MustOK(c.T)
	if tr.Str("state") != "CHALLENGE_SUCCEEDED" {
		c.T.Fatalf("track = %s", tr.Body)
	}
	return tr.Str("token")
}

func (c *codeEnv) session(key, token, clientID string) (access, refresh string) {
	c.T.Helper()
	r := c.Do(key, "POST", "/v1/sessions", map[string]any{"clientId": clientID, "token": token}).MustOK(c.T)
	access, refresh = r.Str("accessToken"), r.Str("refreshToken")
	if access == "" || refresh == "" {
		c.T.Fatalf("createSession = %s", r.Body)
	}
	return access, refresh
}

func (c *codeEnv) validate(key, access string, clientIDs ...string) apitest.Response {
	c.T.Helper()
	body := map[string]any{"accessToken": access}
	if clientIDs != nil {
		body["clientIds"] = clientIDs
	}
	return c.Do(key, "POST", "/v1/sessions/validate", body)
}

func (c *codeEnv) refresh(key, refresh string) apitest.Response {
	c.T.Helper()
	return c.Do(key, "POST", "/v1/sessions/refresh", map[string]any{"refreshToken": refresh})
}

func TestSessionLifecycle(t *testing.T) {
	c := newCodeEnv(t)
	token := c.succeededToken("ada")
	access, refresh := c.session(c.key, token, "web")

	v := c.validate(c.key, access, "ios", "web").MustOK(t)
	user, _ := v.JSON["user"].(map[string]any)
	if exp, _ := v.JSON["expiresAt"].(float64); user["userId"] != "ada" || user["email"] != "ada@example.com" ||
		v.Str("verificationMethod") != "EMAIL_OTP" || int64(exp) != c.Clock.Now().Add(10*time.Minute).Unix() {
		t.Fatalf("validateSession = %s", v.Body)
	}
	wantError(t, c.validate(c.key, access, "ios"), 401, "invalid_token", "another client")
	// The token made one session; it makes no other.
	wantError(t, c.Do(c.key, "POST", "/v1/sessions", map[string]any{"clientId": "web", "token": token}),
		409, "token_already_used", "already")

	// Refreshing replaces both tokens.
	c.Clock.Advance(time.Minute)
	r := c.refresh(c.key, refresh).MustOK(t)
	access2, refresh2 := r.Str("accessToken"), r.Str("refreshToken")
	if access2 == access || refresh2 == refresh || access2 == "" || refresh2 == "" {
		t.Fatalf("refreshSession = %s", r.Body)
	}
	c.validate(c.key, access2).MustOK(t)
	wantError(t, c.validate(c.key, access), 401, "invalid_token", "replaced")

	// The new access token expires; the refresh token still works.
	c.Clock.Advance(11 * time.Minute)
	wantError(t, c.validate(c.key, access2), 401, "expired_token", "expired")
	r = c.refresh(c.key, refresh2).MustOK(t)
	access3, refresh3 := r.Str("accessToken"), r.Str("refreshToken")
	c.validate(c.key, access3).MustOK(t)

	// Revoking, even with an expired access token, ends the session.
	if got := c.Do(c.key, "POST", "/v1/sessions/revoke", map[string]any{"accessToken": access2}); got.Status != 200 {
		t.Fatalf("revokeSession = %d %s", got.Status, got.Body)
	}
	wantError(t, c.validate(c.key, access3), 401, "invalid_token", "revoked")
	wantError(t, c.refresh(c.key, refresh3), 401, "invalid_refresh_token", "not valid")
}

// A refresh token used twice may have been copied: the second use
// revokes the session, whose newest tokens are refused from then on.
func TestSessionRefreshTokenReuseRevokesTheFamily(t *testing.T) {
	c := newCodeEnv(t)
	access, refresh := c.session(c.key, c.succeededToken("ada"), "web")
	r := c.refresh(c.key, refresh).MustOK(t)
	access2, refresh2 := r.Str("accessToken"), r.Str("refreshToken")

	wantError(t, c.refresh(c.key, refresh), 401, "invalid_refresh_token", "already used")
	wantError(t, c.validate(c.key, access2), 401, "invalid_token", "revoked")
	wantError(t, c.validate(c.key, access), 401, "invalid_token", "")
	wantError(t, c.refresh(c.key, refresh2), 401, "invalid_refresh_token", "")

	// Another session of the user lives on; revoking all of the user's ends it.
	other, _ := c.session(c.key, c.succeededToken("ada"), "web")
	c.validate(c.key, other).MustOK(t)
	bo, _ := c.session(c.key, c.succeededToken("bo"), "web")
	if got := c.Do(c.key, "POST", "/v1/sessions/user/revoke", map[string]any{"userId": "ada"}); got.Status != 200 {
		t.Fatalf("revokeUserSessions = %d %s", got.Status, got.Body)
	}
	wantError(t, c.validate(c.key, other), 401, "invalid_token", "revoked")
	c.validate(c.key, bo).MustOK(t)
}

func TestSessionNeedsASucceededChallenge(t *testing.T) {
	c := newCodeEnv(t)
	tr := c.Do(c.key, "POST", "/v1/users/ada/actions/signIn", map[string]any{}).MustOK(t)
	if tr.Str("state") == "CHALLENGE_SUCCEEDED" || tr.Str("token") == "" {
		t.Fatalf("track = %s", tr.Body)
	}
	wantError(t, c.Do(c.key, "POST", "/v1/sessions", map[string]any{"clientId": "web", "token": tr.Str("token")}),
		401, "invalid_token", "")
	token := c.succeededToken("bo")
	wantError(t, c.Do(c.key, "POST", "/v1/sessions", map[string]any{"clientId": "web", "token": token, "action": "withdraw"}),
		401, "invalid_token", "another user or action")
	c.Do(c.key, "POST", "/v1/sessions", map[string]any{"clientId": "web", "token": token, "action": "signIn"}).MustOK(t)
}

// jwks fetches a tenant's public keys, as an app checking tokens offline.
func jwks(t *testing.T, c *codeEnv, tenantID string) map[string]*ecdsa.PublicKey {
	t.Helper()
	r := c.Do("", "GET", "/v1/client/public/"+tenantID+"/.well-known/jwks", nil).MustOK(t)
	var set struct {
		Keys []struct{ Kty, Crv, X, Y, Kid, Use, Alg string }
	}
	if err := json.Unmarshal(r.Body, &set); err != nil || len(set.Keys) == 0 {
		t.Fatalf("jwks = %s (%v)", r.Body, err)
	}
	out := map[string]*ecdsa.PublicKey{}
	for _, k := range set.Keys {
		x, errX := base64.RawURLEncoding.DecodeString(k.X)
		y, errY := base64.RawURLEncoding.DecodeString(k.Y)
		if k.Kty != "EC" || k.Crv != "P-256" || k.Alg != "ES256" || k.Use != "sig" || errX != nil || errY != nil {
			t.Fatalf("jwk = %+v", k)
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			t.Fatal(err)
		}
		out[k.Kid] = pub
	}
	return out
}

func TestSessionAccessTokenVerifiesOfflineAgainstTheJWKS(t *testing.T) {
	c := newCodeEnv(t)
	access, _ := c.session(c.key, c.succeededToken("ada"), "web")
	keys := jwks(t, c, c.tenantID(t))
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(access, claims, func(tk *jwt.Token) (any, error) {
		k, ok := keys[fmt.Sprint(tk.Header["kid"])]
		if !ok {
			return nil, fmt.Errorf("kid %v not in the JWKS", tk.Header["kid"])
		}
		return k, nil
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuer("http://localhost:8080"), jwt.WithAudience("web"),
		jwt.WithTimeFunc(c.Clock.Now))
	if err != nil {
		t.Fatalf("offline check: %v", err)
	}
	if claims["sub"] != "ada" || claims["sid"] == nil || claims["jti"] == nil || claims["verificationMethod"] != "EMAIL_OTP" {
		t.Errorf("claims = %v", claims)
	}
	other, _ := c.Tenant("Other")
	if other := jwks(t, c, other.ID); len(other) != 1 || other[fmt.Sprint(keysOf(keys)[0])] != nil {
		t.Errorf("another tenant's JWKS holds this tenant's key")
	}
	for _, id := range []string{"00000000-0000-4000-8000-000000000000", "not-a-tenant", "%00"} {
		if r := c.Do("", "GET", "/v1/client/public/"+id+"/.well-known/jwks", nil); r.Status != 404 && r.Status != 400 {
			t.Errorf("jwks of %q = %d %s, want 404 or 400", id, r.Status, r.Body)
		}
	}
}

func keysOf(m map[string]*ecdsa.PublicKey) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func (c *codeEnv) tenantID(t *testing.T) string {
	t.Helper()
	tn, err := c.App.Tenancy.TenantForSecret(t.Context(), c.key)
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}

// What an attacker may send: forged, unsigned, re-keyed, replayed into
// another tenant, or malformed tokens.
func TestSessionAttackerInputs(t *testing.T) {
	c := newCodeEnv(t)
	access, refresh := c.session(c.key, c.succeededToken("ada"), "web")
	_, otherKey := c.Tenant("Other")

	parts := strings.Split(access, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	header, _ := base64.RawURLEncoding.DecodeString(parts[0])
	enc := base64.RawURLEncoding.EncodeToString
	forgedPayload := enc([]byte(strings.Replace(string(payload), `"sub":"ada"`, `"sub":"bo"`, 1)))
	none := enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	var h map[string]any
	json.Unmarshal(header, &h)
	kid := h["kid"]
	h["kid"] = "unknown-key"
	wrongKid, _ := json.Marshal(h)
	// A token signed with a key of the attacker's own, naming the tenant's kid.
	attackerKey, _ := ecdsa.GenerateKey(elliptic.P256(), nil)
	var claims jwt.MapClaims
	json.Unmarshal(payload, &claims)
	selfSigned := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	selfSigned.Header["kid"] = kid
	selfSignedRaw, _ := selfSigned.SignedString(attackerKey)
	// alg HS256 keyed with the public key's text, the old confusion.
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	hs.Header["kid"] = kid
	hsRaw, _ := hs.SignedString([]byte(parts[0]))

	for _, tc := range []struct {
		name, token string
	}{
		{"forged payload", parts[0] + "." + forgedPayload + "." + parts[2]},
		{"alg none", none},
		{"unknown kid", enc(wrongKid) + "." + parts[1] + "." + parts[2]},
		{"signed by another key under the tenant's kid", selfSignedRaw},
		{"HS256", hsRaw},
		{"garbage", "a.b.c"},
		{"too long", strings.Repeat("a", 5000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.validate(c.key, tc.token)
			if r.Status != 401 && r.Status != 400 {
				t.Errorf("validate = %d %s, want 401 or 400", r.Status, r.Body)
			}
			if r := c.Do(c.key, "POST", "/v1/sessions/revoke", map[string]any{"accessToken": tc.token}); r.Status == 200 {
				t.Errorf("revoke = %d %s", r.Status, r.Body)
			}
		})
	}

	// Another tenant can neither validate, refresh nor revoke the session.
	wantError(t, c.validate(otherKey, access), 401, "invalid_token", "")
	wantError(t, c.refresh(otherKey, refresh), 401, "invalid_refresh_token", "")
	wantError(t, c.Do(otherKey, "POST", "/v1/sessions/revoke", map[string]any{"accessToken": access}), 401, "invalid_token", "")
	c.validate(c.key, access).MustOK(t)

	// Text with NUL or control characters is refused naming the field.
	for _, tc := range []struct{ path, body, field string }{
		{"/v1/sessions", `{"clientId":"we\u0000b","token":"x"}`, "clientId"},
		{"/v1/sessions", `{"clientId":"web","token":"x\u0007"}`, "token"},
		{"/v1/sessions/validate", `{"accessToken":"a\u0000"}`, "accessToken"},
		{"/v1/sessions/validate", `{"accessToken":"a","clientIds":["w\u0000"]}`, "clientIds"},
		{"/v1/sessions/refresh", `{"refreshToken":"r\u0000"}`, "refreshToken"},
		{"/v1/sessions/user/revoke", `{"userId":"a\u0000"}`, "userId"},
	} {
		r := c.Do(c.key, "POST", tc.path, []byte(tc.body))
		if r.Status != 400 || !strings.Contains(r.Str("errorDescription"), tc.field) {
			t.Errorf("%s %s = %d %s, want 400 naming %s", tc.path, tc.body, r.Status, r.Body, tc.field)
		}
	}
	for _, tc := range []struct{ path, body string }{
		{"/v1/sessions", `{"clientId":"","token":"x"}`},
		{"/v1/sessions", `{"clientId":"web"}`},
		{"/v1/sessions", `{"clientId":"web","token":"x","extra":1}`},
		{"/v1/sessions/validate", `{}`},
		{"/v1/sessions/refresh", `{}`},
		{"/v1/sessions/user/revoke", `{"userId":""}`},
	} {
		if r := c.Do(c.key, "POST", tc.path, []byte(tc.body)); r.Status != 400 {
			t.Errorf("%s %s = %d %s, want 400", tc.path, tc.body, r.Status, r.Body)
		}
	}
	// Without the secret key, nothing.
	if r := c.Do("", "POST", "/v1/sessions/validate", map[string]any{"accessToken": access}); r.Status != 401 {
		t.Errorf("validate without a key = %d", r.Status)
	}
}

func TestSessionConfiguration(t *testing.T) {
	c := newCodeEnv(t)
	const path = "/v1/management/session-configuration"
	if r := c.Do(c.key, "GET", path, nil).MustOK(t); r.JSON["accessTokenDuration"] != 600.0 || r.JSON["refreshTokenDuration"] != 2592000.0 {
		t.Fatalf("defaults = %s", r.Body)
	}
	for _, body := range []string{`{"accessTokenDuration":59}`, `{"accessTokenDuration":86401}`, `{"accessTokenDuration":-1}`,
		`{"refreshTokenDuration":599}`, `{"refreshTokenDuration":31536001}`, `{"refreshTokenDuration":9223372036854775807}`,
		`{"accessTokenDuration":null}`, `{"accessTokenDuration":"600"}`} {
		if r := c.Do(c.key, "PATCH", path, []byte(body)); r.Status != 400 {
			t.Errorf("PATCH %s = %d %s, want 400", body, r.Status, r.Body)
		}
	}
	r := c.Do(c.key, "PATCH", path, map[string]any{"accessTokenDuration": 120, "refreshTokenDuration": 3600}).MustOK(t)
	if r.JSON["accessTokenDuration"] != 120.0 || r.JSON["refreshTokenDuration"] != 3600.0 {
		t.Fatalf("PATCH = %s", r.Body)
	}
	access, refresh := c.session(c.key, c.succeededToken("ada"), "web")
	if v := c.validate(c.key, access).MustOK(t); int64(v.JSON["expiresAt"].(float64)) != c.Clock.Now().Add(2*time.Minute).Unix() {
		t.Errorf("expiresAt with a 120 s lifetime = %s", v.Body)
	}
	c.Clock.Advance(time.Hour)
	wantError(t, c.refresh(c.key, refresh), 401, "invalid_refresh_token", "")
}
