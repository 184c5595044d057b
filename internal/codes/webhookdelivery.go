package codes

import (
	"context"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// SetWebhooks lets tenants have their codes posted to their own webhook
// (email.created, sms.created) instead of the email and text senders.
func (s *Service) SetWebhooks(w *webhooks.Service) { s.webhooks = w }

// deliverByWebhook posts the code of ch to the tenant's message webhook
// when it has one, and reports whether it did; a non-2xx answer or none
// fails the send. The delivery is recorded without the code or link.
func (s *Service) deliverByWebhook(ctx context.Context, t model.Tenant, ch model.CodeChallenge, code string) (bool, error) {
	if s.webhooks == nil {
		return false, nil
	}
	set, err := s.webhooks.Settings(ctx, t.ID)
	if err != nil || set.MessageEventsURL == "" {
		return false, err
	}
	typ, secret := webhooks.EmailCreated, "code"
	to := ch.Email
	switch ch.Method {
	case model.MethodSMS:
		typ, to = webhooks.SMSCreated, ch.PhoneNumber
	case model.MethodEmailMagicLink:
		secret, code = "url", s.linkURL(ch, code)
	}
	data := map[string]any{
		"to": to, secret: code, "userId": ch.UserID, "actionCode": ch.ActionCode,
		"idempotencyKey": ch.IdempotencyKey, "verificationMethod": string(ch.Method),
		"expiresAt": ch.ExpiresAt.UTC().Format(time.RFC3339),
	}
	logged := map[string]any{}
	for k, v := range data {
		logged[k] = v
	}
	logged[secret] = "[not stored]"
	return true, s.webhooks.Send(ctx, t.ID, set.MessageEventsURL, typ, data, logged)
}
