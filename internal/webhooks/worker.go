package webhooks

import (
	"context"
	"errors"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// lease is how long a claimed delivery is this instance's: longer than
// one attempt, so no two instances post it at once, and short enough that
// a delivery claimed by an instance that died is taken again soon.
const lease = 3 * Timeout

// batch is how many deliveries one claim takes.
const batch = 20

// PollInterval is how often the worker looks for due deliveries when
// nothing nudges it.
const PollInterval = time.Second

// DeliverDue claims the due deliveries, posts them, and records each
// attempt, until none is due; it returns how many it attempted.
func (s *Service) DeliverDue(ctx context.Context) (int, error) {
	total := 0
	for {
		now := s.Now()
		ds, err := s.store.ClaimWebhookDeliveries(ctx, now, now.Add(lease), s.NewID(), batch)
		if err != nil || len(ds) == 0 {
			return total, err
		}
		for _, d := range ds {
			if err := s.attempt(ctx, d); err != nil {
				return total, err
			}
			total++
		}
	}
}

// attempt posts one claimed delivery and records the outcome: delivered
// on a 2xx, otherwise due again after the back-off, or failed after
// MaxAttempts.
func (s *Service) attempt(ctx context.Context, d model.WebhookDelivery) error {
	url, res := s.post(ctx, d)
	now := s.Now()
	d.LastStatus, d.LastResponse = res.status, res.text
	switch {
	case res.ok():
		d.Status, d.DeliveredAt = model.DeliveryDelivered, now
	case d.Attempts >= MaxAttempts:
		d.Status = model.DeliveryFailed
	default:
		d.Status, d.NextAttemptAt = model.DeliveryPending, now.Add(s.backoff(d.Attempts))
	}
	a := model.WebhookAttempt{DeliveryID: d.ID, N: d.Attempts, At: now, URL: url, Status: res.status,
		Response: res.text, Duration: res.duration}
	err := s.store.FinishWebhookAttempt(ctx, d, a)
	if errors.Is(err, model.ErrConflict) {
		s.log.Warn("webhook lease lost", "delivery", d.ID)
		return nil
	}
	if err != nil {
		return err
	}
	s.log.Info("webhook attempt", "delivery", d.ID, "type", d.Type, "tenant", d.TenantID, "attempt", d.Attempts,
		"status", res.status, "outcome", d.Status, "ms", res.duration.Milliseconds())
	return nil
}

// backoff is the wait after the n-th failed attempt.
func (s *Service) backoff(n int) time.Duration {
	return s.retryBase << (n - 1)
}

// post sends d to its stream's current URL and returns the URL with the
// answer.
func (s *Service) post(ctx context.Context, d model.WebhookDelivery) (string, response) {
	set, err := s.store.WebhookSettings(ctx, d.TenantID)
	if err != nil {
		return "", response{text: "settings unavailable"}
	}
	url := set.AuthenticatorEventsURL
	switch d.Stream {
	case model.StreamPrompt:
		url = set.PromptEventsURL
	case model.StreamLog:
		url = set.LogEventsURL
	}
	if url == "" {
		return "", response{text: "no webhook URL is set for these events"}
	}
	if err := CheckURL("url", url, s.allowPrivate); err != nil {
		return url, response{text: "the webhook URL is not allowed"}
	}
	keys, err := s.store.WebhookSigningKeys(ctx, d.TenantID)
	if err != nil {
		return url, response{text: "signing keys unavailable"}
	}
	if len(keys) == 0 {
		return url, response{text: noKeyMessage}
	}
	body, err := s.envelope(d)
	if err != nil {
		return url, response{text: "payload is not JSON"}
	}
	return url, post(ctx, s.client, url, body, keys, s.Now())
}

// noKeyMessage says why nothing was sent for a tenant whose keys all
// predate webhook signing.
const noKeyMessage = "no secret key of this tenant can sign webhooks: issue a new secret key"

// DeliveryRetention is how long delivered and failed deliveries stay
// listed before the janitor deletes them.
const DeliveryRetention = 30 * 24 * time.Hour

// PurgeFinished deletes the delivered and failed deliveries created
// before before; pending ones stay whatever their age.
func (s *Service) PurgeFinished(ctx context.Context, before time.Time) (int64, error) {
	return s.store.PurgeWebhookDeliveries(ctx, before)
}

// Nudge tells this instance's worker that a delivery may be due.
func (s *Service) Nudge() {
	select {
	case s.nudge <- struct{}{}:
	default:
	}
}

// Start runs the worker until ctx ends: it delivers what is due at once,
// then at every tick of poll and whenever nudged. The returned function
// stops it and waits for the attempt in flight.
func (s *Service) Start(ctx context.Context, poll <-chan time.Time) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, err := s.DeliverDue(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("webhook deliveries", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-poll:
			case <-s.nudge:
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}
