package managementapi

import (
	"net/http"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// SetWebhooks gives the action configurations their action.verify
// webhook (verificationWebhookUrl), kept by the webhook service.
func (a *API) SetWebhooks(w *webhooks.Service) { a.webhooks = w }

// checkWebhook refuses a verificationWebhookUrl that is not allowed,
// before anything is written.
func (a *API) checkWebhook(in actionConfigInput) error {
	if !in.VerificationWebhookURL.Set || a.webhooks == nil {
		return nil
	}
	return webhooks.CheckURL("verificationWebhookUrl", in.VerificationWebhookURL.Value, a.webhooks.AllowPrivate())
}

// setWebhook stores the verificationWebhookUrl the input carries, if any.
func (a *API) setWebhook(r *http.Request, t model.Tenant, code string, in actionConfigInput) error {
	if !in.VerificationWebhookURL.Set || a.webhooks == nil {
		return nil
	}
	return a.webhooks.SetActionVerificationURL(r.Context(), t.ID, code, in.VerificationWebhookURL.Value)
}

// withWebhook adds the configuration's verificationWebhookUrl to j.
func (a *API) withWebhook(r *http.Request, j actionConfigJSON) (actionConfigJSON, error) {
	if a.webhooks == nil {
		return j, nil
	}
	u, err := a.webhooks.ActionVerificationURL(r.Context(), j.TenantID, j.ActionCode)
	j.VerificationWebhookURL = u
	return j, err
}
