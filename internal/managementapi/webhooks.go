package managementapi

import (
	"net/http"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// Webhooks serves a tenant's webhook settings at /v1/management/webhooks.
type Webhooks struct {
	svc *webhooks.Service
}

// NewWebhooks returns the webhook settings endpoints over svc.
func NewWebhooks(svc *webhooks.Service) *Webhooks { return &Webhooks{svc: svc} }

// webhooksJSON is the settings as the Management API spells them.
type webhooksJSON struct {
	AuthenticatorEventsURL string `json:"authenticatorEventsUrl"`
	LogEventsURL           string `json:"logEventsUrl"`
	PromptEventsURL        string `json:"promptEventsUrl"`
	MessageEventsURL       string `json:"messageEventsUrl"`
}

func toWebhooksJSON(s model.WebhookSettings) webhooksJSON {
	return webhooksJSON{AuthenticatorEventsURL: s.AuthenticatorEventsURL, LogEventsURL: s.LogEventsURL,
		PromptEventsURL: s.PromptEventsURL, MessageEventsURL: s.MessageEventsURL}
}

// Get answers GET /v1/management/webhooks.
func (h *Webhooks) Get(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	s, err := h.svc.Settings(r.Context(), t.ID)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, toWebhooksJSON(s))
}

// Update answers PATCH /v1/management/webhooks: fields left out stay as
// they are; an empty string or null turns those events off.
func (h *Webhooks) Update(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	var in struct {
		AuthenticatorEventsURL optional[string] `json:"authenticatorEventsUrl"`
		LogEventsURL           optional[string] `json:"logEventsUrl"`
		PromptEventsURL        optional[string] `json:"promptEventsUrl"`
		MessageEventsURL       optional[string] `json:"messageEventsUrl"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	ptr := func(o optional[string]) *string {
		if !o.Set {
			return nil
		}
		return &o.Value
	}
	s, err := h.svc.UpdateSettings(r.Context(), t.ID, webhooks.SettingsChange{
		AuthenticatorEventsURL: ptr(in.AuthenticatorEventsURL), LogEventsURL: ptr(in.LogEventsURL),
		PromptEventsURL: ptr(in.PromptEventsURL), MessageEventsURL: ptr(in.MessageEventsURL),
	})
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, toWebhooksJSON(s))
}

// webhookDeliveryJSON is one delivery with its attempts.
type webhookDeliveryJSON struct {
	ID           string               `json:"id"`
	Type         string               `json:"type"`
	Status       string               `json:"status"`
	Attempts     int                  `json:"attempts"`
	LastStatus   int                  `json:"lastStatusCode"`
	LastResponse string               `json:"lastResponse"`
	CreatedAt    string               `json:"createdAt"`
	NextAttempt  string               `json:"nextAttemptAt,omitempty"`
	DeliveredAt  string               `json:"deliveredAt,omitempty"`
	Log          []webhookAttemptJSON `json:"attemptLog,omitempty"`
}

type webhookAttemptJSON struct {
	N          int    `json:"attempt"`
	At         string `json:"at"`
	StatusCode int    `json:"statusCode"`
	Response   string `json:"response"`
	DurationMs int64  `json:"durationMs"`
}

func toDeliveryJSON(d model.WebhookDelivery, as []model.WebhookAttempt) webhookDeliveryJSON {
	j := webhookDeliveryJSON{ID: d.ID, Type: d.Type, Status: d.Status, Attempts: d.Attempts, LastStatus: d.LastStatus,
		LastResponse: d.LastResponse, CreatedAt: jsonapi.Time(d.CreatedAt), DeliveredAt: jsonapi.Time(d.DeliveredAt)}
	if d.Status == model.DeliveryPending {
		j.NextAttempt = jsonapi.Time(d.NextAttemptAt)
	}
	for _, a := range as {
		j.Log = append(j.Log, webhookAttemptJSON{N: a.N, At: jsonapi.Time(a.At), StatusCode: a.Status, Response: a.Response,
			DurationMs: a.Duration.Milliseconds()})
	}
	return j
}

// maxDeliveriesListed bounds GET /v1/management/webhooks/deliveries.
const maxDeliveriesListed = 100

// Deliveries answers GET /v1/management/webhooks/deliveries: the latest
// deliveries, newest first, without their attempt logs.
func (h *Webhooks) Deliveries(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	ds, err := h.svc.Deliveries(r.Context(), t.ID, maxDeliveriesListed)
	if err != nil {
		return err
	}
	out := []webhookDeliveryJSON{}
	for _, d := range ds {
		out = append(out, toDeliveryJSON(d, nil))
	}
	return jsonapi.Write(w, http.StatusOK, out)
}

// Delivery answers GET /v1/management/webhooks/deliveries/{id} with the
// delivery's attempts.
func (h *Webhooks) Delivery(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	d, err := h.svc.Delivery(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, toDeliveryJSON(d.WebhookDelivery, d.Attempts))
}

// Resend answers POST /v1/management/webhooks/deliveries/{id}/resend.
func (h *Webhooks) Resend(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	if err := h.svc.Resend(r.Context(), t.ID, r.PathValue("id")); err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, map[string]bool{"success": true})
}
