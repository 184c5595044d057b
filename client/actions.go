package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TrackAttributes describe one occurrence of an action. All are optional.
type TrackAttributes struct {
	// IdempotencyKey identifies the action; tracking the same key again
	// returns the action stored the first time. The server picks one when
	// it is empty.
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	// RedirectURL is where the hosted UI sends the user back to, with
	// ?token=...; it must be below one of the tenant's redirect URLs.
	RedirectURL        string `json:"redirectUrl,omitempty"`
	RedirectToSettings bool   `json:"redirectToSettings,omitempty"`
	IPAddress          string `json:"ipAddress,omitempty"`
	UserAgent          string `json:"userAgent,omitempty"`
	DeviceID           string `json:"deviceId,omitempty"`
	// Scope is a space-separated list of the Scope constants.
	Scope       string     `json:"scope,omitempty"`
	Email       string     `json:"email,omitempty"`
	PhoneNumber string     `json:"phoneNumber,omitempty"`
	Username    string     `json:"username,omitempty"`
	Custom      CustomData `json:"custom,omitempty"`
	ChallengeID string     `json:"challengeId,omitempty"`
	Locale      string     `json:"locale,omitempty"`
	// CustomDomain is accepted by Authsignal; Uplift refuses it and uses
	// its own public URL instead.
	CustomDomain string `json:"customDomain,omitempty"`
}

// TrackResponse is the tracked action's state, with the token and hosted-UI
// URL for its challenge.
type TrackResponse struct {
	IdempotencyKey              string               `json:"idempotencyKey"`
	State                       ActionState          `json:"state"`
	URL                         string               `json:"url"`
	Token                       string               `json:"token"`
	IsEnrolled                  bool                 `json:"isEnrolled"`
	EnrolledVerificationMethods []VerificationMethod `json:"enrolledVerificationMethods,omitempty"`
	AllowedVerificationMethods  []VerificationMethod `json:"allowedVerificationMethods,omitempty"`
	DefaultVerificationMethod   VerificationMethod   `json:"defaultVerificationMethod,omitempty"`
	RuleIDs                     []string             `json:"ruleIds,omitempty"`
}

// UserAction is one tracked action of a user. Times are ISO 8601 strings
// in UTC, such as "2026-01-31T09:30:00.000Z".
type UserAction struct {
	UserID                    string             `json:"userId"`
	ActionCode                string             `json:"actionCode"`
	IdempotencyKey            string             `json:"idempotencyKey"`
	State                     ActionState        `json:"state"`
	StateUpdatedAt            string             `json:"stateUpdatedAt,omitempty"`
	CreatedAt                 string             `json:"createdAt"`
	UpdatedAt                 string             `json:"updatedAt,omitempty"`
	VerificationMethod        VerificationMethod `json:"verificationMethod,omitempty"`
	VerifiedByAuthenticatorID string             `json:"verifiedByAuthenticatorId,omitempty"`
}

// Rule is a rule that matched when an action was tracked.
type Rule struct {
	RuleID      string `json:"ruleId"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// GetActionResponse is one tracked action with the rules that decided it.
type GetActionResponse struct {
	UserAction
	// PriorityRuleID is the matching rule that won, if any.
	PriorityRuleID string   `json:"priorityRuleId,omitempty"`
	RuleIDs        []string `json:"ruleIds,omitempty"`
	Rules          []Rule   `json:"rules,omitempty"`
	Output         any      `json:"output,omitempty"`
}

// QueryActionsRequest filters QueryActions. Zero fields do not filter.
type QueryActionsRequest struct {
	// FromDate keeps actions created at or after it.
	FromDate time.Time
	// ActionCodes keeps actions with one of these codes.
	ActionCodes []string
	State       ActionState
	// Limit is the most actions to return, 1 to 1000; zero leaves it to
	// the server.
	Limit int
}

// ActionAttributes are what UpdateAction changes on an action.
type ActionAttributes struct {
	State ActionState `json:"state"`
}

// UpdateActionResponse is an action's state after UpdateAction.
type UpdateActionResponse struct {
	State          ActionState `json:"state"`
	StateUpdatedAt string      `json:"stateUpdatedAt,omitempty"`
}

// ValidateRequest asks whether a token shows a successful challenge.
// UserID and Action, when set, must match the token's.
type ValidateRequest struct {
	Token  string `json:"token"`
	UserID string `json:"userId,omitempty"`
	Action string `json:"action,omitempty"`
}

// ValidateResponse says whether a token shows a successfully completed
// challenge. A token that is forged, expired or belongs to another action
// is not an error: IsValid is false and Error says why.
type ValidateResponse struct {
	IsValid        bool        `json:"isValid"`
	State          ActionState `json:"state,omitempty"`
	StateUpdatedAt string      `json:"stateUpdatedAt,omitempty"`
	UserID         string      `json:"userId,omitempty"`
	// Action is the action code, such as "signIn".
	Action             string             `json:"action,omitempty"`
	IdempotencyKey     string             `json:"idempotencyKey,omitempty"`
	VerificationMethod VerificationMethod `json:"verificationMethod,omitempty"`
	Error              string             `json:"error,omitempty"`
}

// Track records an action for a user, creating the user on first sight,
// and returns its state with a token and the hosted-UI URL for the
// challenge.
func (c *Client) Track(ctx context.Context, userID, action string, attrs TrackAttributes) (*TrackResponse, error) {
	var out TrackResponse
	if err := c.do(ctx, http.MethodPost, path("users", userID, "actions", action), nil, attrs, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetAction returns one tracked action of a user.
func (c *Client) GetAction(ctx context.Context, userID, action, idempotencyKey string) (*GetActionResponse, error) {
	var out GetActionResponse
	if err := c.do(ctx, http.MethodGet, path("users", userID, "actions", action, idempotencyKey), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// QueryActions lists a user's actions matching q, newest first.
func (c *Client) QueryActions(ctx context.Context, userID string, q QueryActionsRequest) ([]UserAction, error) {
	v := url.Values{}
	if !q.FromDate.IsZero() {
		v.Set("fromDate", q.FromDate.UTC().Format(time.RFC3339Nano))
	}
	if len(q.ActionCodes) > 0 {
		v.Set("codes", strings.Join(q.ActionCodes, ","))
	}
	if q.State != "" {
		v.Set("state", string(q.State))
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var out []UserAction
	if err := c.do(ctx, http.MethodGet, path("users", userID, "actions"), v, nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateAction sets the state of a tracked action, for example after the
// app has reviewed it.
func (c *Client) UpdateAction(ctx context.Context, userID, action, idempotencyKey string, attrs ActionAttributes) (*UpdateActionResponse, error) {
	var out UpdateActionResponse
	if err := c.do(ctx, http.MethodPatch, path("users", userID, "actions", action, idempotencyKey), nil, attrs, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Validate checks the token the hosted UI returned to the app. The
// returned Action holds the action code whether the server names it
// "action" or "actionCode".
func (c *Client) Validate(ctx context.Context, req ValidateRequest) (*ValidateResponse, error) {
	var out struct {
		ValidateResponse
		ActionCode string `json:"actionCode"`
	}
	if err := c.do(ctx, http.MethodPost, "/validate", nil, req, &out); err != nil {
		return nil, err
	}
	if out.Action == "" {
		out.Action = out.ActionCode
	}
	return &out.ValidateResponse, nil
}
