package managementapi

import (
	"net/http"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
)

type actionConfigJSON struct {
	TenantID                          string                     `json:"tenantId"`
	ActionCode                        string                     `json:"actionCode"`
	DefaultUserActionResult           model.Outcome              `json:"defaultUserActionResult"`
	VerificationMethods               []model.VerificationMethod `json:"verificationMethods"`
	DefaultVerificationMethod         model.VerificationMethod   `json:"defaultVerificationMethod,omitempty"`
	PromptToEnrollVerificationMethods []model.VerificationMethod `json:"promptToEnrollVerificationMethods"`
	DisablePromptToEnroll             bool                       `json:"disablePromptToEnroll"`
	RedirectURL                       string                     `json:"redirectUrl,omitempty"`
	VerificationWebhookURL            string                     `json:"verificationWebhookUrl,omitempty"`
	CreatedAt                         string                     `json:"createdAt"`
	UpdatedAt                         string                     `json:"updatedAt"`
	LastActionCreatedAt               string                     `json:"lastActionCreatedAt,omitempty"`
}

func toActionConfigJSON(c model.ActionConfig) actionConfigJSON {
	return actionConfigJSON{
		TenantID: c.TenantID, ActionCode: c.Code, DefaultUserActionResult: c.DefaultOutcome,
		VerificationMethods: nonNil(c.VerificationMethods), DefaultVerificationMethod: c.DefaultMethod,
		PromptToEnrollVerificationMethods: nonNil(c.PromptToEnrollMethods), RedirectURL: c.RedirectURL,
		DisablePromptToEnroll: c.DisablePromptToEnroll,
		CreatedAt:             jsonapi.Time(c.CreatedAt), UpdatedAt: jsonapi.Time(c.UpdatedAt),
		LastActionCreatedAt: jsonapi.Time(c.LastActionCreatedAt),
	}
}

// actionConfigInput is the body of create and update; absent fields keep
// their value on update.
type actionConfigInput struct {
	ActionCode                        optional[string]                     `json:"actionCode"`
	DefaultUserActionResult           optional[model.Outcome]              `json:"defaultUserActionResult"`
	VerificationMethods               optional[[]model.VerificationMethod] `json:"verificationMethods"`
	DefaultVerificationMethod         optional[model.VerificationMethod]   `json:"defaultVerificationMethod"`
	PromptToEnrollVerificationMethods optional[[]model.VerificationMethod] `json:"promptToEnrollVerificationMethods"`
	DisablePromptToEnroll             optional[bool]                       `json:"disablePromptToEnroll"`
	RedirectURL                       optional[string]                     `json:"redirectUrl" text:"2048"`
	VerificationWebhookURL            optional[string]                     `json:"verificationWebhookUrl" text:"2048"`
}

func (in actionConfigInput) apply(c *model.ActionConfig) {
	in.DefaultUserActionResult.apply(&c.DefaultOutcome)
	in.VerificationMethods.apply(&c.VerificationMethods)
	in.DefaultVerificationMethod.apply(&c.DefaultMethod)
	in.PromptToEnrollVerificationMethods.apply(&c.PromptToEnrollMethods)
	in.DisablePromptToEnroll.apply(&c.DisablePromptToEnroll)
	in.RedirectURL.apply(&c.RedirectURL)
}

// ListActionConfigs answers GET /v1/management/action-configurations.
func (a *API) ListActionConfigs(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	cs, err := a.policy.ActionConfigs(r.Context(), t.ID)
	if err != nil {
		return err
	}
	out := []actionConfigJSON{}
	for _, c := range cs {
		j, err := a.withWebhook(r, toActionConfigJSON(c))
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	return jsonapi.Write(w, http.StatusOK, out)
}

// CreateActionConfig answers POST /v1/management/action-configurations.
func (a *API) CreateActionConfig(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	var in actionConfigInput
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	if !in.ActionCode.Set {
		return model.Invalid("actionCode is required")
	}
	if err := a.checkWebhook(in); err != nil {
		return err
	}
	c := model.ActionConfig{Code: in.ActionCode.Value}
	in.apply(&c)
	c, err := a.policy.CreateActionConfig(r.Context(), t, c)
	if err != nil {
		return err
	}
	if err := a.setWebhook(r, t, c.Code, in); err != nil {
		return err
	}
	j, err := a.withWebhook(r, toActionConfigJSON(c))
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusCreated, j)
}

// GetActionConfig answers GET /v1/management/action-configurations/{actionCode}.
func (a *API) GetActionConfig(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	code, err := actionCode(r)
	if err != nil {
		return err
	}
	c, err := a.policy.ActionConfig(r.Context(), t.ID, code)
	if err != nil {
		return err
	}
	j, err := a.withWebhook(r, toActionConfigJSON(c))
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, j)
}

// UpdateActionConfig answers PATCH /v1/management/action-configurations/{actionCode}.
func (a *API) UpdateActionConfig(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	code, err := actionCode(r)
	if err != nil {
		return err
	}
	var in actionConfigInput
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	if in.ActionCode.Set && in.ActionCode.Value != code {
		return model.Invalid("actionCode cannot be changed")
	}
	if err := a.checkWebhook(in); err != nil {
		return err
	}
	c, err := a.policy.UpdateActionConfig(r.Context(), t, code, in.apply)
	if err != nil {
		return err
	}
	if err := a.setWebhook(r, t, c.Code, in); err != nil {
		return err
	}
	j, err := a.withWebhook(r, toActionConfigJSON(c))
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, j)
}

// DeleteActionConfig answers DELETE /v1/management/action-configurations/{actionCode}.
func (a *API) DeleteActionConfig(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	code, err := actionCode(r)
	if err != nil {
		return err
	}
	if err := a.policy.DeleteActionConfig(r.Context(), t.ID, code); err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, map[string]bool{"success": true})
}
