package webhooks

import (
	"context"
	"encoding/json"

	"github.com/uplift-dev/uplift/internal/model"
)

// SettingsChange is a partial update of a tenant's webhook settings: nil
// fields stay as they are, an empty URL turns its events off.
type SettingsChange struct {
	AuthenticatorEventsURL *string
	LogEventsURL           *string
	PromptEventsURL        *string
	MessageEventsURL       *string
}

// Settings returns a tenant's webhook settings.
func (s *Service) Settings(ctx context.Context, tenantID string) (model.WebhookSettings, error) {
	return s.store.WebhookSettings(ctx, tenantID)
}

// UpdateSettings checks and applies c to a tenant's settings. Each URL
// must be https (http and private addresses only when the operator
// allows them); an error names the field as the Management API spells it.
func (s *Service) UpdateSettings(ctx context.Context, tenantID string, c SettingsChange) (model.WebhookSettings, error) {
	fields := []struct {
		name string
		v    *string
	}{
		{"authenticatorEventsUrl", c.AuthenticatorEventsURL}, {"logEventsUrl", c.LogEventsURL},
		{"promptEventsUrl", c.PromptEventsURL}, {"messageEventsUrl", c.MessageEventsURL},
	}
	for _, f := range fields {
		if f.v == nil {
			continue
		}
		if err := CheckURL(f.name, *f.v, s.allowPrivate); err != nil {
			return model.WebhookSettings{}, err
		}
	}
	var out model.WebhookSettings
	err := s.store.InTx(ctx, func(q Queries) error {
		cur, err := q.WebhookSettings(ctx, tenantID)
		if err != nil {
			return err
		}
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&cur.AuthenticatorEventsURL, c.AuthenticatorEventsURL)
		set(&cur.LogEventsURL, c.LogEventsURL)
		set(&cur.PromptEventsURL, c.PromptEventsURL)
		set(&cur.MessageEventsURL, c.MessageEventsURL)
		cur.UpdatedAt = s.Now()
		out = cur
		return q.PutWebhookSettings(ctx, cur)
	})
	if err == nil {
		// The log events URL rides on the cached action configurations.
		s.forget(tenantID)
	}
	return out, err
}

// SetActionVerificationURL sets (or, with "", clears) the action.verify
// webhook of an action configuration.
func (s *Service) SetActionVerificationURL(ctx context.Context, tenantID, actionCode, url string) error {
	if err := CheckURL("verificationWebhookUrl", url, s.allowPrivate); err != nil {
		return err
	}
	if err := s.store.SetActionVerificationURL(ctx, tenantID, actionCode, url); err != nil {
		return err
	}
	s.forget(tenantID) // action.verify is read from the cached configuration
	return nil
}

// ActionVerificationURL returns the action.verify webhook of an action
// configuration, empty when it has none.
func (s *Service) ActionVerificationURL(ctx context.Context, tenantID, actionCode string) (string, error) {
	return s.store.ActionVerificationURL(ctx, tenantID, actionCode)
}

// Delivery is one delivery with its attempts, for the console.
type Delivery struct {
	model.WebhookDelivery
	Attempts []model.WebhookAttempt
}

// Deliveries lists a tenant's latest deliveries, newest first.
func (s *Service) Deliveries(ctx context.Context, tenantID string, limit int) ([]model.WebhookDelivery, error) {
	return s.store.WebhookDeliveries(ctx, tenantID, limit)
}

// Delivery returns one of a tenant's deliveries with its attempts.
func (s *Service) Delivery(ctx context.Context, tenantID, id string) (Delivery, error) {
	if !model.ValidUUID(id) {
		return Delivery{}, model.NotFound("no webhook delivery %q", id)
	}
	d, err := s.store.WebhookDelivery(ctx, tenantID, id)
	if err != nil {
		return Delivery{}, err
	}
	as, err := s.store.WebhookAttempts(ctx, id)
	return Delivery{WebhookDelivery: d, Attempts: as}, err
}

// Resend makes a finished asynchronous delivery pending again, to be
// posted as soon as the worker runs; synchronous ones cannot be re-sent.
func (s *Service) Resend(ctx context.Context, tenantID, id string) error {
	if !model.ValidUUID(id) {
		return model.NotFound("no webhook delivery %q", id)
	}
	if err := s.store.ResendWebhookDelivery(ctx, tenantID, id, s.Now()); err != nil {
		return err
	}
	s.Nudge()
	return nil
}

// Send posts a synchronous event to url and records it: nil on a 2xx,
// otherwise an error of kind forbidden (a non-2xx answer) or unavailable
// (no answer). logged is the data as stored, without what must not be
// kept (a code).
func (s *Service) Send(ctx context.Context, tenantID, url, eventType string, data, logged any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	now := s.Now()
	d := model.WebhookDelivery{ID: s.NewID(), TenantID: tenantID, Stream: model.StreamSync, Type: eventType,
		Payload: string(b), Attempts: 1, NextAttemptAt: now, CreatedAt: now}
	var res response
	switch keys, err := s.store.WebhookSigningKeys(ctx, tenantID); {
	case err != nil:
		return err
	case len(keys) == 0:
		res = response{text: noKeyMessage}
	default:
		body, err := s.envelope(d)
		if err != nil {
			return err
		}
		res = post(ctx, s.client, url, body, keys, now)
	}
	d.Status, d.LastStatus, d.LastResponse = model.DeliveryFailed, res.status, res.text
	if res.ok() {
		d.Status, d.DeliveredAt = model.DeliveryDelivered, s.Now()
	}
	if lb, err := json.Marshal(logged); err == nil {
		d.Payload = string(lb)
	}
	a := model.WebhookAttempt{DeliveryID: d.ID, N: 1, At: now, URL: url, Status: res.status, Response: res.text, Duration: res.duration}
	if err := s.store.RecordWebhookDelivery(context.WithoutCancel(ctx), d, a); err != nil {
		s.log.Warn("record webhook delivery", "type", eventType, "err", err)
	}
	s.log.Info("webhook sent", "delivery", d.ID, "type", eventType, "tenant", tenantID, "status", res.status,
		"ms", res.duration.Milliseconds())
	switch {
	case res.ok():
		return nil
	case res.status == 0:
		return &model.Error{Kind: model.ErrUnavailable, Code: "webhook_unavailable",
			Description: "the app's " + eventType + " webhook did not answer"}
	}
	return &model.Error{Kind: model.ErrForbidden, Code: "webhook_refused",
		Description: "the app's " + eventType + " webhook refused with HTTP " + itoa(res.status)}
}
