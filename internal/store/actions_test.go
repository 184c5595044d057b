package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

func TestEnsureActionConfig(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		other := mustCreateTenant(t, s, "other", at(0))

		first := model.ActionConfig{
			TenantID:              tn.ID,
			Code:                  "signIn",
			DefaultOutcome:        model.OutcomeChallenge,
			VerificationMethods:   []model.VerificationMethod{model.MethodPasskey, model.MethodEmailOTP},
			DefaultMethod:         model.MethodEmailOTP,
			PromptToEnrollMethods: []model.VerificationMethod{model.MethodPasskey},
			RedirectURL:           "https://acme.example.com/done",
			CreatedAt:             at(1),
			UpdatedAt:             at(1),
			LastActionCreatedAt:   at(1),
		}
		got, err := s.EnsureActionConfig(ctx, first)
		if err != nil {
			t.Fatalf("first EnsureActionConfig: %v", err)
		}
		if diff := cmp.Diff(got, first); diff != "" {
			t.Errorf("first EnsureActionConfig (-got +want):\n%s", diff)
		}

		second := model.ActionConfig{
			TenantID:            tn.ID,
			Code:                "signIn",
			DefaultOutcome:      model.OutcomeAllow,
			RedirectURL:         "https://elsewhere.example.com/",
			CreatedAt:           at(65),
			UpdatedAt:           at(65),
			LastActionCreatedAt: at(65),
		}
		got, err = s.EnsureActionConfig(ctx, second)
		if err != nil {
			t.Fatalf("second EnsureActionConfig: %v", err)
		}
		want := first
		want.LastActionCreatedAt = at(65)
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("second EnsureActionConfig (-got +want):\n%s", diff)
		}
		stored, err := s.ActionConfig(ctx, tn.ID, "signIn")
		if err != nil {
			t.Fatalf("ActionConfig: %v", err)
		}
		if diff := cmp.Diff(stored, want); diff != "" {
			t.Errorf("ActionConfig after EnsureActionConfig (-got +want):\n%s", diff)
		}

		// The same code in another tenant is configured on its own.
		foreign := second
		foreign.TenantID = other.ID
		got, err = s.EnsureActionConfig(ctx, foreign)
		if err != nil {
			t.Fatalf("EnsureActionConfig in another tenant: %v", err)
		}
		if diff := cmp.Diff(got, foreign, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("EnsureActionConfig in another tenant (-got +want):\n%s", diff)
		}
	})
}

// TestEnsureActionConfigNotesUpdatedAt follows EnsureActionConfig's
// documentation: the time of the action being created is c.UpdatedAt.
func TestEnsureActionConfigLastActionNeverMovesBack(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		tn := mustCreateTenant(t, s, "acme", at(0))
		// Noted at most once a minute, and never moved back.
		for _, step := range []struct{ sec, want int64 }{{60, 60}, {90, 60}, {420, 420}, {180, 420}} {
			c := model.ActionConfig{
				TenantID:            tn.ID,
				Code:                "withdraw",
				DefaultOutcome:      model.OutcomeChallenge,
				CreatedAt:           at(step.sec),
				UpdatedAt:           at(step.sec),
				LastActionCreatedAt: at(step.sec),
			}
			got, err := s.EnsureActionConfig(t.Context(), c)
			if err != nil {
				t.Fatalf("EnsureActionConfig: %v", err)
			}
			if !got.LastActionCreatedAt.Equal(at(step.want)) {
				t.Errorf("after an action at %v, LastActionCreatedAt = %v, want %v",
					at(step.sec), got.LastActionCreatedAt, at(step.want))
			}
		}
	})
}

func TestCreateActionIdempotent(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		other := mustCreateTenant(t, s, "other", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "user-1", at(1)))
		mustCreateUser(t, s, newUser(other.ID, "user-1", at(1)))

		orig := newAction(tn.ID, "user-1", "key-1", "signIn", at(2))
		stored, created, err := s.CreateAction(ctx, orig)
		if err != nil {
			t.Fatalf("first CreateAction: %v", err)
		}
		if !created {
			t.Errorf("first CreateAction created = false, want true")
		}
		if diff := cmp.Diff(stored, orig); diff != "" {
			t.Errorf("first CreateAction stored (-got +want):\n%s", diff)
		}

		again := newAction(tn.ID, "user-1", "key-1", "withdraw", at(9))
		again.State, again.DeviceID, again.Custom = model.StateAllow, "device-2", map[string]any{"retry": true}
		stored, created, err = s.CreateAction(ctx, again)
		if err != nil {
			t.Fatalf("second CreateAction: %v", err)
		}
		if created {
			t.Errorf("second CreateAction created = true, want false")
		}
		if diff := cmp.Diff(stored, orig); diff != "" {
			t.Errorf("second CreateAction returned (-got +want):\n%s", diff)
		}
		got, err := s.Action(ctx, tn.ID, "key-1")
		if err != nil {
			t.Fatalf("Action: %v", err)
		}
		if diff := cmp.Diff(got, orig); diff != "" {
			t.Errorf("Action after a repeated CreateAction (-got +want):\n%s", diff)
		}
		history, err := s.ActionHistory(ctx, tn.ID, "key-1")
		if err != nil {
			t.Fatalf("ActionHistory: %v", err)
		}
		wantHistory := []model.StateChange{{State: model.StateChallengeRequired, At: at(2), Source: model.SourceTrack}}
		if diff := cmp.Diff(history, wantHistory); diff != "" {
			t.Errorf("ActionHistory after a repeated CreateAction (-got +want):\n%s", diff)
		}

		// Idempotency keys are per tenant.
		_, created, err = s.CreateAction(ctx, newAction(other.ID, "user-1", "key-1", "signIn", at(3)))
		if err != nil || !created {
			t.Errorf("CreateAction with the same key in another tenant = %v, %v; want true, nil", created, err)
		}
	})
}

func TestActionRoundTrip(t *testing.T) {
	t.Parallel()
	full := newAction("acme", "user-1", "key-full", "withdraw", at(1))
	full.State = model.StateChallengeSucceeded
	full.StateUpdatedAt = at(3)
	full.UpdatedAt = at(4)
	full.VerificationMethod = model.MethodEmailOTP
	full.VerifiedAuthenticatorID = "auth-1"
	full.Custom = map[string]any{
		"amount":   float64(1000),
		"fraction": 0.5,
		"currency": "NZD",
		"new":      false,
		"flagged":  true,
		"items":    []any{"a", float64(2)},
		"meta":     map[string]any{"source": "app"},
	}

	bare := model.Action{
		TenantID:       "acme",
		UserID:         "user-1",
		Code:           "signIn",
		IdempotencyKey: "key-bare",
		State:          model.StateAllow,
		StateUpdatedAt: at(5),
		CreatedAt:      at(5),
		UpdatedAt:      at(5),
	}
	tests := []struct {
		name   string
		action model.Action
	}{
		{"every field", full},
		{"only what is required", bare},
	}
	forEachStore(t, func(t *testing.T, s *store.Store) {
		mustCreateTenant(t, s, "acme", at(0))
		mustCreateUser(t, s, newUser("acme", "user-1", at(0)))
		for _, tt := range tests {
			mustCreateAction(t, s, tt.action)
			got, err := s.Action(t.Context(), tt.action.TenantID, tt.action.IdempotencyKey)
			if err != nil {
				t.Fatalf("%s: Action: %v", tt.name, err)
			}
			if diff := cmp.Diff(got, tt.action, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: Action (-got +want):\n%s", tt.name, diff)
			}
			state, err := s.ActionState(t.Context(), tt.action.TenantID, tt.action.IdempotencyKey)
			want := model.Action{TenantID: tt.action.TenantID, UserID: tt.action.UserID, Code: tt.action.Code,
				IdempotencyKey: tt.action.IdempotencyKey, State: tt.action.State, StateUpdatedAt: tt.action.StateUpdatedAt,
				VerificationMethod: tt.action.VerificationMethod}
			if err != nil {
				t.Fatalf("%s: ActionState: %v", tt.name, err)
			}
			if diff := cmp.Diff(state, want); diff != "" {
				t.Errorf("%s: ActionState (-got +want):\n%s", tt.name, diff)
			}
		}
	})
}

func TestQueryActions(t *testing.T) {
	t.Parallel()
	type seed struct {
		tenantID, userID, key, code string
		state                       model.ActionState
		created                     int64
	}
	seeds := []seed{
		{"acme", "user-1", "k1", "signIn", model.StateAllow, 1},
		{"acme", "user-1", "k2", "withdraw", model.StateChallengeRequired, 2},
		{"acme", "user-1", "k3", "signIn", model.StateChallengeRequired, 3},
		{"acme", "user-1", "k4", "signIn", model.StateBlock, 4},
		{"acme", "user-1", "k5", "transfer", model.StateChallengeSucceeded, 4},
		{"acme", "user-2", "k6", "signIn", model.StateChallengeRequired, 5},
		{"other", "user-1", "k7", "signIn", model.StateChallengeRequired, 6},
	}
	tests := []struct {
		name  string
		query model.ActionQuery
		want  []string
	}{
		{"all, newest first", model.ActionQuery{Limit: 100}, []string{"k4", "k5", "k3", "k2", "k1"}},
		{"one code", model.ActionQuery{Codes: []string{"signIn"}, Limit: 100}, []string{"k4", "k3", "k1"}},
		{"two codes", model.ActionQuery{Codes: []string{"withdraw", "transfer"}, Limit: 100}, []string{"k5", "k2"}},
		{"unknown code", model.ActionQuery{Codes: []string{"nothing"}, Limit: 100}, nil},
		{"state", model.ActionQuery{State: model.StateChallengeRequired, Limit: 100}, []string{"k3", "k2"}},
		{"from, inclusive", model.ActionQuery{From: at(3), Limit: 100}, []string{"k4", "k5", "k3"}},
		{"from, a microsecond later", model.ActionQuery{From: at(3).Add(time.Microsecond), Limit: 100}, []string{"k4", "k5"}},
		{"limit", model.ActionQuery{Limit: 2}, []string{"k4", "k5"}},
		{"everything at once", model.ActionQuery{
			Codes: []string{"signIn", "withdraw"}, State: model.StateChallengeRequired, From: at(2), Limit: 1,
		}, []string{"k3"}},
		{"no limit", model.ActionQuery{}, []string{"k4", "k5", "k3", "k2", "k1"}},
	}
	forEachStore(t, func(t *testing.T, s *store.Store) {
		for _, id := range []string{"acme", "other"} {
			mustCreateTenant(t, s, id, at(0))
			mustCreateUser(t, s, newUser(id, "user-1", at(0)))
			mustCreateUser(t, s, newUser(id, "user-2", at(0)))
		}
		want := map[string]model.Action{}
		for _, sd := range seeds {
			a := newAction(sd.tenantID, sd.userID, sd.key, sd.code, at(sd.created))
			a.State = sd.state
			want[sd.key] = mustCreateAction(t, s, a)
		}

		for _, tt := range tests {
			got, err := s.QueryActions(t.Context(), "acme", "user-1", tt.query)
			if err != nil {
				t.Errorf("%s: QueryActions: %v", tt.name, err)
				continue
			}
			var gotKeys []string
			for _, a := range got {
				gotKeys = append(gotKeys, a.IdempotencyKey)
				if diff := cmp.Diff(a, want[a.IdempotencyKey]); diff != "" {
					t.Errorf("%s: QueryActions returned %s (-got +want):\n%s", tt.name, a.IdempotencyKey, diff)
				}
			}
			if diff := cmp.Diff(gotKeys, tt.want); diff != "" {
				t.Errorf("%s: QueryActions(%+v) keys (-got +want):\n%s", tt.name, tt.query, diff)
			}
		}
	})
}

func TestSetActionState(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "user-1", at(0)))
		orig := mustCreateAction(t, s, newAction(tn.ID, "user-1", "key-1", "signIn", at(1)))
		neighbour := mustCreateAction(t, s, newAction(tn.ID, "user-1", "key-2", "signIn", at(1)))

		change := orig
		change.State = model.StateChallengeSucceeded
		change.StateUpdatedAt = at(2)
		change.VerificationMethod = model.MethodEmailOTP
		change.VerifiedAuthenticatorID = "auth-email"
		if err := s.SetActionState(ctx, change); err != nil {
			t.Fatalf("SetActionState: %v", err)
		}
		want := change
		want.UpdatedAt = at(2)
		got, err := s.Action(ctx, tn.ID, "key-1")
		if err != nil {
			t.Fatalf("Action: %v", err)
		}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("Action after SetActionState (-got +want):\n%s", diff)
		}

		history, err := s.ActionHistory(ctx, tn.ID, "key-1")
		if err != nil {
			t.Fatalf("ActionHistory: %v", err)
		}
		wantHistory := []model.StateChange{
			{State: model.StateChallengeRequired, At: at(1), Source: model.SourceTrack},
			{State: model.StateChallengeSucceeded, At: at(2)},
		}
		if diff := cmp.Diff(history, wantHistory); diff != "" {
			t.Errorf("ActionHistory (-got +want):\n%s", diff)
		}

		gotNeighbour, err := s.Action(ctx, tn.ID, "key-2")
		if err != nil {
			t.Fatalf("Action(key-2): %v", err)
		}
		if diff := cmp.Diff(gotNeighbour, neighbour); diff != "" {
			t.Errorf("SetActionState changed another action (-got +want):\n%s", diff)
		}
		if h, err := s.ActionHistory(ctx, tn.ID, "key-2"); err != nil || len(h) != 1 {
			t.Errorf("ActionHistory(key-2) = %v, %v; want one entry", h, err)
		}
		if h, err := s.ActionHistory(ctx, tn.ID, "missing"); err != nil || len(h) != 0 {
			t.Errorf("ActionHistory(missing) = %v, %v; want empty", h, err)
		}
	})
}

// TestSetActionStateKeepsVerifier follows SetActionState's documentation:
// the verifying method and authenticator are recorded when given, so a
// later change that gives none keeps them.
func TestSetActionStateStoresVerifierAsGiven(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "user-1", at(0)))
		a := mustCreateAction(t, s, newAction(tn.ID, "user-1", "key-1", "signIn", at(1)))

		a.State, a.StateUpdatedAt = model.StateChallengeSucceeded, at(2)
		a.VerificationMethod, a.VerifiedAuthenticatorID = model.MethodSMS, "auth-sms"
		if err := s.SetActionState(ctx, a); err != nil {
			t.Fatalf("SetActionState(succeeded): %v", err)
		}
		got, err := s.Action(ctx, tn.ID, "key-1")
		if err != nil {
			t.Fatalf("Action: %v", err)
		}
		if got.VerificationMethod != model.MethodSMS || got.VerifiedAuthenticatorID != "auth-sms" {
			t.Errorf("verified by %q with %q, want %q with %q",
				got.VerificationMethod, got.VerifiedAuthenticatorID, model.MethodSMS, "auth-sms")
		}
		cleared := got
		cleared.State, cleared.StateUpdatedAt = model.StateChallengeFailed, at(3)
		cleared.VerificationMethod, cleared.VerifiedAuthenticatorID = "", ""
		if err := s.SetActionState(ctx, cleared); err != nil {
			t.Fatalf("SetActionState(failed): %v", err)
		}
		got, err = s.Action(ctx, tn.ID, "key-1")
		if err != nil {
			t.Fatalf("Action: %v", err)
		}
		if got.State != model.StateChallengeFailed || got.VerificationMethod != "" || got.VerifiedAuthenticatorID != "" {
			t.Errorf("after clearing: state %s, verified by %q with %q; want CHALLENGE_FAILED with nothing",
				got.State, got.VerificationMethod, got.VerifiedAuthenticatorID)
		}
	})
}

func TestActionOfUnknownKey(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		tn := mustCreateTenant(t, s, "acme", at(0))
		if _, err := s.Action(t.Context(), tn.ID, "no-such-key"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("Action(unknown key): error = %v, want %v", err, model.ErrNotFound)
		}
		if _, err := s.ActionState(t.Context(), tn.ID, "no-such-key"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("ActionState(unknown key): error = %v, want %v", err, model.ErrNotFound)
		}
		a := newAction(tn.ID, "user-1", "no-such-key", "signIn", at(1))
		if err := s.SetActionState(t.Context(), a); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("SetActionState(unknown key): error = %v, want %v", err, model.ErrNotFound)
		}
		if h, err := s.ActionHistory(t.Context(), tn.ID, "no-such-key"); err != nil || len(h) != 0 {
			t.Errorf("ActionHistory after a refused SetActionState = %v, %v; want empty", h, err)
		}
	})
}

func TestInsertActionWithEarlierStates(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "user-1", at(1)))

		a := newAction(tn.ID, "user-1", "key-1", "signIn", at(2))
		a.State, a.VerificationMethod, a.VerifiedAuthenticatorID = model.StateChallengeSucceeded, model.MethodPasskey, "auth-1"
		a.DeviceID = "device-1"
		stored, created, err := s.InsertAction(ctx, model.NewAction{Action: a,
			Earlier: []model.ActionState{model.StateChallengeRequired}})
		if err != nil || !created {
			t.Fatalf("InsertAction = %v, %v; want created", created, err)
		}
		if diff := cmp.Diff(stored, a); diff != "" {
			t.Errorf("InsertAction stored (-got +want):\n%s", diff)
		}
		history, err := s.ActionHistory(ctx, tn.ID, "key-1")
		if err != nil {
			t.Fatal(err)
		}
		want := []model.StateChange{{State: model.StateChallengeRequired, At: at(2), Source: model.SourceTrack},
			{State: model.StateChallengeSucceeded, At: at(2), Source: model.SourceChallenge}}
		if diff := cmp.Diff(history, want); diff != "" {
			t.Errorf("history (-got +want):\n%s", diff)
		}
		// Later states follow the first two.
		a.State, a.StateUpdatedAt = model.StateReviewSucceeded, at(3)
		if err := s.SetActionState(ctx, a); err != nil {
			t.Fatal(err)
		}
		if history, _ = s.ActionHistory(ctx, tn.ID, "key-1"); len(history) != 3 || history[2].State != model.StateReviewSucceeded {
			t.Errorf("history after a change = %+v", history)
		}
		if f, err := s.UserFacts(ctx, tn.ID, "user-1", "device-1"); err != nil || f.User.ID != "user-1" || f.Devices != 1 || !f.DeviceKnown {
			t.Errorf("model.UserFacts = %+v, %v; want the user and the action's device", f, err)
		}
		if _, err := s.UserFacts(ctx, tn.ID, "user-2", "device-1"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("model.UserFacts of an unknown user: %v, want %v", err, model.ErrNotFound)
		}

		// A device said to be known is not noted again.
		b := newAction(tn.ID, "user-1", "key-2", "signIn", at(4))
		b.DeviceID = "device-2"
		if _, _, err := s.InsertAction(ctx, model.NewAction{Action: b, DeviceKnown: true}); err != nil {
			t.Fatal(err)
		}
		if f, _ := s.UserFacts(ctx, tn.ID, "user-1", "device-2"); f.Devices != 1 || f.DeviceKnown {
			t.Errorf("model.UserFacts = %d, %v after a device said to be known; want 1, false", f.Devices, f.DeviceKnown)
		}
		c := newAction(tn.ID, "user-1", "key-3", "signIn", at(5))
		c.DeviceID = "device-3"
		if _, _, err := s.InsertAction(ctx, model.NewAction{Action: c}); err != nil {
			t.Fatal(err)
		}
		if f, _ := s.UserFacts(ctx, tn.ID, "user-1", "device-3"); f.Devices != 2 || !f.DeviceKnown {
			t.Errorf("model.UserFacts = %d, %v after a second device; want 2, true", f.Devices, f.DeviceKnown)
		}
	})
}

func TestNoteActionCreated(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		cfg, err := s.EnsureActionConfig(ctx, model.ActionConfig{TenantID: tn.ID, Code: "signIn",
			DefaultOutcome: model.OutcomeChallenge, CreatedAt: at(1), UpdatedAt: at(1), LastActionCreatedAt: at(1)})
		if err != nil {
			t.Fatal(err)
		}
		if model.ActionNoteDue(cfg, at(60)) || !model.ActionNoteDue(cfg, at(61)) {
			t.Errorf("ActionNoteDue at 59 s / 60 s after the note = %v / %v, want false / true",
				model.ActionNoteDue(cfg, at(60)), model.ActionNoteDue(cfg, at(61)))
		}
		for _, sec := range []int64{100, 50} {
			if err := s.NoteActionCreated(ctx, tn.ID, "signIn", at(sec)); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := s.ActionConfig(ctx, tn.ID, "signIn"); !got.LastActionCreatedAt.Equal(at(100)) {
			t.Errorf("last action created at %v, want %v (never moved back)", got.LastActionCreatedAt, at(100))
		}
	})
}
