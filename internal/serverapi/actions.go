package serverapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
)

// trackRequest is the body of track; its text follows jsonapi's rule
// (one line of at most 256 characters unless a text tag says otherwise).
type trackRequest struct {
	IdempotencyKey     string         `json:"idempotencyKey" text:"128"`
	RedirectURL        string         `json:"redirectUrl" text:"2048"`
	RedirectToSettings bool           `json:"redirectToSettings"`
	IPAddress          string         `json:"ipAddress" text:"128"`
	UserAgent          string         `json:"userAgent" text:"1024"`
	DeviceID           string         `json:"deviceId" text:"128"`
	Scope              string         `json:"scope"`
	Email              string         `json:"email"`
	PhoneNumber        string         `json:"phoneNumber"`
	Username           string         `json:"username" text:"255"`
	Custom             map[string]any `json:"custom" text:"1024"`
	ChallengeID        string         `json:"challengeId" text:"uuid"`
	Locale             string         `json:"locale"`
	CustomDomain       string         `json:"customDomain"`
}

type trackResponse struct {
	IdempotencyKey              string                     `json:"idempotencyKey"`
	State                       model.ActionState          `json:"state"`
	URL                         string                     `json:"url"`
	Token                       string                     `json:"token"`
	IsEnrolled                  bool                       `json:"isEnrolled"`
	EnrolledVerificationMethods []model.VerificationMethod `json:"enrolledVerificationMethods"`
	AllowedVerificationMethods  []model.VerificationMethod `json:"allowedVerificationMethods"`
	DefaultVerificationMethod   model.VerificationMethod   `json:"defaultVerificationMethod,omitempty"`
	RuleIDs                     []string                   `json:"ruleIds"`
}

// Track answers POST /v1/users/{userId}/actions/{action}.
func (a *API) Track(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var in trackRequest
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	if in.CustomDomain != "" {
		return model.Invalid("customDomain is not supported; set UPLIFT_PUBLIC_URL instead")
	}
	res, err := a.svc.Track(r.Context(), t, actions.TrackInput{
		UserID: id, ActionCode: r.PathValue("action"), IdempotencyKey: in.IdempotencyKey,
		RedirectURL: in.RedirectURL, RedirectToSettings: in.RedirectToSettings, IPAddress: in.IPAddress,
		UserAgent: in.UserAgent, DeviceID: in.DeviceID, Scope: in.Scope, Email: in.Email,
		PhoneNumber: in.PhoneNumber, Username: in.Username, Custom: in.Custom, Locale: in.Locale,
		ChallengeID: in.ChallengeID,
	})
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, trackResponse{
		IdempotencyKey: res.Action.IdempotencyKey, State: res.Action.State, URL: res.URL, Token: res.Token,
		IsEnrolled: res.IsEnrolled, EnrolledVerificationMethods: nonNil(res.EnrolledVerificationMethods),
		AllowedVerificationMethods: nonNil(res.AllowedVerificationMethods),
		DefaultVerificationMethod:  res.DefaultVerificationMethod, RuleIDs: nonNil(res.Action.RuleIDs),
	})
}

type actionJSON struct {
	UserID                    string                   `json:"userId"`
	ActionCode                string                   `json:"actionCode"`
	IdempotencyKey            string                   `json:"idempotencyKey"`
	State                     model.ActionState        `json:"state"`
	StateUpdatedAt            string                   `json:"stateUpdatedAt"`
	CreatedAt                 string                   `json:"createdAt"`
	UpdatedAt                 string                   `json:"updatedAt"`
	VerificationMethod        model.VerificationMethod `json:"verificationMethod,omitempty"`
	VerifiedByAuthenticatorID string                   `json:"verifiedByAuthenticatorId,omitempty"`
}

func toActionJSON(a model.Action) actionJSON {
	return actionJSON{
		UserID: a.UserID, ActionCode: a.Code, IdempotencyKey: a.IdempotencyKey, State: a.State,
		StateUpdatedAt: jsonapi.Time(a.StateUpdatedAt), CreatedAt: jsonapi.Time(a.CreatedAt),
		UpdatedAt: jsonapi.Time(a.UpdatedAt), VerificationMethod: a.VerificationMethod,
		VerifiedByAuthenticatorID: a.VerifiedAuthenticatorID,
	}
}

type ruleJSON struct {
	RuleID      string `json:"ruleId"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

type getActionResponse struct {
	actionJSON
	PriorityRuleID string     `json:"priorityRuleId,omitempty"`
	RuleIDs        []string   `json:"ruleIds"`
	Rules          []ruleJSON `json:"rules"`
	// Output is what the rules engine gives an action beyond its state:
	// Uplift's rules give nothing more, so it is always an empty object,
	// where an SDK expects one.
	Output map[string]any `json:"output"`
}

// loadAction reads the {action} and {idempotencyKey} path values and loads
// that action of the user.
func (a *API) loadAction(r *http.Request, t model.Tenant) (model.Action, error) {
	id, err := userID(r)
	if err != nil {
		return model.Action{}, err
	}
	code, key := r.PathValue("action"), r.PathValue("idempotencyKey")
	if !model.ValidActionCode(code) {
		return model.Action{}, model.Invalid("action must match ^[a-zA-Z0-9_-]{1,64}$")
	}
	if !model.ValidIdempotencyKey(key) {
		return model.Action{}, model.Invalid("idempotencyKey must be 1 to 128 letters, digits, '-', '_' or '.'")
	}
	act, err := a.svc.Action(r.Context(), t.ID, key)
	if err != nil {
		return model.Action{}, err
	}
	if act.UserID != id || act.Code != code {
		return model.Action{}, model.NotFound("action not found")
	}
	return act, nil
}

// GetAction answers GET /v1/users/{userId}/actions/{action}/{idempotencyKey}.
func (a *API) GetAction(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	if err := checkQuery(r); err != nil {
		return err
	}
	act, err := a.loadAction(r, t)
	if err != nil {
		return err
	}
	rules, err := a.matchedRules(r, act)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, getActionResponse{
		actionJSON: toActionJSON(act), PriorityRuleID: act.PriorityRuleID,
		RuleIDs: nonNil(act.RuleIDs), Rules: rules, Output: map[string]any{},
	})
}

// matchedRules describes the rules that matched an action, in the order
// they matched; rules deleted since are left out.
func (a *API) matchedRules(r *http.Request, act model.Action) ([]ruleJSON, error) {
	out := []ruleJSON{}
	if len(act.RuleIDs) == 0 {
		return out, nil
	}
	stored, err := a.policy.Rules(r.Context(), act.TenantID, act.Code)
	if err != nil {
		return nil, err
	}
	for _, id := range act.RuleIDs {
		for _, ru := range stored {
			if ru.ID == id {
				out = append(out, ruleJSON{RuleID: ru.ID, Name: ru.Name, Description: ru.Description})
			}
		}
	}
	return out, nil
}

// UpdateAction answers PATCH /v1/users/{userId}/actions/{action}/{idempotencyKey}
// {state}: any state @authsignal/node's UserActionState names, recorded
// in the action's history as set by the Server API. The app's backend may
// so mark a challenge succeeded (validate then vouches for it on the
// app's word, with no verificationMethod) or failed.
func (a *API) UpdateAction(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	var in struct {
		State model.ActionState `json:"state"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	if !in.State.Valid() {
		return model.Invalid("state must be one of %s", model.JoinStates(model.ActionStates))
	}
	act, err := a.loadAction(r, t)
	if err != nil {
		return err
	}
	act, err = a.svc.SetActionState(r.Context(), t.ID, act.UserID, act.Code, act.IdempotencyKey, in.State)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, struct {
		State          model.ActionState `json:"state"`
		StateUpdatedAt string            `json:"stateUpdatedAt"`
	}{act.State, jsonapi.Time(act.StateUpdatedAt)})
}

// QueryActions answers GET /v1/users/{userId}/actions?fromDate=&codes=&state=&limit=.
func (a *API) QueryActions(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if err := checkQuery(r, "fromDate", "codes", "state", "limit"); err != nil {
		return err
	}
	q := r.URL.Query()
	aq := model.ActionQuery{Limit: 100, State: model.ActionState(q.Get("state"))}
	if aq.State != "" && !aq.State.Valid() {
		return model.Invalid("unknown state %q", truncate(q.Get("state")))
	}
	if s := q.Get("codes"); s != "" {
		aq.Codes = strings.Split(s, ",")
		if len(aq.Codes) > 50 {
			return model.Invalid("codes lists at most 50 action codes")
		}
		for _, c := range aq.Codes {
			if !model.ValidActionCode(c) {
				return model.Invalid("codes must be comma-separated action codes")
			}
		}
	}
	if s := q.Get("fromDate"); s != "" {
		from, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return model.Invalid("fromDate must be an ISO 8601 date-time such as 2026-01-31T00:00:00Z")
		}
		aq.From = from
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return model.Invalid("limit must be a whole number from 1 to 1000")
		}
		aq.Limit = n
	}
	// A user the tenant does not have, or has deleted, has no actions:
	// 200 with an empty list, as Authsignal answers.
	acts, err := a.svc.QueryActions(r.Context(), t.ID, id, aq)
	if err != nil {
		return err
	}
	out := []actionJSON{}
	for _, act := range acts {
		out = append(out, toActionJSON(act))
	}
	return jsonapi.Write(w, http.StatusOK, out)
}

type validateResponse struct {
	IsValid            bool                     `json:"isValid"`
	State              model.ActionState        `json:"state,omitempty"`
	StateUpdatedAt     string                   `json:"stateUpdatedAt,omitempty"`
	UserID             string                   `json:"userId,omitempty"`
	ActionCode         string                   `json:"actionCode,omitempty"`
	Action             string                   `json:"action,omitempty"`
	IdempotencyKey     string                   `json:"idempotencyKey,omitempty"`
	VerificationMethod model.VerificationMethod `json:"verificationMethod,omitempty"`
	Error              string                   `json:"error,omitempty"`
}

// Validate answers POST /v1/validate.
func (a *API) Validate(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	var in struct {
		Token  string `json:"token" text:"4096"`
		UserID string `json:"userId"`
		Action string `json:"action"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	if len(in.Token) > 4096 {
		return model.Invalid("token is too long")
	}
	v, err := a.svc.Validate(r.Context(), t, in.Token, in.UserID, in.Action)
	if err != nil {
		return err
	}
	if v.Error != "" {
		return jsonapi.Write(w, http.StatusOK, validateResponse{Error: v.Error})
	}
	act := v.Action
	return jsonapi.Write(w, http.StatusOK, validateResponse{
		IsValid: v.IsValid, State: act.State, StateUpdatedAt: jsonapi.Time(act.StateUpdatedAt),
		UserID: act.UserID, ActionCode: act.Code, Action: act.Code, IdempotencyKey: act.IdempotencyKey,
		VerificationMethod: act.VerificationMethod,
	})
}
