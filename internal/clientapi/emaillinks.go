package clientapi

import (
	"net/http"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// EnrollEmailLink answers POST /v1/client/user-authenticators/email-magic-link
// {email}: it sends a link to the address; opening it completes the
// enrolment.
func (a *API) EnrollEmailLink(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	var in struct {
		Email string `json:"email"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	e, err := a.codes.EnrollEmailLink(r.Context(), c, in.Email)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, enrollResponse{UserAuthenticatorID: e.AuthenticatorID, UserID: e.UserID})
}

// ChallengeEmailLink answers POST /v1/client/challenge/email-magic-link:
// it sends a link to the user's email link authenticator.
func (a *API) ChallengeEmailLink(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	if err := jsonapi.Decode(r, &struct{}{}); err != nil {
		return err
	}
	id, err := a.codes.ChallengeEmailLink(r.Context(), c)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, struct {
		ChallengeID string `json:"challengeId"`
	}{id})
}

// FinalizeEmailLink answers POST /v1/client/verify/email-magic-link/finalize
// {}, which the browser SDK's checkVerificationStatus polls every second:
// isVerified false until the action's newest link is opened, then true
// with a new token for the action.
func (a *API) FinalizeEmailLink(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	if err := jsonapi.Decode(r, &struct{}{}); err != nil {
		return err
	}
	res, err := a.codes.EmailLinkStatus(r.Context(), c)
	if err != nil {
		return err
	}
	return writeVerification(w, res)
}
