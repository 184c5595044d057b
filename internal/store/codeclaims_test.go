package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

func TestFindCodeChallenge(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		other := mustCreateTenant(t, s, "other", at(0))
		older := newCodeChallenge(tn.ID, "c1", model.CodeServer, at(10))
		newer := newCodeChallenge(tn.ID, "c2", model.CodeServer, at(20))
		sms := newCodeChallenge(tn.ID, "c3", model.CodeSignIn, at(30))
		sms.Method, sms.Email, sms.PhoneNumber, sms.ActionCode, sms.IdempotencyKey = model.MethodSMS, "", "+64211234567", "pay", "key-2"
		anonymous := newCodeChallenge(tn.ID, "c4", model.CodeServer, at(40))
		anonymous.UserID, anonymous.Subject, anonymous.IdempotencyKey = "", "email:u1@example.com", "key-3"
		elsewhere := newCodeChallenge(other.ID, "c5", model.CodeServer, at(50))
		for _, c := range []model.CodeChallenge{older, newer, sms, anonymous, elsewhere} {
			if err := s.CreateCodeChallenge(ctx, c); err != nil {
				t.Fatalf("CreateCodeChallenge(%s): %v", c.ID, err)
			}
		}
		tests := []struct {
			name string
			q    model.ChallengeQuery
			want string
		}{
			{"by id", model.ChallengeQuery{ID: "c1"}, "c1"},
			{"by id without a user", model.ChallengeQuery{ID: "c4"}, "c4"},
			{"by id and its user", model.ChallengeQuery{ID: "c1", UserID: "u1"}, "c1"},
			{"by id and another user", model.ChallengeQuery{ID: "c1", UserID: "u2"}, ""},
			{"by id and another method", model.ChallengeQuery{ID: "c1", Method: model.MethodSMS}, ""},
			{"newest of the user", model.ChallengeQuery{UserID: "u1"}, "c3"},
			{"newest of the user's action", model.ChallengeQuery{UserID: "u1", ActionCode: "signIn"}, "c2"},
			{"newest of the user's method", model.ChallengeQuery{UserID: "u1", Method: model.MethodEmailOTP}, "c2"},
			{"the user's SMS of pay", model.ChallengeQuery{UserID: "u1", ActionCode: "pay", Method: model.MethodSMS}, "c3"},
			{"another user", model.ChallengeQuery{UserID: "u2"}, ""},
			{"another tenant's id", model.ChallengeQuery{ID: "c5"}, ""},
		}
		for _, tt := range tests {
			got, err := s.FindCodeChallenge(ctx, tn.ID, tt.q)
			if tt.want == "" {
				if !errors.Is(err, model.ErrNotFound) {
					t.Errorf("%s: %s, %v; want not found", tt.name, got.ID, err)
				}
				continue
			}
			if err != nil || got.ID != tt.want {
				t.Errorf("%s: %s, %v; want %s", tt.name, got.ID, err, tt.want)
			}
		}
		got, err := s.FindCodeChallenge(ctx, tn.ID, model.ChallengeQuery{ID: "c3"})
		if diff := cmp.Diff(got, sms); err != nil || diff != "" {
			t.Errorf("FindCodeChallenge(c3): %v (-got +want):\n%s", err, diff)
		}
		if _, err := s.FindCodeChallenge(ctx, tn.ID, model.ChallengeQuery{ActionCode: "signIn"}); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("neither id nor user: %v, want invalid", err)
		}
	})
}

func TestClaimCodeChallengeUnverified(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		open := newCodeChallenge(tn.ID, "c1", model.CodeServer, at(10))
		expired := newCodeChallenge(tn.ID, "c2", model.CodeServer, at(10))
		expired.ExpiresAt = at(20)
		verifiedLongAgo := newCodeChallenge(tn.ID, "c3", model.CodeServer, at(10))
		verifiedLongAgo.ExpiresAt, verifiedLongAgo.VerifiedAt = at(20), at(15)
		notServer := newCodeChallenge(tn.ID, "c4", model.CodeSignIn, at(10))
		for _, c := range []model.CodeChallenge{open, expired, verifiedLongAgo, notServer} {
			if err := s.CreateCodeChallenge(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		now := at(30)
		for id, wantErr := range map[string]error{"c1": nil, "c2": model.ErrStale, "c3": nil, "c4": model.ErrStale, "c9": model.ErrStale} {
			if err := s.ClaimCodeChallengeUnverified(ctx, tn.ID, id, now); !errors.Is(err, wantErr) {
				t.Errorf("claim %s: %v, want %v", id, err, wantErr)
			}
		}
		if err := s.ClaimCodeChallengeUnverified(ctx, tn.ID, "c1", now.Add(time.Second)); !errors.Is(err, model.ErrStale) {
			t.Errorf("second claim: %v, want model.ErrStale", err)
		}
		got, err := s.CodeChallenge(ctx, tn.ID, "c1", model.CodeServer)
		if err != nil || !got.ClaimedAt.Equal(now) || !got.VerifiedAt.IsZero() {
			t.Errorf("claimed challenge: claimed %v, verified %v, %v", got.ClaimedAt, got.VerifiedAt, err)
		}
		if err := s.ClaimCodeChallenge(ctx, tn.ID, "c1", now); !errors.Is(err, model.ErrStale) {
			t.Errorf("verified claim of a claimed challenge: %v, want model.ErrStale", err)
		}
	})
}

// TestStateSources: an action's state and every change of it keep who
// made them; the states an action is created with are track's and then
// the challenge's.
func TestStateSources(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "user-1", at(0)))
		a := newAction(tn.ID, "user-1", "key-1", "signIn", at(1))
		a.State, a.StateSource = model.StateChallengeSucceeded, model.SourceChallenge
		if _, _, err := s.InsertAction(ctx, model.NewAction{Action: a, Earlier: []model.ActionState{model.StateChallengeRequired}}); err != nil {
			t.Fatal(err)
		}
		for i, ch := range []struct {
			state model.ActionState
			by    model.StateSource
		}{{model.StateReviewRequired, model.SourceServerAPI}, {model.StateBlock, model.SourceAdmin}} {
			a.State, a.StateSource, a.StateUpdatedAt = ch.state, ch.by, at(int64(2+i))
			if err := s.SetActionState(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Action(ctx, tn.ID, "key-1")
		if err != nil || got.State != model.StateBlock || got.StateSource != model.SourceAdmin {
			t.Errorf("Action: %s by %q, %v; want BLOCK by admin", got.State, got.StateSource, err)
		}
		st, err := s.ActionState(ctx, tn.ID, "key-1")
		if err != nil || st.StateSource != model.SourceAdmin {
			t.Errorf("ActionState: by %q, %v; want admin", st.StateSource, err)
		}
		history, err := s.ActionHistory(ctx, tn.ID, "key-1")
		if err != nil {
			t.Fatal(err)
		}
		want := []model.StateChange{
			{State: model.StateChallengeRequired, At: at(1), Source: model.SourceTrack},
			{State: model.StateChallengeSucceeded, At: at(1), Source: model.SourceChallenge},
			{State: model.StateReviewRequired, At: at(2), Source: model.SourceServerAPI},
			{State: model.StateBlock, At: at(3), Source: model.SourceAdmin},
		}
		if diff := cmp.Diff(history, want); diff != "" {
			t.Errorf("ActionHistory (-got +want):\n%s", diff)
		}
	})
}
