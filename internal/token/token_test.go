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
	claimsB := good
	claimsB.TenantID = "tenant-b"
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
