package client_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/uplift-dev/uplift/client"
	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// now is the fixed clock of the server under test, and stamp how the
// Server API writes it.
var now = time.Date(2026, 1, 31, 9, 30, 0, 0, time.UTC)

const stamp = "2026-01-31T09:30:00.000Z"

// testServer is a real Uplift server running in-process on a fresh SQLite
// database, with one tenant.
type testServer struct {
	URL      string // the Server API base URL, ending in /v1
	Secret   string
	TenantID string
	svc      *actions.Service
	c        *client.Client
}

func newTestServer(t *testing.T) testServer {
	t.Helper()
	ctx := t.Context()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "u.db"))
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	log := slog.New(slog.DiscardHandler)
	// An inbox stands in for the email and SMS providers, so every method is offered.
	inbox := notify.NewInbox(nil, 0, nil)
	uplift := app.New(app.Options{Store: st, Log: log, PublicURL: srv.URL, Now: func() time.Time { return now },
		Email: inbox, SMS: inbox})
	svc := uplift.Actions
	handler = server.New(uplift, log).Handler()
	tenant, secret, err := uplift.Tenancy.CreateTenant(ctx, tenancy.NewTenant{Name: "T"})
	if err != nil {
		t.Fatalf("CreateTenant: %v", err)
	}
	base := srv.URL + "/v1"
	return testServer{URL: base, Secret: secret, TenantID: tenant.ID, svc: svc,
		c: client.New(base, secret, client.WithHTTPClient(srv.Client()))}
}

// mustTrack tracks an action and fails the test on error.
func mustTrack(t *testing.T, c *client.Client, userID, action string, attrs client.TrackAttributes) *client.TrackResponse {
	t.Helper()
	res, err := c.Track(t.Context(), userID, action, attrs)
	if err != nil {
		t.Fatalf("Track(%q, %q): %v", userID, action, err)
	}
	return res
}

// ignoreTokenAndURL leaves out the parts of a TrackResponse that are random.
var ignoreTokenAndURL = cmpopts.IgnoreFields(client.TrackResponse{}, "Token", "URL")

var allMethods = []client.VerificationMethod{
	client.MethodPasskey, client.MethodEmailOTP, client.MethodSMS, client.MethodAuthenticatorApp,
	client.MethodEmailMagicLink, client.MethodSecurityKey,
}

func TestSignIn(t *testing.T) {
	ts := newTestServer(t)
	c, ctx := ts.c, t.Context()

	// A new user has nothing to be challenged with: ALLOW, and a token.
	first := mustTrack(t, c, "alice", "signIn", client.TrackAttributes{
		IdempotencyKey: "k1", Email: "alice@example.com", DeviceID: "d1", UserAgent: "test",
	})
	want := &client.TrackResponse{
		IdempotencyKey: "k1", State: client.StateAllow, IsEnrolled: false,
		AllowedVerificationMethods: allMethods,
	}
	if diff := cmp.Diff(first, want, ignoreTokenAndURL, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("first Track (-got +want):\n%s", diff)
	}
	if first.Token == "" {
		t.Error("first Track: empty token")
	}
	if prefix := strings.TrimSuffix(ts.URL, "/v1") + "/login?token="; !strings.HasPrefix(first.URL, prefix) {
		t.Errorf("first Track URL = %q, want prefix %q", first.URL, prefix)
	}

	enrolled, err := c.EnrollVerifiedAuthenticator(ctx, "alice", client.EnrollVerifiedAuthenticatorAttributes{
		VerificationMethod: client.MethodEmailOTP, Email: "alice@example.com",
	})
	if err != nil {
		t.Fatalf("EnrollVerifiedAuthenticator: %v", err)
	}
	wantAuth := client.UserAuthenticator{
		UserID: "alice", VerificationMethod: client.MethodEmailOTP, Email: "alice@example.com",
		CreatedAt: stamp, VerifiedAt: stamp, IsDefault: true,
	}
	if diff := cmp.Diff(enrolled.Authenticator, wantAuth,
		cmpopts.IgnoreFields(client.UserAuthenticator{}, "UserAuthenticatorID")); diff != "" {
		t.Errorf("EnrollVerifiedAuthenticator (-got +want):\n%s", diff)
	}

	// Now the user has a method, the same action needs a challenge.
	second := mustTrack(t, c, "alice", "signIn", client.TrackAttributes{IdempotencyKey: "k2"})
	want = &client.TrackResponse{
		IdempotencyKey: "k2", State: client.StateChallengeRequired, IsEnrolled: true,
		EnrolledVerificationMethods: []client.VerificationMethod{client.MethodEmailOTP},
		AllowedVerificationMethods:  allMethods, DefaultVerificationMethod: client.MethodEmailOTP,
	}
	if diff := cmp.Diff(second, want, ignoreTokenAndURL, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("second Track (-got +want):\n%s", diff)
	}

	// Before the challenge succeeds, the token is not valid.
	v, err := c.Validate(ctx, client.ValidateRequest{Token: second.Token})
	if err != nil {
		t.Fatalf("Validate before challenge: %v", err)
	}
	if v.IsValid || v.State != client.StateChallengeRequired {
		t.Errorf("Validate before challenge = %+v, want not valid in state %s", v, client.StateChallengeRequired)
	}

	// A state the SDK does not name is refused.
	var apiErr *client.Error
	if _, err := c.UpdateAction(ctx, "alice", "signIn", "k2", client.ActionAttributes{State: "DONE"}); !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Fatalf("UpdateAction to DONE: %v, want a 400", err)
	}
	// Here the challenge completes inside Uplift, as the hosted pages do.
	if _, err := ts.svc.SetActionState(ctx, ts.TenantID, "alice", "signIn", "k2", model.StateChallengeSucceeded); err != nil {
		t.Fatalf("complete the challenge: %v", err)
	}

	tests := []struct {
		name string
		req  client.ValidateRequest
		want *client.ValidateResponse
	}{
		{
			name: "token only",
			req:  client.ValidateRequest{Token: second.Token},
			want: &client.ValidateResponse{IsValid: true, State: client.StateChallengeSucceeded,
				StateUpdatedAt: stamp, UserID: "alice", Action: "signIn", IdempotencyKey: "k2"},
		},
		{
			name: "matching user and action",
			req:  client.ValidateRequest{Token: second.Token, UserID: "alice", Action: "signIn"},
			want: &client.ValidateResponse{IsValid: true, State: client.StateChallengeSucceeded,
				StateUpdatedAt: stamp, UserID: "alice", Action: "signIn", IdempotencyKey: "k2"},
		},
		{
			name: "another user",
			req:  client.ValidateRequest{Token: second.Token, UserID: "bob"},
			want: &client.ValidateResponse{Error: "the token belongs to another user or action"},
		},
		{
			name: "forged token",
			req:  client.ValidateRequest{Token: second.Token + "x"},
			want: &client.ValidateResponse{},
		},
	}
	for _, tt := range tests {
		t.Run("Validate/"+tt.name, func(t *testing.T) {
			got, err := c.Validate(t.Context(), tt.req)
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			opts := cmp.Options{}
			if tt.want.Error == "" && !tt.want.IsValid {
				// Only check that some reason is given.
				if got.Error == "" {
					t.Error("Validate: not valid, but no error given")
				}
				opts = append(opts, cmpopts.IgnoreFields(client.ValidateResponse{}, "Error"))
			}
			if diff := cmp.Diff(got, tt.want, opts); diff != "" {
				t.Errorf("Validate (-got +want):\n%s", diff)
			}
		})
	}

	got, err := c.GetAction(ctx, "alice", "signIn", "k2")
	if err != nil {
		t.Fatalf("GetAction: %v", err)
	}
	wantAction := &client.GetActionResponse{UserAction: client.UserAction{
		UserID: "alice", ActionCode: "signIn", IdempotencyKey: "k2", State: client.StateChallengeSucceeded,
		StateUpdatedAt: stamp, CreatedAt: stamp, UpdatedAt: stamp,
	}, Output: map[string]any{}}
	if diff := cmp.Diff(got, wantAction, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("GetAction (-got +want):\n%s", diff)
	}
}

func TestQueryActions(t *testing.T) {
	ts := newTestServer(t)
	c := ts.c
	mustTrack(t, c, "alice", "signIn", client.TrackAttributes{IdempotencyKey: "k1"})
	mustTrack(t, c, "alice", "withdraw", client.TrackAttributes{IdempotencyKey: "k2"})
	mustTrack(t, c, "bob", "signIn", client.TrackAttributes{IdempotencyKey: "k3"})
	if _, err := c.UpdateAction(t.Context(), "alice", "withdraw", "k2", client.ActionAttributes{State: client.StateBlock}); err != nil {
		t.Fatalf("UpdateAction: %v", err)
	}

	action := func(code, key string, state client.ActionState) client.UserAction {
		return client.UserAction{UserID: "alice", ActionCode: code, IdempotencyKey: key, State: state,
			StateUpdatedAt: stamp, CreatedAt: stamp, UpdatedAt: stamp}
	}
	signIn := action("signIn", "k1", client.StateAllow)
	withdraw := action("withdraw", "k2", client.StateBlock)

	tests := []struct {
		name string
		q    client.QueryActionsRequest
		want []client.UserAction
	}{
		{"all", client.QueryActionsRequest{}, []client.UserAction{signIn, withdraw}},
		{"by code", client.QueryActionsRequest{ActionCodes: []string{"withdraw"}}, []client.UserAction{withdraw}},
		{"by codes", client.QueryActionsRequest{ActionCodes: []string{"signIn", "withdraw"}}, []client.UserAction{signIn, withdraw}},
		{"by state", client.QueryActionsRequest{State: client.StateBlock}, []client.UserAction{withdraw}},
		{"from now", client.QueryActionsRequest{FromDate: now}, []client.UserAction{signIn, withdraw}},
		{"from later", client.QueryActionsRequest{FromDate: now.Add(time.Second)}, nil},
		{"limit", client.QueryActionsRequest{Limit: 1}, []client.UserAction{signIn}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.QueryActions(t.Context(), "alice", tt.q)
			if err != nil {
				t.Fatalf("QueryActions: %v", err)
			}
			// Every action has the same creation time on the fixed clock;
			// the server then orders by idempotency key.
			if diff := cmp.Diff(got, tt.want, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("QueryActions (-got +want):\n%s", diff)
			}
		})
	}
}

func TestUsers(t *testing.T) {
	ts := newTestServer(t)
	c, ctx := ts.c, t.Context()
	var tokens []string
	for _, id := range []string{"u1", "u2", "u3", "u4", "u5"} {
		res := mustTrack(t, c, id, "signIn", client.TrackAttributes{Email: id + "@example.com"})
		tokens = append(tokens, res.Token)
	}

	t.Run("GetUser", func(t *testing.T) {
		got, err := c.GetUser(ctx, "u1")
		if err != nil {
			t.Fatalf("GetUser: %v", err)
		}
		want := &client.User{UserID: "u1", Email: "u1@example.com", AllowedVerificationMethods: allMethods}
		if diff := cmp.Diff(got, want, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("GetUser (-got +want):\n%s", diff)
		}
	})

	t.Run("UpdateUser", func(t *testing.T) {
		got, err := c.UpdateUser(ctx, "u2", client.UserAttributes{
			DisplayName: new("User Two"), Username: new("two"), EmailVerified: new(true),
			Custom: client.CustomData{"plan": "pro", "seats": 3.0},
		})
		if err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		want := &client.UserAttributes{
			Email: new("u2@example.com"), EmailVerified: new(true), PhoneNumberVerified: new(false),
			Username: new("two"), DisplayName: new("User Two"), Custom: client.CustomData{"plan": "pro", "seats": 3.0},
		}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("UpdateUser (-got +want):\n%s", diff)
		}
		user, err := c.GetUser(ctx, "u2")
		if err != nil {
			t.Fatalf("GetUser: %v", err)
		}
		wantUser := &client.User{UserID: "u2", Email: "u2@example.com", EmailVerified: true, Username: "two",
			DisplayName: "User Two", Custom: client.CustomData{"plan": "pro", "seats": 3.0},
			AllowedVerificationMethods: allMethods}
		if diff := cmp.Diff(user, wantUser, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("GetUser after UpdateUser (-got +want):\n%s", diff)
		}
	})

	t.Run("QueryUsers pages", func(t *testing.T) {
		var pages [][]string
		var lasts []string
		q := client.QueryUsersRequest{Limit: 2}
		for range 5 { // more than enough; a server that never ends stops here
			res, err := c.QueryUsers(ctx, q)
			if err != nil {
				t.Fatalf("QueryUsers(%+v): %v", q, err)
			}
			var ids []string
			for _, u := range res.Users {
				ids = append(ids, u.UserID)
			}
			pages, lasts = append(pages, ids), append(lasts, res.LastEvaluatedUserID)
			if res.LastEvaluatedUserID == "" {
				break
			}
			q.LastEvaluatedUserID = res.LastEvaluatedUserID
		}
		if diff := cmp.Diff(pages, [][]string{{"u1", "u2"}, {"u3", "u4"}, {"u5"}}); diff != "" {
			t.Errorf("pages (-got +want):\n%s", diff)
		}
		if diff := cmp.Diff(lasts, []string{"u2", "u4", ""}); diff != "" {
			t.Errorf("lastEvaluatedUserId per page (-got +want):\n%s", diff)
		}
	})

	filters := []struct {
		name string
		q    client.QueryUsersRequest
		want *client.QueryUsersResponse
	}{
		{"by email", client.QueryUsersRequest{Email: "u3@example.com"},
			&client.QueryUsersResponse{Users: []client.QueriedUser{{UserID: "u3", Email: "u3@example.com"}}}},
		{"by unknown email", client.QueryUsersRequest{Email: "nobody@example.com"},
			&client.QueryUsersResponse{}},
		{"by token", client.QueryUsersRequest{Token: tokens[3]},
			&client.QueryUsersResponse{
				Users:        []client.QueriedUser{{UserID: "u4", Email: "u4@example.com"}},
				TokenPayload: map[string]any{"userId": "u4", "actionCode": "signIn"},
			}},
	}
	for _, tt := range filters {
		t.Run("QueryUsers "+tt.name, func(t *testing.T) {
			got, err := c.QueryUsers(ctx, tt.q)
			if err != nil {
				t.Fatalf("QueryUsers: %v", err)
			}
			// The token's payload also holds its idempotency key and scope;
			// check only the keys the test knows.
			if got.TokenPayload != nil {
				for k := range got.TokenPayload {
					if _, ok := tt.want.TokenPayload[k]; !ok {
						delete(got.TokenPayload, k)
					}
				}
			}
			if diff := cmp.Diff(got, tt.want, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("QueryUsers (-got +want):\n%s", diff)
			}
		})
	}

	t.Run("DeleteUser", func(t *testing.T) {
		if err := c.DeleteUser(ctx, "u5"); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		// As Authsignal does, a user the server does not know is reported
		// as not enrolled rather than missing.
		if u, err := c.GetUser(ctx, "u5"); err != nil || u.IsEnrolled || u.Email != "" {
			t.Errorf("GetUser after DeleteUser = %+v, %v; want a user who is not enrolled", u, err)
		}
		if err := c.DeleteUser(ctx, "u5"); !client.IsNotFound(err) {
			t.Errorf("DeleteUser twice: err = %v, want not found", err)
		}
	})
}

func TestAuthenticators(t *testing.T) {
	ts := newTestServer(t)
	c, ctx := ts.c, t.Context()
	email, err := c.EnrollVerifiedAuthenticator(ctx, "carol", client.EnrollVerifiedAuthenticatorAttributes{
		VerificationMethod: client.MethodEmailOTP, Email: "carol@example.com",
	})
	if err != nil {
		t.Fatalf("enrol email: %v", err)
	}
	sms, err := c.EnrollVerifiedAuthenticator(ctx, "carol", client.EnrollVerifiedAuthenticatorAttributes{
		VerificationMethod: client.MethodSMS, PhoneNumber: "+14155550100",
	})
	if err != nil {
		t.Fatalf("enrol SMS: %v", err)
	}

	got, err := c.GetAuthenticators(ctx, "carol")
	if err != nil {
		t.Fatalf("GetAuthenticators: %v", err)
	}
	want := []client.UserAuthenticator{
		{UserID: "carol", UserAuthenticatorID: email.Authenticator.UserAuthenticatorID,
			VerificationMethod: client.MethodEmailOTP, Email: "carol@example.com",
			CreatedAt: stamp, VerifiedAt: stamp, IsDefault: true},
		{UserID: "carol", UserAuthenticatorID: sms.Authenticator.UserAuthenticatorID,
			VerificationMethod: client.MethodSMS, PhoneNumber: "+14155550100",
			CreatedAt: stamp, VerifiedAt: stamp},
	}
	byID := cmpopts.SortSlices(func(a, b client.UserAuthenticator) bool {
		return a.UserAuthenticatorID < b.UserAuthenticatorID
	})
	if diff := cmp.Diff(got, want, byID); diff != "" {
		t.Errorf("GetAuthenticators (-got +want):\n%s", diff)
	}

	if err := c.DeleteAuthenticator(ctx, "carol", sms.Authenticator.UserAuthenticatorID); err != nil {
		t.Fatalf("DeleteAuthenticator: %v", err)
	}
	got, err = c.GetAuthenticators(ctx, "carol")
	if err != nil {
		t.Fatalf("GetAuthenticators after delete: %v", err)
	}
	if diff := cmp.Diff(got, want[:1]); diff != "" {
		t.Errorf("GetAuthenticators after delete (-got +want):\n%s", diff)
	}
	if err := c.DeleteAuthenticator(ctx, "carol", sms.Authenticator.UserAuthenticatorID); !client.IsNotFound(err) {
		t.Errorf("DeleteAuthenticator twice: err = %v, want not found", err)
	}

	user, err := c.GetUser(ctx, "carol")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if !user.IsEnrolled || !user.EmailVerified {
		t.Errorf("GetUser = %+v, want enrolled with a verified email", user)
	}
}

// TestUserIDEscaping sends user ids that mean something in a URL and
// checks that the server sees them unchanged.
func TestUserIDEscaping(t *testing.T) {
	ts := newTestServer(t)
	for i, id := range []string{"ann lee", "a?b#c", "100%", "x+y", "zoë@example.com", ".", "..", "%2F"} {
		t.Run(id, func(t *testing.T) {
			key := fmt.Sprintf("k%d", i)
			mustTrack(t, ts.c, id, "signIn", client.TrackAttributes{IdempotencyKey: key})
			got, err := ts.c.GetUser(t.Context(), id)
			if err != nil {
				t.Fatalf("GetUser: %v", err)
			}
			if got.UserID != id {
				t.Errorf("GetUser(%q).UserID = %q", id, got.UserID)
			}
			if _, err := ts.c.GetAction(t.Context(), id, "signIn", key); err != nil {
				t.Errorf("GetAction: %v", err)
			}
		})
	}
}

// A user the tenant never had has no authenticators and no actions, as
// Authsignal answers, rather than an error.
func TestUnknownUserHasEmptyLists(t *testing.T) {
	ts := newTestServer(t)
	auths, err := ts.c.GetAuthenticators(t.Context(), "nobody")
	if err != nil || len(auths) != 0 {
		t.Errorf("GetAuthenticators of an unknown user = %v, %v; want an empty list", auths, err)
	}
	actions, err := ts.c.QueryActions(t.Context(), "nobody", client.QueryActionsRequest{})
	if err != nil || len(actions) != 0 {
		t.Errorf("QueryActions of an unknown user = %v, %v; want an empty list", actions, err)
	}
}

func TestServerErrors(t *testing.T) {
	ts := newTestServer(t)
	c := ts.c
	mustTrack(t, c, "dave", "signIn", client.TrackAttributes{IdempotencyKey: "k1"})
	if _, err := c.EnrollVerifiedAuthenticator(t.Context(), "dave", client.EnrollVerifiedAuthenticatorAttributes{
		VerificationMethod: client.MethodEmailOTP, Email: "dave@example.com",
	}); err != nil {
		t.Fatalf("EnrollVerifiedAuthenticator: %v", err)
	}

	tests := []struct {
		name       string
		call       func(*client.Client) error
		wrongKey   bool
		wantStatus int
		wantCode   string
	}{
		{name: "unknown action", wantStatus: 404, wantCode: "not_found",
			call: func(c *client.Client) error { _, err := c.GetAction(t.Context(), "dave", "signIn", "nope"); return err }},
		{name: "action of another code", wantStatus: 404, wantCode: "not_found",
			call: func(c *client.Client) error { _, err := c.GetAction(t.Context(), "dave", "withdraw", "k1"); return err }},
		{name: "unknown authenticator", wantStatus: 404, wantCode: "not_found",
			call: func(c *client.Client) error {
				return c.DeleteAuthenticator(t.Context(), "dave", "00000000-0000-0000-0000-000000000000")
			}},
		{name: "wrong secret key", wrongKey: true, wantStatus: 401, wantCode: "unauthorized",
			call: func(c *client.Client) error { _, err := c.GetUser(t.Context(), "dave"); return err }},
		{name: "wrong secret key on track", wrongKey: true, wantStatus: 401, wantCode: "unauthorized",
			call: func(c *client.Client) error {
				_, err := c.Track(t.Context(), "dave", "signIn", client.TrackAttributes{})
				return err
			}},
		{name: "invalid action code", wantStatus: 400, wantCode: "invalid_request",
			call: func(c *client.Client) error {
				_, err := c.Track(t.Context(), "dave", "sign in!", client.TrackAttributes{})
				return err
			}},
		{name: "invalid state", wantStatus: 400, wantCode: "invalid_request",
			call: func(c *client.Client) error {
				_, err := c.UpdateAction(t.Context(), "dave", "signIn", "k1", client.ActionAttributes{State: "DONE"})
				return err
			}},
		{name: "invalid query state", wantStatus: 400, wantCode: "invalid_request",
			call: func(c *client.Client) error {
				_, err := c.QueryActions(t.Context(), "dave", client.QueryActionsRequest{State: "DONE"})
				return err
			}},
		{name: "invalid limit", wantStatus: 400, wantCode: "invalid_request",
			call: func(c *client.Client) error {
				_, err := c.QueryUsers(t.Context(), client.QueryUsersRequest{Limit: 5000})
				return err
			}},
		{name: "redirect not allowed", wantStatus: 400, wantCode: "invalid_request",
			call: func(c *client.Client) error {
				_, err := c.Track(t.Context(), "dave", "signIn", client.TrackAttributes{RedirectURL: "https://evil.example/"})
				return err
			}},
		{name: "passkey cannot be pre-verified", wantStatus: 400, wantCode: "invalid_request",
			call: func(c *client.Client) error {
				_, err := c.EnrollVerifiedAuthenticator(t.Context(), "dave",
					client.EnrollVerifiedAuthenticatorAttributes{VerificationMethod: client.MethodPasskey})
				return err
			}},
		{name: "authenticator enrolled twice", wantStatus: 409, wantCode: "authenticator_exists",
			call: func(c *client.Client) error {
				_, err := c.EnrollVerifiedAuthenticator(t.Context(), "dave", client.EnrollVerifiedAuthenticatorAttributes{
					VerificationMethod: client.MethodEmailOTP, Email: "dave@example.com",
				})
				return err
			}},
		{name: "idempotency key of another action", wantStatus: 409, wantCode: "idempotency_key_conflict",
			call: func(c *client.Client) error {
				_, err := c.Track(t.Context(), "dave", "withdraw", client.TrackAttributes{IdempotencyKey: "k1"})
				return err
			}},
		{name: "empty token", wantStatus: 400, wantCode: "invalid_request",
			call: func(c *client.Client) error { _, err := c.Validate(t.Context(), client.ValidateRequest{}); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := c
			if tt.wrongKey {
				cl = client.New(ts.URL, "sk_wrong")
			}
			err := tt.call(cl)
			var apiErr *client.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v (%T), want *client.Error", err, err)
			}
			if apiErr.StatusCode != tt.wantStatus || apiErr.Code != tt.wantCode {
				t.Errorf("err = %d %q, want %d %q", apiErr.StatusCode, apiErr.Code, tt.wantStatus, tt.wantCode)
			}
			if apiErr.Description == "" {
				t.Error("err has no description")
			}
			if got, want := client.IsNotFound(err), tt.wantStatus == http.StatusNotFound; got != want {
				t.Errorf("IsNotFound(err) = %v, want %v", got, want)
			}
		})
	}
}
