package serverapi

import (
	"net/http"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
)

// challengeJSON is @authsignal/node's GetChallengeResponse.
type challengeJSON struct {
	ChallengeID        string                   `json:"challengeId"`
	ExpiresAt          int64                    `json:"expiresAt"`
	VerificationMethod model.VerificationMethod `json:"verificationMethod"`
	SMSChannel         string                   `json:"smsChannel,omitempty"`
	PhoneNumber        string                   `json:"phoneNumber,omitempty"`
	Email              string                   `json:"email,omitempty"`
	Action             string                   `json:"action,omitempty"`
}

// GetChallenge answers GET /v1/challenges?challengeId=&userId=&action=&verificationMethod=
// with a code challenge of the tenant, expiresAt in Unix seconds: the one
// with that id, or the newest of that user's (of that action and method,
// when given).
func (a *API) GetChallenge(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	if err := checkQuery(r, "challengeId", "userId", "action", "verificationMethod"); err != nil {
		return err
	}
	q := r.URL.Query()
	ch, err := a.svc.FindChallenge(r.Context(), t.ID, model.ChallengeQuery{
		ID: q.Get("challengeId"), UserID: q.Get("userId"), ActionCode: q.Get("action"),
		Method: model.VerificationMethod(q.Get("verificationMethod")),
	})
	if err != nil {
		return err
	}
	out := challengeJSON{
		ChallengeID: ch.ID, ExpiresAt: ch.ExpiresAt.Unix(), VerificationMethod: ch.Method,
		PhoneNumber: ch.PhoneNumber, Email: ch.Email, Action: ch.ActionCode,
	}
	if ch.Method == model.MethodSMS {
		out.SMSChannel = "DEFAULT"
	}
	return jsonapi.Write(w, http.StatusOK, out)
}

// ClaimChallenge answers POST /v1/claim {challengeId, userId,
// skipVerificationCheck} with @authsignal/node's ClaimChallengeResponse
// {token, verificationMethod}, plus the claimed action's state and
// idempotencyKey. It tracks the challenge's action for the user with the
// challenge (as track with challengeId does), so validate then reports
// that action. skipVerificationCheck lets a challenge whose code was not
// verified be claimed; it is honoured here only, where the caller holds
// the secret key.
func (a *API) ClaimChallenge(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	var in struct {
		ChallengeID           string `json:"challengeId" text:"uuid"`
		UserID                string `json:"userId"`
		SkipVerificationCheck bool   `json:"skipVerificationCheck"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	if in.ChallengeID == "" {
		return model.Invalid("challengeId is required")
	}
	res, err := a.svc.ClaimChallenge(r.Context(), t, in.ChallengeID, in.UserID, in.SkipVerificationCheck)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, struct {
		Token              string                   `json:"token"`
		VerificationMethod model.VerificationMethod `json:"verificationMethod"`
		State              model.ActionState        `json:"state"`
		IdempotencyKey     string                   `json:"idempotencyKey"`
	}{res.Token, res.Method, res.Action.State, res.Action.IdempotencyKey})
}
