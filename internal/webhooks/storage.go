package webhooks

import (
	"context"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// Outbox is the one query a domain package adds to its own Queries to
// write events, inside the transaction of the change they report.
type Outbox interface {
	// EnqueueWebhook stores d as pending when the tenant has a URL for its
	// stream, and reports whether it did.
	EnqueueWebhook(ctx context.Context, d model.WebhookDelivery) (bool, error)
}

// Queries is what webhooks reads and writes in the store, inside a
// transaction or not.
type Queries interface {
	Outbox
	WebhookSettings(ctx context.Context, tenantID string) (model.WebhookSettings, error)
	PutWebhookSettings(ctx context.Context, s model.WebhookSettings) error
	// WebhookSigningKeys returns the stored hashes of the tenant's active
	// keys that sign webhooks (see model.APIKey.SignsWebhooks).
	WebhookSigningKeys(ctx context.Context, tenantID string) ([][]byte, error)
	// ClaimWebhookDeliveries leases up to limit due pending deliveries
	// until leaseUntil under leaseID, each the oldest pending one of its
	// order key, counting the attempt.
	ClaimWebhookDeliveries(ctx context.Context, now, leaseUntil time.Time, leaseID string, limit int) ([]model.WebhookDelivery, error)
	// FinishWebhookAttempt records an attempt and the delivery's new state,
	// if the delivery is still leased under d.LeaseID.
	FinishWebhookAttempt(ctx context.Context, d model.WebhookDelivery, a model.WebhookAttempt) error
	// RecordWebhookDelivery stores a synchronous delivery with its one
	// attempt.
	RecordWebhookDelivery(ctx context.Context, d model.WebhookDelivery, a model.WebhookAttempt) error
	WebhookDeliveries(ctx context.Context, tenantID string, limit int) ([]model.WebhookDelivery, error)
	WebhookDelivery(ctx context.Context, tenantID, id string) (model.WebhookDelivery, error)
	WebhookAttempts(ctx context.Context, deliveryID string) ([]model.WebhookAttempt, error)
	// ResendWebhookDelivery makes a delivered or failed asynchronous
	// delivery pending again, due at now.
	ResendWebhookDelivery(ctx context.Context, tenantID, id string, now time.Time) error
	ActionVerificationURL(ctx context.Context, tenantID, actionCode string) (string, error)
	PurgeWebhookDeliveries(ctx context.Context, before time.Time) (int64, error)
	SetActionVerificationURL(ctx context.Context, tenantID, actionCode, url string) error
}

// Store is the store outside a transaction: InTx runs fn inside one and
// commits when it returns nil.
type Store interface {
	Queries
	InTx(ctx context.Context, fn func(q Queries) error) error
}
