package tracing

import (
	"context"

	"go.opentelemetry.io/otel/attribute"

	"github.com/uplift-dev/uplift/internal/notify"
)

// Email wraps s so that each email it sends gets a span. A nil Tracer or
// sender returns s as it is.
func (t *Tracer) Email(s notify.EmailSender) notify.EmailSender {
	if t == nil || s == nil {
		return s
	}
	return emailSender{t: t, next: s}
}

// SMS wraps s so that each text message it sends gets a span. A nil
// Tracer or sender returns s as it is.
func (t *Tracer) SMS(s notify.SMSSender) notify.SMSSender {
	if t == nil || s == nil {
		return s
	}
	return smsSender{t: t, next: s}
}

type emailSender struct {
	t    *Tracer
	next notify.EmailSender
}

func (s emailSender) SendEmail(ctx context.Context, m notify.Message) (err error) {
	ctx, end := s.t.Outbound(ctx, "send email", attribute.String("uplift.sender", "smtp"))
	defer func() { end(err) }()
	return s.next.SendEmail(ctx, m)
}

type smsSender struct {
	t    *Tracer
	next notify.SMSSender
}

func (s smsSender) SendSMS(ctx context.Context, m notify.SMS) (err error) {
	ctx, end := s.t.Outbound(ctx, "send text message", attribute.String("uplift.sender", "sms"))
	defer func() { end(err) }()
	return s.next.SendSMS(ctx, m)
}
