package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestTenantIsolation checks that one tenant's secret key reaches nothing of
// another tenant's users, actions or tokens on the same database.
func TestTenantIsolation(t *testing.T) {
	srv := startServer(t)
	a := srv.SecretKey
	b := srv.CreateTenant("Other").SecretKey

	const userID, key = "isolated-user", "4f7e2a7c-58f4-4a3b-9d1e-2f0c6d7b8a91"
	status, body := srv.Call(a, http.MethodPost, "/users/"+userID+"/actions/signIn",
		map[string]string{"idempotencyKey": key, "email": "isolated@example.com"})
	if status != http.StatusOK {
		t.Fatalf("track with tenant A = %d %s, want 200", status, body)
	}
	var tracked struct{ Token string }
	if err := json.Unmarshal(body, &tracked); err != nil || tracked.Token == "" {
		t.Fatalf("track with tenant A: no token in %s (%v)", body, err)
	}

	status, body = srv.Call(b, http.MethodGet, "/users?email=isolated@example.com", nil)
	var found struct{ Users []json.RawMessage }
	if err := json.Unmarshal(body, &found); status != http.StatusOK || err != nil || len(found.Users) != 0 {
		t.Errorf("tenant B: query by tenant A's email = %d %s, want 200 and no users", status, body)
	}

	status, body = srv.Call(b, http.MethodPost, "/validate", map[string]string{"token": tracked.Token})
	var validated struct {
		IsValid bool   `json:"isValid"`
		UserID  string `json:"userId"`
	}
	json.Unmarshal(body, &validated)
	if status >= 500 || validated.IsValid || validated.UserID != "" {
		t.Errorf("tenant B: validate tenant A's token = %d %s, want isValid false and no user", status, body)
	}

	// Tenant A's actions are not found through B's key.
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{http.MethodGet, "/users/" + userID + "/actions/signIn/" + key, nil},
		{http.MethodPatch, "/users/" + userID + "/actions/signIn/" + key, map[string]string{"state": "REVIEW_SUCCEEDED"}},
	} {
		status, body := srv.Call(b, tc.method, tc.path, tc.body)
		if status != http.StatusNotFound {
			t.Errorf("tenant B: %s %s = %d %s, want 404", tc.method, tc.path, status, body)
		}
	}
	// The same user id through B's key names B's own user, as Authsignal
	// does for an id it has not seen: not enrolled, nothing of A's, and
	// B's changes land on B's user.
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{http.MethodGet, "/users/" + userID, nil},
		{http.MethodPatch, "/users/" + userID, map[string]string{"displayName": "Mallory"}},
		{http.MethodGet, "/users/" + userID + "/authenticators", nil},
		{http.MethodDelete, "/users/" + userID, nil},
	} {
		status, body := srv.Call(b, tc.method, tc.path, tc.body)
		if status != http.StatusOK || strings.Contains(string(body), "isolated@example.com") ||
			strings.Contains(string(body), `"isEnrolled":true`) || strings.Contains(string(body), `"verificationMethod"`) {
			t.Errorf("tenant B: %s %s = %d %s, want 200 and nothing of tenant A's", tc.method, tc.path, status, body)
		}
	}

	// Tenant A's data is untouched by B's attempts.
	status, body = srv.Call(a, http.MethodGet, "/users/"+userID, nil)
	var user struct{ DisplayName string }
	json.Unmarshal(body, &user)
	if status != http.StatusOK || user.DisplayName != "" {
		t.Errorf("tenant A: get user after B's attempts = %d %s, want 200 without displayName", status, body)
	}

	// The same user id and idempotency key are free in tenant B.
	status, body = srv.Call(b, http.MethodPost, "/users/"+userID+"/actions/signIn", map[string]string{"idempotencyKey": key})
	if status != http.StatusOK {
		t.Errorf("tenant B: track with tenant A's user id and key = %d %s, want 200", status, body)
	}
}
