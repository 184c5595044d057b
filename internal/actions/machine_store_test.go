package actions_test

import (
	"context"
	"errors"
	"testing"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/model"
)

// TestEveryStateTheBackendSets moves one action through every state on
// the Server API's word: the action reads back in it, validate vouches
// only for CHALLENGE_SUCCEEDED, codes are sent only while a challenge may
// still complete it, and the history names who made each change.
func TestEveryStateTheBackendSets(t *testing.T) {
	ctx := context.Background()
	e := apitest.New(t)
	tn, _ := e.Tenant("Shop")
	if _, err := e.Service.EnrollVerified(ctx, tn.ID, "ada", model.Authenticator{Method: model.MethodEmailOTP, Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	res, err := e.Service.Track(ctx, tn, actions.TrackInput{UserID: "ada", ActionCode: "pay", IdempotencyKey: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action.State != model.StateChallengeRequired {
		t.Fatalf("tracked in %s, want CHALLENGE_REQUIRED", res.Action.State)
	}
	claims, err := e.App.Tenancy.ParseToken(tn, res.Token)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.StateChange{{State: model.StateChallengeRequired, Source: model.SourceTrack}}
	for _, st := range model.ActionStates {
		e.Clock.Advance(1)
		a, err := e.Service.SetActionState(ctx, tn.ID, "ada", "pay", "k1", st)
		if err != nil {
			t.Fatalf("SetActionState(%s): %v", st, err)
		}
		if st != model.StateChallengeRequired || len(want) > 1 {
			// Moving to the state it is in adds nothing to the history.
			want = append(want, model.StateChange{State: st, Source: model.SourceServerAPI})
		}
		got, err := e.Service.Action(ctx, tn.ID, "k1")
		if err != nil {
			t.Fatal(err)
		}
		if got.State != st || a.State != st || got.StateSource != model.SourceServerAPI {
			t.Errorf("%s: action reads back in %s set by %q", st, got.State, got.StateSource)
		}
		if st == model.StateChallengeSucceeded && got.VerificationMethod != "" {
			t.Errorf("%s on the backend's word names the method %s", st, got.VerificationMethod)
		}
		v, err := e.Service.Validate(ctx, tn, res.Token, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if v.IsValid != (st == model.StateChallengeSucceeded) || v.Action.State != st {
			t.Errorf("%s: validate isValid = %v in state %s", st, v.IsValid, v.Action.State)
		}
		mayChallenge := st == model.StateAllow || st == model.StateChallengeRequired || st == model.StateChallengeSucceeded
		if err := e.Service.CheckTokenAction(ctx, claims, model.MethodPasskey); (err == nil) != mayChallenge {
			t.Errorf("%s: sending a code: %v, want allowed %v", st, err, mayChallenge)
		}
	}
	hist, err := e.Store.ActionHistory(ctx, tn.ID, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != len(want) {
		t.Fatalf("history has %d entries, want %d: %+v", len(hist), len(want), hist)
	}
	for i := range want {
		if hist[i].State != want[i].State || hist[i].Source != want[i].Source {
			t.Errorf("history[%d] = %s by %q, want %s by %q", i, hist[i].State, hist[i].Source, want[i].State, want[i].Source)
		}
	}
}

// TestMoveActionRefusals: an unknown state is refused naming every state,
// and another user's or code's action is not found.
func TestMoveActionRefusals(t *testing.T) {
	ctx := context.Background()
	e := apitest.New(t)
	tn, _ := e.Tenant("Shop")
	if _, err := e.Service.Track(ctx, tn, actions.TrackInput{UserID: "ada", ActionCode: "pay", IdempotencyKey: "k1"}); err != nil {
		t.Fatal(err)
	}
	_, err := e.Service.MoveAction(ctx, tn.ID, "ada", "pay", "k1", "DONE", model.SourceAdmin)
	var me *model.Error
	if !errors.As(err, &me) || !errors.Is(err, model.ErrInvalid) || me.Description != "state must be one of "+model.JoinStates(model.ActionStates) {
		t.Errorf("unknown state: %v", err)
	}
	for _, who := range [][2]string{{"bob", "pay"}, {"ada", "withdraw"}} {
		if _, err := e.Service.MoveAction(ctx, tn.ID, who[0], who[1], "k1", model.StateBlock, model.SourceAdmin); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("%s's %s: %v, want not found", who[0], who[1], err)
		}
	}
	if a, _ := e.Service.Action(ctx, tn.ID, "k1"); a.State == model.StateBlock {
		t.Error("a refused move changed the action")
	}
}
