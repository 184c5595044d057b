package token_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/token"
)

var (
	keyA = bytes.Repeat([]byte{1}, 32)
	keyB = bytes.Repeat([]byte{2}, 32)
	t0   = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
)

func keys(tenantID string) ([]byte, error) {
	switch tenantID {
	case "tenant-a":
		return keyA, nil
	case "tenant-b":
		return keyB, nil
	}
	return nil, errors.New("unknown tenant")
}

func TestRoundTrip(t *testing.T) {
	want := token.Claims{TenantID: "tenant-a", UserID: "alice", ActionCode: "signIn", IdempotencyKey: "k1",
		DeviceID: "d1", Scope: "read:authenticators add:authenticators", IssuedAt: t0, ExpiresAt: t0.Add(token.Lifetime)}
	raw, err := token.Issue(keyA, want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := token.Parse(raw, t0.Add(time.Minute), keys)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("claims (-got +want):\n%s", diff)
	}
	if !got.HasScope("add:authenticators") || got.HasScope("remove:authenticators") {
		t.Errorf("HasScope wrong for %q", got.Scope)
	}
}

func TestRejected(t *testing.T) {
	good := token.Claims{TenantID: "tenant-a", UserID: "alice", ActionCode: "signIn", IdempotencyKey: "k1", IssuedAt: t0}
	issue := func(key []byte, c token.Claims) string {
		raw, err := token.Issue(key, c)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	claimsB := good // the same action, relabelled as tenant B's
	claimsB.TenantID = "tenant-b"
	future := good
	future.IssuedAt = t0.Add(time.Minute)
	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": "uplift", "other": map[string]any{"tenantId": "tenant-a"}})
	noneRaw, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	tests := []struct {
		name string
		raw  string
		now  time.Time
		code string
	}{
		{"expired", issue(keyA, good), t0.Add(token.Lifetime + time.Second), "expired_token"},
		{"signed with another tenant's key", issue(keyB, good), t0, "invalid_token"},
		{"names an unknown tenant", issue(keyA, token.Claims{TenantID: "tenant-x", UserID: "u", IssuedAt: t0}), t0, "invalid_token"},
		{"alg none", noneRaw, t0, "invalid_token"},
		{"garbage", "not.a.token", t0, "invalid_token"},
		{"empty", "", t0, "invalid_token"},
		{"tampered payload", issue(keyA, good)[:40] + "x" + issue(keyA, good)[41:], t0, "invalid_token"},
		{"names tenant B, signed with tenant A's key", issue(keyA, claimsB), t0, "invalid_token"},
		{"issued in the future", issue(keyA, future), t0, "invalid_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := token.Parse(tt.raw, tt.now, keys)
			var me *model.Error
			if !errors.As(err, &me) || !errors.Is(err, model.ErrUnauthenticated) || me.Code != tt.code {
				t.Errorf("Parse error = %v, want ErrUnauthenticated with code %s", err, tt.code)
			}
		})
	}
}

func TestShortKeyRefused(t *testing.T) {
	if _, err := token.Issue([]byte("short"), token.Claims{IssuedAt: t0}); err == nil {
		t.Error("Issue accepted a 5-byte key")
	}
}

// signed is a token whose registered claims a test sets by hand, signed
// with the right key of the tenant it names: each case below breaks one
// claim the way a forger holding a key of that tenant, or a bug, would.
func signed(t *testing.T, key []byte, edit func(jwt.MapClaims)) string {
	t.Helper()
	c := jwt.MapClaims{
		"iss":   "uplift",
		"sub":   "alice",
		"aud":   []string{"tenant-a"},
		"iat":   t0.Unix(),
		"exp":   t0.Add(token.Lifetime).Unix(),
		"other": map[string]any{"tenantId": "tenant-a", "userId": "alice"},
	}
	edit(c)
	raw, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestRegisteredClaimsChecked(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(jwt.MapClaims)
		wantOK bool
	}{
		{"as issued", func(jwt.MapClaims) {}, true},
		{"audience is another tenant", func(c jwt.MapClaims) { c["aud"] = []string{"tenant-b"} }, false},
		{"audience adds another tenant", func(c jwt.MapClaims) { c["aud"] = []string{"tenant-a", "tenant-b"} }, false},
		{"no audience", func(c jwt.MapClaims) { delete(c, "aud") }, false},
		{"subject is another user", func(c jwt.MapClaims) { c["sub"] = "bob" }, false},
		{"no subject", func(c jwt.MapClaims) { delete(c, "sub") }, false},
		{"issued a second from now", func(c jwt.MapClaims) { c["iat"] = t0.Add(time.Second).Unix() }, false},
		{"another issuer", func(c jwt.MapClaims) { c["iss"] = "someone-else" }, false},
		{"no expiry", func(c jwt.MapClaims) { delete(c, "exp") }, false},
		{"no tenant", func(c jwt.MapClaims) { c["other"] = map[string]any{"userId": "alice"} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := token.Parse(signed(t, keyA, tt.edit), t0, keys)
			if tt.wantOK {
				if err != nil || got.TenantID != "tenant-a" || got.UserID != "alice" {
					t.Errorf("Parse = %+v, %v; want tenant-a's alice", got, err)
				}
				return
			}
			var me *model.Error
			if !errors.As(err, &me) || !errors.Is(err, model.ErrUnauthenticated) || me.Code != "invalid_token" {
				t.Errorf("Parse = %+v, %v; want ErrUnauthenticated with code invalid_token", got, err)
			}
		})
	}
}

// ParseExpired names an expired token's tenant and action when its key
// signed it, and refuses any other.
func TestParseExpired(t *testing.T) {
	c := token.Claims{TenantID: "tenant-a", UserID: "alice", ActionCode: "signIn", IdempotencyKey: "k1", IssuedAt: t0}
	raw, err := token.Issue(keyA, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := token.Parse(raw, t0.Add(time.Hour), keys); err == nil {
		t.Fatal("Parse accepts the expired token")
	}
	got, err := token.ParseExpired(raw, keys)
	if err != nil || got.TenantID != "tenant-a" || got.IdempotencyKey != "k1" || got.UserID != "alice" {
		t.Errorf("ParseExpired = %+v, %v", got, err)
	}
	forged, err := token.Issue(keyB, c) // tenant A's claims under another key
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]string{"forged": forged, "garbage": "not-a-token", "truncated": raw[:len(raw)-4]} {
		if _, err := token.ParseExpired(bad, keys); err == nil {
			t.Errorf("ParseExpired accepts a %s token", name)
		}
	}
}
