package serverapi_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/model"
)

// storedUser reads a user straight from the store, so that a test sees
// whether a request created one.
func storedUser(t *testing.T, e *apitest.Env, tenantID, userID string) (model.User, bool) {
	t.Helper()
	u, err := e.Store.User(context.Background(), tenantID, userID)
	if errors.Is(err, model.ErrNotFound) {
		return u, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return u, true
}

// TestGetUnknownUser: getUser of a user the tenant never had, or has
// deleted, answers as Authsignal does, a user with nothing enrolled, and
// reading creates no user.
func TestGetUnknownUser(t *testing.T) {
	e := apitest.New(t)
	tenant, key := e.Tenant("T")

	check := func(t *testing.T, id string) {
		t.Helper()
		r := e.Do(key, "GET", "/v1/users/"+id, nil).MustOK(t)
		if r.JSON["isEnrolled"] != false || r.Str("userId") != id || r.JSON["emailVerified"] != false ||
			r.JSON["phoneNumberVerified"] != false || r.JSON["email"] != nil || r.JSON["phoneNumber"] != nil {
			t.Errorf("getUser(%s) = %s", id, r.Body)
		}
		if m, ok := r.JSON["enrolledVerificationMethods"].([]any); !ok || len(m) != 0 {
			t.Errorf("enrolledVerificationMethods = %v, want []", r.JSON["enrolledVerificationMethods"])
		}
		if m, ok := r.JSON["allowedVerificationMethods"].([]any); !ok || len(m) == 0 {
			t.Errorf("allowedVerificationMethods = %v, want the tenant's methods", r.JSON["allowedVerificationMethods"])
		}
		if _, ok := storedUser(t, e, tenant.ID, id); ok {
			t.Errorf("getUser(%s) created the user", id)
		}
	}
	t.Run("never seen", func(t *testing.T) { check(t, "never-seen") })
	t.Run("deleted", func(t *testing.T) {
		e.Do(key, "POST", "/v1/users/gone/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": "gone@example.com"}).MustOK(t)
		if r := e.Do(key, "GET", "/v1/users/gone", nil).MustOK(t); r.JSON["isEnrolled"] != true {
			t.Fatalf("before delete: %s", r.Body)
		}
		e.Do(key, "DELETE", "/v1/users/gone", nil).MustOK(t)
		check(t, "gone")
	})
	t.Run("without a key", func(t *testing.T) {
		if r := e.Do("sk_wrong", "GET", "/v1/users/never-seen", nil); r.Status != http.StatusUnauthorized {
			t.Errorf("wrong key: %d %s", r.Status, r.Body)
		}
	})
}

// TestListsOfUnknownUser: getAuthenticators and queryUserActions of a
// user the tenant never had, or has deleted, answer 200 with an empty
// list as Authsignal does (not 404), create no user, and still check
// their query.
func TestListsOfUnknownUser(t *testing.T) {
	e := apitest.New(t)
	tenant, key := e.Tenant("T")
	e.Do(key, "POST", "/v1/users/gone/actions/signIn", map[string]any{"email": "gone@example.com"}).MustOK(t)
	e.Do(key, "POST", "/v1/users/gone/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": "gone@example.com"}).MustOK(t)
	for _, path := range []string{"/v1/users/gone/authenticators", "/v1/users/gone/actions"} {
		if r := e.Do(key, "GET", path, nil).MustOK(t); strings.TrimSpace(string(r.Body)) == "[]" {
			t.Fatalf("before delete: GET %s = %s, want the user's entries", path, r.Body)
		}
	}
	e.Do(key, "DELETE", "/v1/users/gone", nil).MustOK(t)
	for _, id := range []string{"never-seen", "gone"} {
		for _, path := range []string{"/v1/users/" + id + "/authenticators", "/v1/users/" + id + "/actions",
			"/v1/users/" + id + "/actions?codes=signIn&state=ALLOW&limit=5"} {
			r := e.Do(key, "GET", path, nil)
			if r.Status != http.StatusOK || strings.TrimSpace(string(r.Body)) != "[]" {
				t.Errorf("GET %s = %d %s, want 200 []", path, r.Status, r.Body)
			}
		}
		if _, ok := storedUser(t, e, tenant.ID, id); ok {
			t.Errorf("listing %s's entries created the user", id)
		}
	}
	// Bad queries are still refused, known user or not.
	for _, path := range []string{"/v1/users/never-seen/actions?limit=0", "/v1/users/never-seen/actions?state=NOPE",
		"/v1/users/never-seen/authenticators?x=1"} {
		if r := e.Do(key, "GET", path, nil); r.Status != http.StatusBadRequest {
			t.Errorf("GET %s = %d %s, want 400", path, r.Status, r.Body)
		}
	}
}

// TestUpdateUnknownUser: updateUser of a user the tenant does not have
// creates a real user with the given attributes, by PATCH (the Node and
// Go SDKs) and by POST (the Java SDK); an existing user is updated, not
// replaced.
func TestUpdateUnknownUser(t *testing.T) {
	e := apitest.New(t)
	tenant, key := e.Tenant("T")
	for _, method := range []string{"PATCH", "POST"} {
		t.Run(method, func(t *testing.T) {
			id := "new-by-" + method
			up := e.Do(key, method, "/v1/users/"+id, map[string]any{
				"email": id + "@example.com", "displayName": "A New User", "phoneNumber": "9876543210", "custom": map[string]any{"plan": "pro"},
			}).MustOK(t)
			if up.Str("email") != id+"@example.com" || up.Str("displayName") != "A New User" || up.Str("phoneNumber") != "9876543210" {
				t.Errorf("updateUser = %s", up.Body)
			}
			u, ok := storedUser(t, e, tenant.ID, id)
			if !ok || u.Email != id+"@example.com" || u.DisplayName != "A New User" || u.Custom["plan"] != "pro" || u.CreatedAt.IsZero() {
				t.Fatalf("stored user = %+v (found %v)", u, ok)
			}
			got := e.Do(key, "GET", "/v1/users/"+id, nil).MustOK(t)
			if got.Str("email") != id+"@example.com" || got.Str("phoneNumber") != "9876543210" || got.JSON["isEnrolled"] != false {
				t.Errorf("getUser after updateUser = %s", got.Body)
			}
			if q := e.Do(key, "GET", "/v1/users?email="+id+"@example.com", nil).MustOK(t); len(q.JSON["users"].([]any)) != 1 {
				t.Errorf("queryUsers = %s", q.Body)
			}
			// A second update changes only what it names.
			e.Do(key, method, "/v1/users/"+id, map[string]any{"username": "ann"}).MustOK(t)
			if u2, _ := storedUser(t, e, tenant.ID, id); u2.Email != u.Email || u2.Username != "ann" || !u2.CreatedAt.Equal(u.CreatedAt) {
				t.Errorf("after second update: %+v", u2)
			}
		})
	}
	t.Run("track after updateUser sees the user", func(t *testing.T) {
		e.Do(key, "PATCH", "/v1/users/later", map[string]any{"email": "later@example.com"}).MustOK(t)
		e.Do(key, "POST", "/v1/users/later/actions/signIn", map[string]any{"email": "other@example.com"}).MustOK(t)
		if u, _ := storedUser(t, e, tenant.ID, "later"); u.Email != "later@example.com" {
			t.Errorf("track overwrote the email updateUser set: %+v", u)
		}
	})
}

// TestPhoneNumbersAsGiven: a phone number only has to be in E.164 form
// when a text is sent to it. track and updateUser keep a number without
// its country code as given, and put one written with spaces or dashes in
// E.164 form; an SMS authenticator, whose number is texted, still needs
// one, and the refusal says so.
func TestPhoneNumbersAsGiven(t *testing.T) {
	e := apitest.New(t)
	tenant, key := e.Tenant("T")

	e.Do(key, "POST", "/v1/users/u1/actions/signIn", map[string]any{"phoneNumber": "1234567890"}).MustOK(t)
	if u, _ := storedUser(t, e, tenant.ID, "u1"); u.PhoneNumber != "1234567890" {
		t.Errorf("track stored %q, want the number as given", u.PhoneNumber)
	}
	e.Do(key, "POST", "/v1/users/u2/actions/signIn", map[string]any{"phoneNumber": "+1 (415) 555-0100"}).MustOK(t)
	if u, _ := storedUser(t, e, tenant.ID, "u2"); u.PhoneNumber != "+14155550100" {
		t.Errorf("track stored %q, want +14155550100", u.PhoneNumber)
	}
	if up := e.Do(key, "PATCH", "/v1/users/u3", map[string]any{"phoneNumber": "+64 27-123 4567"}).MustOK(t); up.Str("phoneNumber") != "+64271234567" {
		t.Errorf("updateUser answered %s, want the number in E.164 form", up.Body)
	}
	// Found by the number in either form.
	if q := e.Do(key, "GET", "/v1/users?phoneNumber=%2B64%2027%20123%204567", nil).MustOK(t); len(q.JSON["users"].([]any)) != 1 {
		t.Errorf("queryUsers by the written number = %s", q.Body)
	}
	// Changing the number clears its verification; the same number in
	// another form is no change.
	e.Do(key, "PATCH", "/v1/users/u3", map[string]any{"phoneNumberVerified": true}).MustOK(t)
	if up := e.Do(key, "PATCH", "/v1/users/u3", map[string]any{"phoneNumber": "+64271234567"}).MustOK(t); up.JSON["phoneNumberVerified"] != true {
		t.Errorf("same number, other form: %s", up.Body)
	}

	if r := e.Do(key, "POST", "/v1/users/u1/authenticators", map[string]any{"verificationMethod": "SMS", "phoneNumber": "1234567890"}); r.Status != 400 ||
		!strings.Contains(r.Str("errorDescription"), "E.164") {
		t.Errorf("SMS authenticator refusal does not say why: %s", r.Body)
	}
	r := e.Do(key, "POST", "/v1/users/u4/authenticators", map[string]any{"verificationMethod": "SMS", "phoneNumber": "+64 27 000 0000"}).MustOK(t)
	if got := r.JSON["authenticator"].(map[string]any)["phoneNumber"]; got != "+64270000000" {
		t.Errorf("SMS authenticator number = %v, want +64270000000", got)
	}
}

// TestGetActionOutput: getAction's output is an object, empty since
// Uplift's rules give nothing beyond the state.
func TestGetActionOutput(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("T")
	e.Do(key, "POST", "/v1/users/ada/actions/signIn", map[string]any{"idempotencyKey": "k1"}).MustOK(t)
	r := e.Do(key, "GET", "/v1/users/ada/actions/signIn/k1", nil).MustOK(t)
	if out, ok := r.JSON["output"].(map[string]any); !ok || len(out) != 0 {
		t.Errorf("output = %#v in %s, want {}", r.JSON["output"], r.Body)
	}
}
