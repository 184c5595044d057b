package model

import "time"

// WebhookSettings are where a tenant's webhook events go; an empty URL
// sends nothing.
type WebhookSettings struct {
	TenantID string
	// AuthenticatorEventsURL receives authenticator.created, .updated and
	// .deleted.
	AuthenticatorEventsURL string
	// LogEventsURL receives Authsignal's log events (action.log_created).
	LogEventsURL string
	// PromptEventsURL receives Uplift's passkey_prompt.* events.
	PromptEventsURL string
	// MessageEventsURL, when set, receives email.created and sms.created
	// instead of the email and text message senders.
	MessageEventsURL string
	UpdatedAt        time.Time
}

// Webhook delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// Webhook streams: which settings URL a delivery goes to. StreamSync marks
// a synchronous event recorded after it was sent.
const (
	StreamAuthenticator = "authenticator"
	StreamPrompt        = "prompt"
	StreamLog           = "log"
	StreamSync          = "sync"
)

// WebhookDelivery is one event in the outbox.
type WebhookDelivery struct {
	ID       string
	TenantID string
	Stream   string
	Type     string
	// OrderKey orders deliveries: those sharing one go out one at a time,
	// oldest first ('' for none).
	OrderKey string
	// Payload is the envelope as sent.
	Payload       string
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LeaseID       string
	LeaseUntil    time.Time
	LastStatus    int
	LastResponse  string
	CreatedAt     time.Time
	DeliveredAt   time.Time
}

// WebhookAttempt is one try at a delivery.
type WebhookAttempt struct {
	DeliveryID string
	N          int
	At         time.Time
	URL        string
	// Status is the HTTP status, 0 when no response came back.
	Status int
	// Response is the start of the response body, or the error.
	Response string
	Duration time.Duration
}
