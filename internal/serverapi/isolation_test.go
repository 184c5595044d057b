package serverapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/store"
)

// snapshot is everything tenant B owns, to compare before and after tenant
// A's attempts.
type snapshot struct {
	Users   []string
	Auths   []string
	Actions []string
}

func takeSnapshot(t *testing.T, st *store.Store, tenantID string) snapshot {
	t.Helper()
	ctx := context.Background()
	var s snapshot
	users, err := st.QueryUsers(ctx, tenantID, store.UserQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		s.Users = append(s.Users, u.ID+"|"+u.Email+"|"+u.Username+"|"+u.DisplayName)
		auths, err := st.Authenticators(ctx, tenantID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range auths {
			s.Auths = append(s.Auths, a.ID+"|"+string(a.Method)+"|"+a.Email)
		}
		acts, err := st.QueryActions(ctx, tenantID, u.ID, store.ActionQuery{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range acts {
			s.Actions = append(s.Actions, a.IdempotencyKey+"|"+string(a.State))
		}
	}
	return s
}

func TestTenantIsolation(t *testing.T) {
	e := newEnv(t)
	tenantB, keyB := e.tenant("B")
	_, keyA := e.tenant("A")

	// Tenant B has a user with an authenticator and an action.
	e.do(keyB, "POST", "/v1/users/bob/actions/signIn", map[string]any{"idempotencyKey": "b-key", "email": "bob@b.example"}).mustOK(t)
	auth := e.do(keyB, "POST", "/v1/users/bob/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": "bob@b.example"}).mustOK(t)
	authID := auth.json["authenticator"].(map[string]any)["userAuthenticatorId"].(string)
	tokenB := e.do(keyB, "POST", "/v1/users/bob/actions/signIn", map[string]any{"idempotencyKey": "b-key"}).mustOK(t).str("token")
	before := takeSnapshot(t, e.store, tenantB.ID)

	tests := []struct {
		name   string
		method string
		path   string
		body   any
		want   int
	}{
		{"get user", "GET", "/v1/users/bob", nil, http.StatusNotFound},
		{"update user", "PATCH", "/v1/users/bob", map[string]any{"email": "mallory@a.example"}, http.StatusNotFound},
		{"delete user", "DELETE", "/v1/users/bob", nil, http.StatusNotFound},
		{"list authenticators", "GET", "/v1/users/bob/authenticators", nil, http.StatusNotFound},
		{"delete authenticator", "DELETE", "/v1/users/bob/authenticators/" + authID, nil, http.StatusNotFound},
		{"get action", "GET", "/v1/users/bob/actions/signIn/b-key", nil, http.StatusNotFound},
		{"update action", "PATCH", "/v1/users/bob/actions/signIn/b-key", map[string]any{"state": "REVIEW_SUCCEEDED"}, http.StatusNotFound},
		{"query actions", "GET", "/v1/users/bob/actions", nil, http.StatusNotFound},
		{"query users by email", "GET", "/v1/users?email=bob@b.example", nil, http.StatusOK},
		{"query users by token", "GET", "/v1/users?token=" + tokenB, nil, http.StatusBadRequest},
		{"validate token", "POST", "/v1/validate", map[string]any{"token": tokenB}, http.StatusOK},
		// Tracking with B's idempotency key under A creates A's own user
		// "bob"; it must not reach B's action.
		{"track with B's key", "POST", "/v1/users/bob/actions/signIn", map[string]any{"idempotencyKey": "b-key"}, http.StatusOK},
		{"enrol on same user id", "POST", "/v1/users/bob/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": "mallory@a.example"}, http.StatusOK},
		{"delete B's authenticator after A has a bob", "DELETE", "/v1/users/bob/authenticators/" + authID, nil, http.StatusNotFound},
		{"patch B's action after A has a bob", "PATCH", "/v1/users/bob/actions/signIn/b-key", map[string]any{"state": "REVIEW_FAILED"}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.do(keyA, tt.method, tt.path, tt.body)
			if res.status != tt.want {
				t.Fatalf("status = %d, want %d: %s", res.status, tt.want, res.body)
			}
			switch tt.name {
			case "query users by email":
				if users := res.json["users"].([]any); len(users) != 0 {
					t.Errorf("tenant A sees tenant B's users: %v", users)
				}
			case "validate token":
				if res.json["isValid"] != false || res.json["userId"] != nil {
					t.Errorf("tenant A validated tenant B's token: %s", res.body)
				}
			}
		})
	}
	after := takeSnapshot(t, e.store, tenantB.ID)
	if diff := cmp.Diff(after, before); diff != "" {
		t.Errorf("tenant B's data changed (-after +before):\n%s", diff)
	}
	// The last PATCH changed A's own action with the same key, not B's.
	if got := e.do(keyB, "GET", "/v1/users/bob/actions/signIn/b-key", nil).mustOK(t).str("state"); got != "ALLOW" {
		t.Errorf("B's action state = %s, want ALLOW (unchanged)", got)
	}
}

func TestSecretKeyRequired(t *testing.T) {
	e := newEnv(t)
	tenant, key := e.tenant("T")
	keys, err := e.store.APIKeys(context.Background(), tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RevokeKey(context.Background(), tenant.ID, keys[0].ID); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"", "sk_wrong", "not-a-key", key} {
		res := e.do(secret, "GET", "/v1/users/bob", nil)
		if res.status != http.StatusUnauthorized || res.str("error") != "unauthorized" {
			t.Errorf("secret %q: status %d %s, want 401 unauthorized", secret, res.status, res.body)
		}
	}
}
