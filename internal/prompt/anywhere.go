package prompt

import (
	"context"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/uplift"
)

// The prompt outside the hosted pages: the decision an app asks the
// Client API for, for the <uplift-passkey-prompt> web component or a
// prompt of its own, and the registration that follows such a prompt.

// AppDecision is the uplift decision for a prompt an app shows.
type AppDecision struct {
	uplift.Decision
	// Variant is the user's prompt experiment variant, "" outside
	// experiments.
	Variant string
	// Copy is the heading and explanation the prompt shows: the tenant's,
	// or the variant's.
	Copy model.PromptCopy
}

// DecideForApp decides whether the app shows the prompt on surface after
// the action on the device, and records the decision as the hosted pages
// do, with its surface. authenticated says the user has proven who they
// are in this action: its challenge succeeded, or the app vouched for its
// own sign-in by tracking the action with scope add:authenticators.
func (s *Service) DecideForApp(ctx context.Context, t model.Tenant, a model.Action, deviceID string,
	surface model.PromptSurface, authenticated bool) (AppDecision, error) {
	cp, variant, err := s.PromptCopy(ctx, t.ID, a.UserID)
	if err != nil {
		return AppDecision{}, err
	}
	dec, err := s.evaluate(ctx, t, a, deviceID, surface, authenticated, variant)
	if err != nil {
		return AppDecision{}, err
	}
	return AppDecision{Decision: dec, Variant: variant, Copy: cp}, nil
}

// RecordAcceptedAfterPrompt records a passkey registered on the device
// during the action as the prompt's acceptance, when the prompt was shown
// there by an app (the component or the app's own UI) and not answered
// yet: the registration itself is the answer. It reports whether it
// recorded one.
func (s *Service) RecordAcceptedAfterPrompt(ctx context.Context, t model.Tenant, a model.Action, deviceID string) (bool, error) {
	if deviceID == "" {
		return false, nil
	}
	surface, err := s.store.UnansweredPromptSurface(ctx, t.ID, a.UserID, deviceID, a.IdempotencyKey)
	if err != nil || surface == "" {
		return false, err
	}
	return true, s.RecordUpliftOn(ctx, t, a, deviceID, surface, model.UpliftAccepted, "")
}
