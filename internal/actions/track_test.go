package actions

import (
	"testing"

	"github.com/uplift-dev/uplift/internal/model"
)

func TestStateFor(t *testing.T) {
	tests := []struct {
		outcome  model.Outcome
		enrolled bool
		want     model.ActionState
	}{
		{model.OutcomeChallenge, true, model.StateChallengeRequired},
		{model.OutcomeChallenge, false, model.StateAllow},
		{model.OutcomeAllow, true, model.StateAllow},
		{model.OutcomeBlock, false, model.StateBlock},
		{model.OutcomeReview, true, model.StateReviewRequired},
	}
	for _, tt := range tests {
		if got := stateFor(tt.outcome, tt.enrolled); got != tt.want {
			t.Errorf("stateFor(%s, enrolled=%v) = %s, want %s", tt.outcome, tt.enrolled, got, tt.want)
		}
	}
}

func TestValidEmail(t *testing.T) {
	for addr, want := range map[string]bool{
		"ada@example.com":       true,
		"ada+tag@example.com":   true,
		"ada@[127.0.0.1]":       false,
		"Ada <ada@example.com>": false,
		"not an address":        false,
	} {
		if got := ValidEmail(addr); got != want {
			t.Errorf("ValidEmail(%q) = %v, want %v", addr, got, want)
		}
	}
}
