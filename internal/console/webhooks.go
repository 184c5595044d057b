package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/uplift-dev/uplift/internal/admin"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// webhooksPath is the webhooks page: where events go, and the latest
// deliveries.
const webhooksPath = admin.ConsolePath + "/webhooks"

// deliveriesShown is how many of the latest deliveries the page lists.
const deliveriesShown = 50

// SetWebhooks gives the console the tenant's webhook settings and
// deliveries.
func (c *Console) SetWebhooks(w *webhooks.Service) { c.webhooks = w }

// webhookFields are the page's URL fields, as the Management API names
// them, with their labels.
var webhookFields = []struct{ Name, Label, Hint string }{
	{"authenticatorEventsUrl", "Authenticator events URL", "authenticator.created, .updated and .deleted."},
	{"promptEventsUrl", "Passkey prompt events URL", "passkey_prompt.shown, .accepted, .dismissed and .failed."},
	{"messageEventsUrl", "Codes URL", "email.created and sms.created: codes go here instead of email and text messages."},
	{"logEventsUrl", "Log events URL", "action.log_created: a snapshot of each action that reaches a final state."},
}

// webhookField is one URL field as shown.
type webhookField struct {
	Name, Label, Hint, Value, Problem string
}

// deliveryRow is one delivery as listed.
type deliveryRow struct {
	model.WebhookDelivery
	ResendURL string
}

// webhooksView is what webhooks.html shows.
type webhooksView struct {
	Fields     []webhookField
	Deliveries []deliveryRow
}

func settingsValue(s model.WebhookSettings, name string) string {
	switch name {
	case "authenticatorEventsUrl":
		return s.AuthenticatorEventsURL
	case "promptEventsUrl":
		return s.PromptEventsURL
	case "messageEventsUrl":
		return s.MessageEventsURL
	}
	return s.LogEventsURL
}

// Webhooks shows where the tenant's events go and the latest deliveries.
func (c *Console) Webhooks(w http.ResponseWriter, r *http.Request, s *Session) error {
	set, err := c.webhooks.Settings(r.Context(), s.Tenant.ID)
	if err != nil {
		return err
	}
	values := map[string]string{}
	for _, f := range webhookFields {
		values[f.Name] = settingsValue(set, f.Name)
	}
	return c.renderWebhooks(w, r, s, http.StatusOK, values, nil, "")
}

func (c *Console) renderWebhooks(w http.ResponseWriter, r *http.Request, s *Session, status int, values map[string]string, problems fieldErrors, errText string) error {
	ds, err := c.webhooks.Deliveries(r.Context(), s.Tenant.ID, deliveriesShown)
	if err != nil {
		return err
	}
	v := webhooksView{}
	for _, f := range webhookFields {
		v.Fields = append(v.Fields, webhookField{Name: f.Name, Label: f.Label, Hint: f.Hint, Value: values[f.Name], Problem: problems[f.Name]})
	}
	for _, d := range ds {
		row := deliveryRow{WebhookDelivery: d}
		if d.Status != model.DeliveryPending && d.Stream != model.StreamSync {
			row.ResendURL = webhooksPath + "/deliveries/" + d.ID + "/resend"
		}
		v.Deliveries = append(v.Deliveries, row)
	}
	c.render(w, r, status, "webhooks", s, View{Title: "Webhooks", Section: "webhooks", Error: errText, Data: v})
	return nil
}

// SaveWebhooks stores where the tenant's events go.
func (c *Console) SaveWebhooks(w http.ResponseWriter, r *http.Request, s *Session) error {
	values := map[string]string{}
	for _, f := range webhookFields {
		values[f.Name] = strings.TrimSpace(r.PostFormValue(f.Name))
	}
	ch := webhooks.SettingsChange{AuthenticatorEventsURL: ptr(values["authenticatorEventsUrl"]),
		PromptEventsURL: ptr(values["promptEventsUrl"]), MessageEventsURL: ptr(values["messageEventsUrl"]),
		LogEventsURL: ptr(values["logEventsUrl"])}
	_, err := c.webhooks.UpdateSettings(r.Context(), s.Tenant.ID, ch)
	if err == nil {
		redirect(w, r, webhooksPath, "settings-saved")
		return nil
	}
	if !errors.Is(err, model.ErrInvalid) {
		return err
	}
	problems := fieldErrors{}
	for _, f := range webhookFields {
		if strings.Contains(err.Error(), f.Name) {
			problems[f.Name] = sentence(refusal(err))
		}
	}
	return c.renderWebhooks(w, r, s, http.StatusBadRequest, values, problems, notSavedText)
}

// ResendWebhook sends a finished delivery again.
func (c *Console) ResendWebhook(w http.ResponseWriter, r *http.Request, s *Session) error {
	if err := c.webhooks.Resend(r.Context(), s.Tenant.ID, r.PathValue("id")); err != nil {
		return err
	}
	redirect(w, r, webhooksPath, "webhook-resent")
	return nil
}
