package prompt

import (
	"cmp"
	"context"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// promptEventTypes are the passkey_prompt.* webhooks of the outcomes.
var promptEventTypes = map[model.UpliftEventKind]string{
	model.UpliftShown:     webhooks.PromptShown,
	model.UpliftAccepted:  webhooks.PromptAccepted,
	model.UpliftDismissed: webhooks.PromptDismissed,
	model.UpliftFailed:    webhooks.PromptFailed,
}

// recordOutcome stores a prompt outcome and, in the same transaction, its
// passkey_prompt.* webhook when the tenant has a URL for them.
func (s *Service) recordOutcome(ctx context.Context, e model.UpliftEvent) error {
	return s.store.InTx(ctx, func(q Queries) error {
		if err := q.RecordUpliftEvent(ctx, e); err != nil {
			return err
		}
		typ, ok := promptEventTypes[e.Kind]
		if !ok {
			return nil
		}
		return webhooks.Enqueue(ctx, q, s.Source, e.TenantID, model.StreamPrompt, typ, e.UserID, map[string]any{
			"userId": e.UserID, "actionCode": e.ActionCode, "idempotencyKey": e.IdempotencyKey,
			"deviceId": e.DeviceID, "reason": e.Cause, "variant": e.Variant, "platform": e.Platform,
			"surface": string(cmp.Or(e.Surface, model.SurfaceHosted)), "occurredAt": e.At.UTC().Format(time.RFC3339),
		})
	})
}
