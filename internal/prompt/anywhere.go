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

// RecordAppOutcome records what became of a prompt an app showed on
// surface, as the hosted pages record theirs: shown once for each
// decision in the action that said to show it on the device; dismissed,
// opted_out or failed once for each prompt shown there. Anything else is
// a conflict, so that a client that reports twice, or reports a prompt
// no decision allowed, cannot bend the frequency or the funnel.
func (s *Service) RecordAppOutcome(ctx context.Context, t model.Tenant, a model.Action, deviceID string,
	surface model.PromptSurface, kind model.UpliftEventKind, cause string) error {
	if kind == model.UpliftShown {
		eligible, shown, err := s.store.PromptShowings(ctx, t.ID, a.UserID, deviceID, a.IdempotencyKey)
		if err != nil {
			return err
		}
		if shown >= eligible {
			return model.Errorf(model.ErrConflict, "prompt_not_eligible",
				"no decision in this action said to show the prompt on this device since it was last shown: ask for a decision first")
		}
	} else {
		open, err := s.store.UnansweredPromptSurface(ctx, t.ID, a.UserID, deviceID, a.IdempotencyKey)
		if err != nil {
			return err
		}
		if open == "" {
			return model.Errorf(model.ErrConflict, "prompt_not_shown",
				"no prompt shown in this action on this device waits for an answer: report shown first, and each answer once")
		}
	}
	return s.RecordUpliftOn(ctx, t, a, deviceID, surface, kind, cause)
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
