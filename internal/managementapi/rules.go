package managementapi

import (
	"encoding/json"
	"net/http"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
)

type ruleJSON struct {
	RuleID                            string                     `json:"ruleId"`
	TenantID                          string                     `json:"tenantId"`
	ActionCode                        string                     `json:"actionCode"`
	Name                              string                     `json:"name"`
	Description                       string                     `json:"description"`
	IsActive                          bool                       `json:"isActive"`
	Priority                          int                        `json:"priority"`
	Type                              model.Outcome              `json:"type"`
	VerificationMethods               []model.VerificationMethod `json:"verificationMethods"`
	DefaultVerificationMethod         model.VerificationMethod   `json:"defaultVerificationMethod,omitempty"`
	PromptToEnrollVerificationMethods []model.VerificationMethod `json:"promptToEnrollVerificationMethods"`
	DisablePromptToEnroll             bool                       `json:"disablePromptToEnroll"`
	Conditions                        json.RawMessage            `json:"conditions"`
	CreatedAt                         string                     `json:"createdAt"`
	UpdatedAt                         string                     `json:"updatedAt"`
}

func toRuleJSON(r model.Rule) ruleJSON {
	return ruleJSON{
		RuleID: r.ID, TenantID: r.TenantID, ActionCode: r.ActionCode, Name: r.Name, Description: r.Description,
		IsActive: r.IsActive, Priority: r.Priority, Type: r.Outcome,
		VerificationMethods: nonNil(r.VerificationMethods), DefaultVerificationMethod: r.DefaultMethod,
		PromptToEnrollVerificationMethods: nonNil(r.PromptToEnrollMethods), Conditions: r.Conditions,
		DisablePromptToEnroll: r.DisablePromptToEnroll,
		CreatedAt:             jsonapi.Time(r.CreatedAt), UpdatedAt: jsonapi.Time(r.UpdatedAt),
	}
}

// ruleInput is the body of create and update; absent fields keep their
// value on update.
type ruleInput struct {
	Name                              optional[string]                     `json:"name" text:"100"`
	Description                       optional[string]                     `json:"description" text:"free,1000"`
	IsActive                          optional[bool]                       `json:"isActive"`
	Priority                          optional[int]                        `json:"priority"`
	Type                              optional[model.Outcome]              `json:"type"`
	VerificationMethods               optional[[]model.VerificationMethod] `json:"verificationMethods"`
	DefaultVerificationMethod         optional[model.VerificationMethod]   `json:"defaultVerificationMethod"`
	PromptToEnrollVerificationMethods optional[[]model.VerificationMethod] `json:"promptToEnrollVerificationMethods"`
	DisablePromptToEnroll             optional[bool]                       `json:"disablePromptToEnroll"`
	Conditions                        optional[json.RawMessage]            `json:"conditions" text:"free"`
	ActionCode                        optional[string]                     `json:"actionCode"`
	RuleID                            optional[string]                     `json:"ruleId"`
	TenantID                          optional[string]                     `json:"tenantId"`
}

func (in ruleInput) apply(r *model.Rule) {
	in.Name.apply(&r.Name)
	in.Description.apply(&r.Description)
	in.IsActive.apply(&r.IsActive)
	in.Priority.apply(&r.Priority)
	in.Type.apply(&r.Outcome)
	in.VerificationMethods.apply(&r.VerificationMethods)
	in.DefaultVerificationMethod.apply(&r.DefaultMethod)
	in.PromptToEnrollVerificationMethods.apply(&r.PromptToEnrollMethods)
	in.DisablePromptToEnroll.apply(&r.DisablePromptToEnroll)
	if in.Conditions.Set {
		r.Conditions = in.Conditions.Value
	}
}

// checkIdentity refuses bodies that try to move a rule elsewhere.
func (in ruleInput) checkIdentity(t model.Tenant, code, id string) error {
	switch {
	case in.ActionCode.Set && in.ActionCode.Value != code:
		return model.Invalid("actionCode in the body does not match the path")
	case in.TenantID.Set && in.TenantID.Value != t.ID:
		return model.Invalid("tenantId in the body does not match the caller's tenant")
	case in.RuleID.Set && in.RuleID.Value != id:
		return model.Invalid("ruleId cannot be set")
	}
	return nil
}

// rulePath reads the {actionCode} and {ruleId} path values.
func rulePath(r *http.Request) (code, id string, err error) {
	if code, err = actionCode(r); err != nil {
		return "", "", err
	}
	id = r.PathValue("ruleId")
	if !model.ValidUUID(id) {
		return "", "", model.NotFound("rule not found")
	}
	return code, id, nil
}

// ListRules answers GET /v1/management/action-configurations/{actionCode}/rules.
func (a *API) ListRules(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	code, err := actionCode(r)
	if err != nil {
		return err
	}
	if _, err := a.policy.ActionConfig(r.Context(), t.ID, code); err != nil {
		return err
	}
	rules, err := a.policy.Rules(r.Context(), t.ID, code)
	if err != nil {
		return err
	}
	out := []ruleJSON{}
	for _, ru := range rules {
		out = append(out, toRuleJSON(ru))
	}
	return jsonapi.Write(w, http.StatusOK, out)
}

// CreateRule answers POST /v1/management/action-configurations/{actionCode}/rules.
func (a *API) CreateRule(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	code, err := actionCode(r)
	if err != nil {
		return err
	}
	var in ruleInput
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	if err := in.checkIdentity(t, code, ""); err != nil {
		return err
	}
	ru := model.Rule{ActionCode: code, IsActive: true, Outcome: model.OutcomeChallenge}
	in.apply(&ru)
	if !in.Priority.Set {
		return model.Invalid("priority is required (0 to 99, lower wins)")
	}
	ru, err = a.policy.CreateRule(r.Context(), t, ru)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusCreated, toRuleJSON(ru))
}

// GetRule answers GET /v1/management/action-configurations/{actionCode}/rules/{ruleId}.
func (a *API) GetRule(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	code, id, err := rulePath(r)
	if err != nil {
		return err
	}
	ru, err := a.policy.Rule(r.Context(), t.ID, code, id)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, toRuleJSON(ru))
}

// UpdateRule answers PATCH /v1/management/action-configurations/{actionCode}/rules/{ruleId}.
func (a *API) UpdateRule(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	code, id, err := rulePath(r)
	if err != nil {
		return err
	}
	var in ruleInput
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	if err := in.checkIdentity(t, code, id); err != nil {
		return err
	}
	ru, err := a.policy.UpdateRule(r.Context(), t, code, id, in.apply)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, toRuleJSON(ru))
}

// DeleteRule answers DELETE /v1/management/action-configurations/{actionCode}/rules/{ruleId}.
func (a *API) DeleteRule(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	code, id, err := rulePath(r)
	if err != nil {
		return err
	}
	if err := a.policy.DeleteRule(r.Context(), t.ID, code, id); err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, map[string]bool{"success": true})
}
