// Package webhooks sends a tenant's events to its systems as Authsignal
// does: an envelope signed in X-Signature-V2 with the tenant's secret key.
// Asynchronous events (authenticator.*, passkey_prompt.*, and the log
// events action.log_created, in batches of records) are written to
// an outbox in the transaction of the change they report, and a worker on
// every instance delivers them, retrying with back-off; synchronous ones
// (action.verify, email.created, sms.created) are posted at once and
// their answer decides.
package webhooks

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/uplift-dev/uplift/internal/ids"
	"github.com/uplift-dev/uplift/internal/model"
)

// Event types.
const (
	AuthenticatorCreated = "authenticator.created"
	AuthenticatorUpdated = "authenticator.updated"
	AuthenticatorDeleted = "authenticator.deleted"
	ActionVerify         = "action.verify"
	EmailCreated         = "email.created"
	SMSCreated           = "sms.created"
	PromptShown          = "passkey_prompt.shown"
	PromptAccepted       = "passkey_prompt.accepted"
	PromptDismissed      = "passkey_prompt.dismissed"
	PromptFailed         = "passkey_prompt.failed"
	ActionLogCreated     = "action.log_created"
)

// MaxAttempts is how many times an asynchronous delivery is tried before
// it is marked failed: the first try and four retries.
const MaxAttempts = 5

// DefaultRetryBase is the wait after a first failed attempt; each later
// wait doubles it.
const DefaultRetryBase = 30 * time.Second

// Options configures the service.
type Options struct {
	Store Store
	Log   *slog.Logger
	IDs   ids.Source
	// PublicURL is the envelope's source.
	PublicURL string
	// AllowPrivate lets webhooks use http and reach private and loopback
	// addresses (UPLIFT_WEBHOOK_ALLOW_PRIVATE=1).
	AllowPrivate bool
	// RetryBase is the wait after a first failed attempt (0 means
	// DefaultRetryBase).
	RetryBase time.Duration
	// Client posts deliveries; nil means NewClient(AllowPrivate).
	Client *http.Client
	// Forget drops a tenant's cached configurations after a change to an
	// action's action.verify webhook (tenancy.Service.ForgetTenant).
	Forget func(tenantID string)
}

// Service runs a tenant's webhook settings and deliveries.
type Service struct {
	ids.Source
	store        Store
	log          *slog.Logger
	source       string
	allowPrivate bool
	retryBase    time.Duration
	client       *http.Client
	forget       func(tenantID string)
	nudge        chan struct{}
}

// New returns the webhook service o describes.
func New(o Options) *Service {
	if o.RetryBase <= 0 {
		o.RetryBase = DefaultRetryBase
	}
	if o.Client == nil {
		o.Client = NewClient(o.AllowPrivate)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Forget == nil {
		o.Forget = func(string) {}
	}
	return &Service{Source: o.IDs, store: o.Store, log: o.Log, source: o.PublicURL, allowPrivate: o.AllowPrivate,
		retryBase: o.RetryBase, client: o.Client, forget: o.Forget, nudge: make(chan struct{}, 1)}
}

// AllowPrivate reports whether webhook URLs may use http and private
// addresses.
func (s *Service) AllowPrivate() bool { return s.allowPrivate }

// Envelope is the JSON every webhook carries, Authsignal's shape.
type Envelope struct {
	Version  int             `json:"version"`
	ID       string          `json:"id"`
	Source   string          `json:"source"`
	Time     string          `json:"time"`
	TenantID string          `json:"tenantId"`
	Type     string          `json:"type"`
	Data     json.RawMessage `json:"data"`
}

// LogRecord is one event of a log batch: the envelope's fields with the
// event's data under record, as Authsignal sends log events.
type LogRecord struct {
	Version  int             `json:"version"`
	ID       string          `json:"id"`
	Source   string          `json:"source"`
	Time     string          `json:"time"`
	TenantID string          `json:"tenantId"`
	Type     string          `json:"type"`
	Record   json.RawMessage `json:"record"`
}

// LogBatch is the body of a log events delivery: a batch of records (one
// per delivery here; Authsignal sends up to 500).
type LogBatch struct {
	Records []LogRecord `json:"records"`
}

// envelope returns the body of delivery d, whose payload is its data: the
// envelope, or for log events a batch holding its record.
func (s *Service) envelope(d model.WebhookDelivery) ([]byte, error) {
	at := d.CreatedAt.UTC().Format(time.RFC3339)
	if d.Stream == model.StreamLog {
		return json.Marshal(LogBatch{Records: []LogRecord{{Version: 1, ID: d.ID, Source: s.source, Time: at,
			TenantID: d.TenantID, Type: d.Type, Record: json.RawMessage(d.Payload)}}})
	}
	return json.Marshal(Envelope{Version: 1, ID: d.ID, Source: s.source, Time: at,
		TenantID: d.TenantID, Type: d.Type, Data: json.RawMessage(d.Payload)})
}

// Enqueue writes an event to the outbox through q, inside the caller's
// transaction, when the tenant has a URL for the stream: the event is
// stored if and only if the change it reports is. Events with the same
// orderKey (a user id) are delivered in the order they were written.
func Enqueue(ctx context.Context, q Outbox, src ids.Source, tenantID, stream, eventType, orderKey string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", eventType, err)
	}
	now := src.Now()
	_, err = q.EnqueueWebhook(ctx, model.WebhookDelivery{ID: src.NewID(), TenantID: tenantID, Stream: stream,
		Type: eventType, OrderKey: orderKey, Payload: string(b), Status: model.DeliveryPending,
		NextAttemptAt: now, CreatedAt: now})
	return err
}

// AuthenticatorData is the data of an authenticator.* event; p is the
// passkey or security key behind a, if any.
func AuthenticatorData(a model.Authenticator, p *model.Passkey) map[string]any {
	d := map[string]any{
		"userId": a.UserID, "verificationMethod": string(a.Method), "userAuthenticatorId": a.ID,
		"createdAt": a.CreatedAt.UTC().Format(time.RFC3339),
	}
	if p != nil {
		d["credentialId"] = base64URL(p.CredentialID)
		d["aaguid"] = uuidString(p.AAGUID)
		d["credentialName"] = p.Name
	}
	return d
}

// AuthenticatorEvent writes an authenticator.created, .updated or
// .deleted event through q, in the order of the user's other events; p is
// the passkey or security key behind a, if any.
func AuthenticatorEvent(ctx context.Context, q Outbox, src ids.Source, eventType string, a model.Authenticator, p *model.Passkey) error {
	data := AuthenticatorData(a, p)
	if eventType == AuthenticatorDeleted {
		data["deletedAt"] = src.Now().UTC().Format(time.RFC3339)
	}
	return Enqueue(ctx, q, src, a.TenantID, model.StreamAuthenticator, eventType, a.UserID, data)
}
