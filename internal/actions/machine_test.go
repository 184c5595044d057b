package actions

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/model"
)

// TestMovedAction: the app's backend or an admin may move an action to any
// state; the change says who made it, and a success it declares names no
// method that nobody used.
func TestMovedAction(t *testing.T) {
	then, now := time.Unix(1_800_000_000, 0).UTC(), time.Unix(1_800_000_060, 0).UTC()
	base := model.Action{State: model.StateChallengeRequired, StateUpdatedAt: then, StateSource: model.SourceTrack}
	verified := model.Action{State: model.StateChallengeSucceeded, StateUpdatedAt: then, StateSource: model.SourceChallenge,
		VerificationMethod: model.MethodEmailOTP, VerifiedAuthenticatorID: "auth-1"}
	tests := []struct {
		name        string
		from        model.Action
		to          model.ActionState
		by          model.StateSource
		want        model.Action
		wantChanged bool
	}{
		{"review required", base, model.StateReviewRequired, model.SourceServerAPI,
			model.Action{State: model.StateReviewRequired, StateUpdatedAt: now, StateSource: model.SourceServerAPI}, true},
		{"challenge failed", base, model.StateChallengeFailed, model.SourceServerAPI,
			model.Action{State: model.StateChallengeFailed, StateUpdatedAt: now, StateSource: model.SourceServerAPI}, true},
		{"succeeded on the backend's word names no method", base, model.StateChallengeSucceeded, model.SourceServerAPI,
			model.Action{State: model.StateChallengeSucceeded, StateUpdatedAt: now, StateSource: model.SourceServerAPI}, true},
		{"blocked after a success keeps the method on record", verified, model.StateBlock, model.SourceAdmin,
			model.Action{State: model.StateBlock, StateUpdatedAt: now, StateSource: model.SourceAdmin,
				VerificationMethod: model.MethodEmailOTP, VerifiedAuthenticatorID: "auth-1"}, true},
		{"the same state changes nothing", verified, model.StateChallengeSucceeded, model.SourceServerAPI, verified, false},
		{"reopened for a challenge", verified, model.StateChallengeRequired, model.SourceServerAPI,
			model.Action{State: model.StateChallengeRequired, StateUpdatedAt: now, StateSource: model.SourceServerAPI,
				VerificationMethod: model.MethodEmailOTP, VerifiedAuthenticatorID: "auth-1"}, true},
	}
	for _, tt := range tests {
		got, changed := movedAction(tt.from, tt.to, tt.by, now)
		if changed != tt.wantChanged {
			t.Errorf("%s: changed = %v, want %v", tt.name, changed, tt.wantChanged)
		}
		if diff := cmp.Diff(got, tt.want); diff != "" {
			t.Errorf("%s: (-got +want):\n%s", tt.name, diff)
		}
	}
}

// TestWhoMayCompleteOrSendCodes walks every state: only ALLOW and
// CHALLENGE_REQUIRED may be completed by a challenge, and codes are sent
// only for those and CHALLENGE_SUCCEEDED, whoever set the state.
func TestWhoMayCompleteOrSendCodes(t *testing.T) {
	completable := map[model.ActionState]bool{model.StateAllow: true, model.StateChallengeRequired: true}
	open := map[model.ActionState]bool{model.StateAllow: true, model.StateChallengeRequired: true, model.StateChallengeSucceeded: true}
	for _, st := range model.ActionStates {
		a := model.Action{State: st, StateSource: model.SourceServerAPI}
		if got := cannotComplete(a, model.MethodPasskey) == nil; got != completable[st] {
			t.Errorf("%s: a challenge may complete it = %v, want %v", st, got, completable[st])
		}
		if got := actionOpen(a) == nil; got != open[st] {
			t.Errorf("%s: open to challenges = %v, want %v", st, got, open[st])
		}
	}
}
