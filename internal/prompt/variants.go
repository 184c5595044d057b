package prompt

import (
	"context"

	"github.com/uplift-dev/uplift/internal/model"
)

// Variants is the prompt's experiments (package experiments): the copy a
// user's prompt shows with the variant it comes from ("" when no
// experiment runs), and the record of a user reaching the app after a
// prompt.
type Variants interface {
	PromptFor(ctx context.Context, tenantID, userID string) (model.PromptCopy, string, error)
	RecordReturn(ctx context.Context, t model.Tenant, a model.Action, deviceID string) error
}

// SetVariants makes the prompt show the copy v says and every uplift
// event record the user's experiment variant.
func (s *Service) SetVariants(v Variants) { s.variants = v }

func (s *Service) variantOf(ctx context.Context, tenantID, userID string) (string, error) {
	_, v, err := s.PromptCopy(ctx, tenantID, userID)
	return v, err
}

// PromptCopy returns the heading and explanation the user's prompt shows,
// and the experiment variant they come from ("" outside experiments).
func (s *Service) PromptCopy(ctx context.Context, tenantID, userID string) (model.PromptCopy, string, error) {
	if s.variants == nil {
		return model.PromptCopy{Heading: model.DefaultPromptHeading, Explanation: model.DefaultPromptExplanation}, "", nil
	}
	return s.variants.PromptFor(ctx, tenantID, userID)
}

// RecordReturn records that the user reached the app after the action,
// when the prompt was shown in it (the experiments' guardrail).
func (s *Service) RecordReturn(ctx context.Context, t model.Tenant, a model.Action, deviceID string) error {
	if s.variants == nil {
		return nil
	}
	return s.variants.RecordReturn(ctx, t, a, deviceID)
}
