package store_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

func TestCreateUserIfMissing(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		first := newUser(tn.ID, "user-1", at(1))
		created, err := s.CreateUserIfMissing(ctx, first)
		if err != nil {
			t.Fatalf("first CreateUserIfMissing: %v", err)
		}
		if !created {
			t.Errorf("first CreateUserIfMissing = false, want true")
		}

		second := first
		second.Email, second.DisplayName, second.UpdatedAt = "other@example.com", "Other", at(2)
		second.Custom = map[string]any{"plan": "enterprise"}
		created, err = s.CreateUserIfMissing(ctx, second)
		if err != nil {
			t.Fatalf("second CreateUserIfMissing: %v", err)
		}
		if created {
			t.Errorf("second CreateUserIfMissing = true, want false")
		}
		got, err := s.User(ctx, tn.ID, first.ID)
		if err != nil {
			t.Fatalf("User: %v", err)
		}
		if diff := cmp.Diff(got, first); diff != "" {
			t.Errorf("second CreateUserIfMissing overwrote the user (-got +want):\n%s", diff)
		}

		// The same user id in another tenant is another user.
		other := mustCreateTenant(t, s, "other", at(0))
		created, err = s.CreateUserIfMissing(ctx, newUser(other.ID, first.ID, at(3)))
		if err != nil || !created {
			t.Errorf("CreateUserIfMissing in another tenant = %v, %v; want true, nil", created, err)
		}
	})
}

func TestUserRoundTrip(t *testing.T) {
	t.Parallel()
	full := model.User{
		TenantID:            "acme",
		ID:                  "user-Ω 1",
		Email:               "Jo.Smith@Example.COM",
		EmailVerified:       true,
		PhoneNumber:         "+64211234567",
		PhoneNumberVerified: true,
		Username:            "jsmith",
		DisplayName:         "Jo Smith",
		Custom: map[string]any{
			"plan":     "pro",
			"seats":    float64(42),
			"ratio":    0.25,
			"beta":     true,
			"archived": false,
			"tags":     []any{"a", "b"},
			"address":  map[string]any{"city": "Wellington"},
		},
		CreatedAt: at(1),
		UpdatedAt: at(2),
	}
	bare := model.User{TenantID: "acme", ID: "bare", CreatedAt: at(3), UpdatedAt: at(3)}
	tests := []struct {
		name string
		user model.User
	}{
		{"every field", full},
		{"only an id", bare},
	}
	forEachStore(t, func(t *testing.T, s *store.Store) {
		mustCreateTenant(t, s, "acme", at(0))
		for _, tt := range tests {
			mustCreateUser(t, s, tt.user)
			got, err := s.User(t.Context(), tt.user.TenantID, tt.user.ID)
			if err != nil {
				t.Fatalf("%s: User: %v", tt.name, err)
			}
			if diff := cmp.Diff(got, tt.user, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: User (-got +want):\n%s", tt.name, diff)
			}
		}
	})
}

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		orig := mustCreateUser(t, s, newUser(tn.ID, "user-1", at(1)))
		neighbour := mustCreateUser(t, s, newUser(tn.ID, "user-2", at(1)))

		update := model.User{
			TenantID:            tn.ID,
			ID:                  orig.ID,
			Email:               "new@example.com",
			EmailVerified:       true,
			PhoneNumber:         "+61400000000",
			PhoneNumberVerified: true,
			Username:            "newname",
			DisplayName:         "New Name",
			Custom:              map[string]any{"tier": float64(3)},
			CreatedAt:           at(50),
			UpdatedAt:           at(60),
		}
		if err := s.UpdateUser(ctx, update); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		want := update
		want.CreatedAt = orig.CreatedAt
		got, err := s.User(ctx, tn.ID, orig.ID)
		if err != nil {
			t.Fatalf("User: %v", err)
		}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("User after UpdateUser (-got +want):\n%s", diff)
		}

		// Clearing every attribute is an update too.
		cleared := model.User{TenantID: tn.ID, ID: orig.ID, UpdatedAt: at(70)}
		if err := s.UpdateUser(ctx, cleared); err != nil {
			t.Fatalf("UpdateUser(cleared): %v", err)
		}
		want = cleared
		want.CreatedAt = orig.CreatedAt
		got, err = s.User(ctx, tn.ID, orig.ID)
		if err != nil {
			t.Fatalf("User: %v", err)
		}
		if diff := cmp.Diff(got, want, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("User after clearing UpdateUser (-got +want):\n%s", diff)
		}

		gotNeighbour, err := s.User(ctx, tn.ID, neighbour.ID)
		if err != nil {
			t.Fatalf("User(neighbour): %v", err)
		}
		if diff := cmp.Diff(gotNeighbour, neighbour); diff != "" {
			t.Errorf("UpdateUser changed another user (-got +want):\n%s", diff)
		}
	})
}

func TestDeleteUserCascades(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		for _, id := range []string{"doomed", "kept"} {
			mustCreateUser(t, s, newUser(tn.ID, id, at(1)))
			mustCreateAuthenticator(t, s, newAuthenticator(tn.ID, id, id+"-email", model.MethodEmailOTP, at(2)))
			mustCreateAuthenticator(t, s, newAuthenticator(tn.ID, id, id+"-passkey", model.MethodPasskey, at(3)))
			mustCreateAction(t, s, newAction(tn.ID, id, id+"-k1", "signIn", at(4)))
			a := mustCreateAction(t, s, newAction(tn.ID, id, id+"-k2", "signIn", at(5)))
			a.State, a.StateUpdatedAt = model.StateChallengeSucceeded, at(6)
			if err := s.SetActionState(ctx, a); err != nil {
				t.Fatalf("SetActionState: %v", err)
			}
		}

		if err := s.DeleteUser(ctx, tn.ID, "doomed"); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		if _, err := s.User(ctx, tn.ID, "doomed"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("User after DeleteUser: error = %v, want %v", err, model.ErrNotFound)
		}
		if auths, err := s.Authenticators(ctx, tn.ID, "doomed"); err != nil || len(auths) != 0 {
			t.Errorf("Authenticators after DeleteUser = %d, %v; want none", len(auths), err)
		}
		if actions, err := s.QueryActions(ctx, tn.ID, "doomed", model.ActionQuery{Limit: 10}); err != nil || len(actions) != 0 {
			t.Errorf("QueryActions after DeleteUser = %d, %v; want none", len(actions), err)
		}
		for _, key := range []string{"doomed-k1", "doomed-k2"} {
			if _, err := s.Action(ctx, tn.ID, key); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("Action(%s) after DeleteUser: error = %v, want %v", key, err, model.ErrNotFound)
			}
			if h, err := s.ActionHistory(ctx, tn.ID, key); err != nil || len(h) != 0 {
				t.Errorf("ActionHistory(%s) after DeleteUser = %v, %v; want empty", key, h, err)
			}
		}
		if err := s.DeleteUser(ctx, tn.ID, "doomed"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("second DeleteUser: error = %v, want %v", err, model.ErrNotFound)
		}

		// The user id and idempotency keys are free again, with nothing left over.
		mustCreateUser(t, s, newUser(tn.ID, "doomed", at(10)))
		mustCreateAction(t, s, newAction(tn.ID, "doomed", "doomed-k1", "signIn", at(11)))
		if h, err := s.ActionHistory(ctx, tn.ID, "doomed-k1"); err != nil || len(h) != 1 {
			t.Errorf("ActionHistory of a reused key = %v, %v; want one entry", h, err)
		}

		// The other user keeps everything.
		if _, err := s.User(ctx, tn.ID, "kept"); err != nil {
			t.Errorf("User(kept): %v", err)
		}
		if auths, err := s.Authenticators(ctx, tn.ID, "kept"); err != nil || len(auths) != 2 {
			t.Errorf("Authenticators(kept) = %d, %v; want 2", len(auths), err)
		}
		if h, err := s.ActionHistory(ctx, tn.ID, "kept-k2"); err != nil || len(h) != 2 {
			t.Errorf("ActionHistory(kept-k2) = %v, %v; want 2 entries", h, err)
		}
	})
}

func TestQueryUsers(t *testing.T) {
	t.Parallel()
	users := []model.User{
		{ID: "alice", Email: "Alice@Example.com", Username: "Alice", PhoneNumber: "+15550001"},
		{ID: "bob", Email: "bob@example.com", Username: "bobby", PhoneNumber: "+15550002"},
		{ID: "carol", Email: "carol@example.com", PhoneNumber: "+15550001"},
		{ID: "dave"},
	}
	tests := []struct {
		name  string
		query model.UserQuery
		want  []string
	}{
		{"email, same case", model.UserQuery{Email: "Alice@Example.com", Limit: 10}, []string{"alice"}},
		{"email, lower case", model.UserQuery{Email: "alice@example.com", Limit: 10}, []string{"alice"}},
		{"email, upper case", model.UserQuery{Email: "BOB@EXAMPLE.COM", Limit: 10}, []string{"bob"}},
		{"username, other case", model.UserQuery{Username: "ALICE", Limit: 10}, []string{"alice"}},
		{"username", model.UserQuery{Username: "bobby", Limit: 10}, []string{"bob"}},
		{"phone shared by two", model.UserQuery{PhoneNumber: "+15550001", Limit: 10}, []string{"alice", "carol"}},
		{"phone and email", model.UserQuery{PhoneNumber: "+15550001", Email: "carol@example.com", Limit: 10}, []string{"carol"}},
		{"phone and wrong email", model.UserQuery{PhoneNumber: "+15550002", Email: "carol@example.com", Limit: 10}, nil},
		{"unknown email", model.UserQuery{Email: "nobody@example.com", Limit: 10}, nil},
		{"no filter", model.UserQuery{Limit: 10}, []string{"alice", "bob", "carol", "dave"}},
		{"limit", model.UserQuery{Limit: 2}, []string{"alice", "bob"}},
		{"after", model.UserQuery{After: "bob", Limit: 10}, []string{"carol", "dave"}},
		{"no limit", model.UserQuery{}, []string{"alice", "bob", "carol", "dave"}},
	}
	forEachStore(t, func(t *testing.T, s *store.Store) {
		tn := mustCreateTenant(t, s, "acme", at(0))
		other := mustCreateTenant(t, s, "other", at(0))
		for _, u := range users {
			u.TenantID, u.CreatedAt, u.UpdatedAt = tn.ID, at(1), at(1)
			mustCreateUser(t, s, u)
			// The same people in another tenant must never show up.
			u.TenantID = other.ID
			mustCreateUser(t, s, u)
		}
		mustCreateUser(t, s, model.User{TenantID: other.ID, ID: "eve", Email: "alice@example.com", CreatedAt: at(1), UpdatedAt: at(1)})

		for _, tt := range tests {
			got, err := s.QueryUsers(t.Context(), tn.ID, tt.query)
			if err != nil {
				t.Errorf("%s: QueryUsers: %v", tt.name, err)
				continue
			}
			var gotIDs []string
			for _, u := range got {
				if u.TenantID != tn.ID {
					t.Errorf("%s: QueryUsers returned user %s of tenant %s", tt.name, u.ID, u.TenantID)
				}
				gotIDs = append(gotIDs, u.ID)
			}
			if diff := cmp.Diff(gotIDs, tt.want); diff != "" {
				t.Errorf("%s: QueryUsers(%+v) ids (-got +want):\n%s", tt.name, tt.query, diff)
			}
		}

		got, err := s.QueryUsers(t.Context(), tn.ID, model.UserQuery{Username: "alice", Limit: 1})
		if err != nil || len(got) != 1 {
			t.Fatalf("QueryUsers(alice) = %v, %v; want one user", got, err)
		}
		want := users[0]
		want.TenantID, want.CreatedAt, want.UpdatedAt = tn.ID, at(1), at(1)
		if diff := cmp.Diff(got[0], want, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("QueryUsers(alice) user (-got +want):\n%s", diff)
		}
	})
}

func TestQueryUsersPages(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		tn := mustCreateTenant(t, s, "acme", at(0))
		other := mustCreateTenant(t, s, "other", at(0))
		for i, id := range []string{"user-4", "user-2", "user-5", "user-1", "user-3"} {
			mustCreateUser(t, s, newUser(tn.ID, id, at(int64(i))))
		}
		mustCreateUser(t, s, newUser(other.ID, "user-35", at(0)))

		var got [][]string
		after := ""
		for range 10 {
			page, err := s.QueryUsers(t.Context(), tn.ID, model.UserQuery{After: after, Limit: 2})
			if err != nil {
				t.Fatalf("QueryUsers(after %q): %v", after, err)
			}
			if len(page) == 0 {
				break
			}
			var ids []string
			for _, u := range page {
				ids = append(ids, u.ID)
			}
			got = append(got, ids)
			after = page[len(page)-1].ID
		}
		want := [][]string{{"user-1", "user-2"}, {"user-3", "user-4"}, {"user-5"}}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("pages of 2 (-got +want):\n%s", diff)
		}
	})
}
