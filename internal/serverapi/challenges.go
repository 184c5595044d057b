package serverapi

import (
	"net/http"
	"strconv"

	"github.com/uplift-dev/uplift/internal/codes"
	"github.com/uplift-dev/uplift/internal/i18n"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
)

// challengeRequest is @authsignal/node's ChallengeRequest. ipAddress,
// userAgent, custom and locale are accepted for compatibility; rules do
// not run at this endpoint and messages are in English, so they are not
// used.
type challengeRequest struct {
	VerificationMethod model.VerificationMethod `json:"verificationMethod"`
	Action             string                   `json:"action"`
	ChallengeID        string                   `json:"challengeId"`
	IdempotencyKey     string                   `json:"idempotencyKey" text:"128"`
	UserID             string                   `json:"userId"`
	Email              string                   `json:"email"`
	PhoneNumber        string                   `json:"phoneNumber"`
	SMSChannel         string                   `json:"smsChannel"`
	Locale             string                   `json:"locale"`
	DeviceID           string                   `json:"deviceId" text:"128"`
	IPAddress          string                   `json:"ipAddress" text:"128"`
	UserAgent          string                   `json:"userAgent" text:"1024"`
	Custom             map[string]any           `json:"custom" text:"1024"`
	Scope              string                   `json:"scope"`
}

// Challenge answers POST /v1/challenge: it sends a code to an email
// address (EMAIL_OTP) or phone number (SMS) and answers
// {challengeId, idempotencyKey, expiresAt}, expiresAt in Unix seconds.
func (a *API) Challenge(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	var in challengeRequest
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	if in.ChallengeID != "" {
		return model.Invalid("challengeId is not taken here: start a new challenge, or verify the existing one")
	}
	if whatsAppRequested(in.VerificationMethod, in.SMSChannel) {
		return errWhatsApp
	}
	if in.SMSChannel != "" && in.SMSChannel != "DEFAULT" {
		return model.Invalid("smsChannel %q is not offered; leave it out or send DEFAULT", truncate(in.SMSChannel))
	}
	ctx := r.Context()
	if l, ok := i18n.Match(in.Locale); ok {
		ctx = i18n.WithLang(ctx, l) // the code's message speaks it
	}
	ch, err := a.codes.StartServerChallenge(ctx, t, codes.ServerChallengeInput{
		Method: in.VerificationMethod, ActionCode: in.Action, IdempotencyKey: in.IdempotencyKey, UserID: in.UserID,
		Email: in.Email, PhoneNumber: in.PhoneNumber, Scope: in.Scope, DeviceID: in.DeviceID,
	})
	if err != nil {
		if d, ok := codes.RetryAfter(err); ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(d.Seconds())))
		}
		return err
	}
	return jsonapi.Write(w, http.StatusOK, struct {
		ChallengeID    string `json:"challengeId"`
		IdempotencyKey string `json:"idempotencyKey"`
		ExpiresAt      int64  `json:"expiresAt"`
	}{ch.ID, ch.IdempotencyKey, ch.ExpiresAt.Unix()})
}

// Verify answers POST /v1/verify {challengeId, verificationCode} with
// @authsignal/node's VerifyResponse. A wrong code is a 200 with isVerified
// false and failureReason; the fifth wrong code ends the challenge, and
// the tenth in a row for one user and method, in any challenges, locks
// the method (TOO_MANY_ATTEMPTS) for 15 minutes or more.
func (a *API) Verify(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	var in struct {
		ChallengeID      string `json:"challengeId" text:"uuid"`
		VerificationCode string `json:"verificationCode"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	v, err := a.codes.VerifyServerChallenge(r.Context(), t, in.ChallengeID, in.VerificationCode)
	if err != nil {
		return err
	}
	if v.RetryAfter > 0 {
		// TOO_MANY_ATTEMPTS: how long the lock lasts.
		w.Header().Set("Retry-After", strconv.Itoa(int(v.RetryAfter.Seconds())))
	}
	return jsonapi.Write(w, http.StatusOK, struct {
		IsVerified         bool                     `json:"isVerified"`
		Email              string                   `json:"email,omitempty"`
		PhoneNumber        string                   `json:"phoneNumber,omitempty"`
		VerificationMethod model.VerificationMethod `json:"verificationMethod"`
		FailureReason      string                   `json:"failureReason,omitempty"`
	}{v.IsVerified, v.Challenge.Email, v.Challenge.PhoneNumber, v.Challenge.Method, v.FailureReason})
}
