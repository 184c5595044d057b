package serverapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/model"
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
	users, err := st.QueryUsers(ctx, tenantID, model.UserQuery{Limit: 1000})
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
		acts, err := st.QueryActions(ctx, tenantID, u.ID, model.ActionQuery{Limit: 1000})
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
	e := apitest.New(t)
	tenantB, keyB := e.Tenant("B")
	_, keyA := e.Tenant("A")

	// Tenant B has a user with an authenticator and an action.
	e.Do(keyB, "POST", "/v1/users/bob/actions/signIn", map[string]any{"idempotencyKey": "b-key", "email": "bob@b.example"}).MustOK(t)
	auth := e.Do(keyB, "POST", "/v1/users/bob/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": "bob@b.example"}).MustOK(t)
	authID := auth.JSON["authenticator"].(map[string]any)["userAuthenticatorId"].(string)
	tokenB := e.Do(keyB, "POST", "/v1/users/bob/actions/signIn", map[string]any{"idempotencyKey": "b-key"}).MustOK(t).Str("token")
	before := takeSnapshot(t, e.Store, tenantB.ID)

	tests := []struct {
		name   string
		method string
		path   string
		body   any
		want   int
	}{
		// A user id tenant A does not have reads as a user with nothing
		// enrolled, whoever else has that id.
		{"get user", "GET", "/v1/users/bob", nil, http.StatusOK},
		{"delete user", "DELETE", "/v1/users/bob", nil, http.StatusNotFound},
		{"list authenticators", "GET", "/v1/users/bob/authenticators", nil, http.StatusOK},
		{"delete authenticator", "DELETE", "/v1/users/bob/authenticators/" + authID, nil, http.StatusNotFound},
		{"get action", "GET", "/v1/users/bob/actions/signIn/b-key", nil, http.StatusNotFound},
		{"update action", "PATCH", "/v1/users/bob/actions/signIn/b-key", map[string]any{"state": "REVIEW_SUCCEEDED"}, http.StatusNotFound},
		{"query actions", "GET", "/v1/users/bob/actions", nil, http.StatusOK},
		{"query users by email", "GET", "/v1/users?email=bob@b.example", nil, http.StatusOK},
		{"query users by token", "GET", "/v1/users?token=" + tokenB, nil, http.StatusBadRequest},
		{"validate token", "POST", "/v1/validate", map[string]any{"token": tokenB}, http.StatusOK},
		// Tracking with B's idempotency key under A creates A's own user
		// "bob"; it must not reach B's action.
		{"track with B's key", "POST", "/v1/users/bob/actions/signIn", map[string]any{"idempotencyKey": "b-key"}, http.StatusOK},
		{"enrol on same user id", "POST", "/v1/users/bob/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": "mallory@a.example"}, http.StatusOK},
		{"update user", "PATCH", "/v1/users/bob", map[string]any{"email": "mallory@a.example"}, http.StatusOK},
		{"update user by POST", "POST", "/v1/users/bob", map[string]any{"displayName": "Mallory"}, http.StatusOK},
		{"delete B's authenticator after A has a bob", "DELETE", "/v1/users/bob/authenticators/" + authID, nil, http.StatusNotFound},
		{"patch B's action after A has a bob", "PATCH", "/v1/users/bob/actions/signIn/b-key", map[string]any{"state": "REVIEW_FAILED"}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.Do(keyA, tt.method, tt.path, tt.body)
			if res.Status != tt.want {
				t.Fatalf("status = %d, want %d: %s", res.Status, tt.want, res.Body)
			}
			switch tt.name {
			case "get user":
				if res.JSON["isEnrolled"] != false || res.JSON["email"] != nil || res.JSON["userId"] != "bob" {
					t.Errorf("tenant A reads tenant B's bob: %s", res.Body)
				}
			case "list authenticators", "query actions":
				if strings.TrimSpace(string(res.Body)) != "[]" {
					t.Errorf("tenant A lists tenant B's bob: %s", res.Body)
				}
			case "query users by email":
				if users := res.JSON["users"].([]any); len(users) != 0 {
					t.Errorf("tenant A sees tenant B's users: %v", users)
				}
			case "validate token":
				if res.JSON["isValid"] != false || res.JSON["userId"] != nil {
					t.Errorf("tenant A validated tenant B's token: %s", res.Body)
				}
			}
		})
	}
	after := takeSnapshot(t, e.Store, tenantB.ID)
	if diff := cmp.Diff(after, before); diff != "" {
		t.Errorf("tenant B's data changed (-after +before):\n%s", diff)
	}
	// The last PATCH changed A's own action with the same key, not B's.
	if got := e.Do(keyB, "GET", "/v1/users/bob/actions/signIn/b-key", nil).MustOK(t).Str("state"); got != "ALLOW" {
		t.Errorf("B's action state = %s, want ALLOW (unchanged)", got)
	}
}

func TestSecretKeyRequired(t *testing.T) {
	e := apitest.New(t)
	tenant, key := e.Tenant("T")
	keys, err := e.Store.APIKeys(context.Background(), tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.App.Tenancy.RevokeKey(context.Background(), tenant.ID, keys[0].ID); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"", "sk_wrong", "not-a-key", key} {
		res := e.Do(secret, "GET", "/v1/users/bob", nil)
		if res.Status != http.StatusUnauthorized || res.Str("error") != "unauthorized" {
			t.Errorf("secret %q: status %d %s, want 401 unauthorized", secret, res.Status, res.Body)
		}
	}
}
