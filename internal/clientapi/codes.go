package clientapi

import (
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/uplift-dev/uplift/internal/codes"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// enrollResponse is the browser SDK's EnrollResponse: the authenticator
// that verifying the code will complete.
type enrollResponse struct {
	UserAuthenticatorID string `json:"userAuthenticatorId"`
	UserID              string `json:"userId"`
}

// verifyCodeResponse is the browser SDK's VerifyResponse for codes.
type verifyCodeResponse struct {
	IsVerified    bool   `json:"isVerified"`
	AccessToken   string `json:"accessToken,omitempty"`
	FailureReason string `json:"failureReason,omitempty"`
	// UserAuthenticator is present when the code completed an enrolment.
	UserAuthenticator *authenticatorJSON `json:"userAuthenticator,omitempty"`
}

// EnrollEmail answers POST /v1/client/user-authenticators/email-otp
// {email}: it sends a code to the address.
func (a *API) EnrollEmail(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	var in struct {
		Email string `json:"email"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	return a.enrollContact(w, r, c, model.MethodEmailOTP, in.Email)
}

// EnrollSMS answers POST /v1/client/user-authenticators/sms {phoneNumber}:
// it sends a code to the number.
func (a *API) EnrollSMS(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	var in struct {
		PhoneNumber string `json:"phoneNumber"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	return a.enrollContact(w, r, c, model.MethodSMS, in.PhoneNumber)
}

func (a *API) enrollContact(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller, m model.VerificationMethod, address string) error {
	e, err := a.codes.EnrollContact(r.Context(), c, m, address)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, enrollResponse{UserAuthenticatorID: e.AuthenticatorID, UserID: e.UserID})
}

// EnrollApp answers POST /v1/client/user-authenticators/totp: the
// SDK's EnrollTotpResponse (uri and secret) plus qrCode, the URI as a PNG
// data URL ready for an <img>.
func (a *API) EnrollApp(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	if err := jsonapi.Decode(r, &struct{}{}); err != nil {
		return err
	}
	e, err := a.codes.EnrollApp(r.Context(), c)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, struct {
		enrollResponse
		URI    string `json:"uri"`
		Secret string `json:"secret"`
		QRCode string `json:"qrCode"`
	}{enrollResponse{e.AuthenticatorID, e.UserID}, e.URI, e.Secret,
		"data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QRCodePNG)})
}

// ChallengeEmail answers POST /v1/client/challenge/email-otp: it sends a
// code to the user's email authenticator.
func (a *API) ChallengeEmail(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	if err := jsonapi.Decode(r, &struct{}{}); err != nil {
		return err
	}
	return a.challengeContact(w, r, c, model.MethodEmailOTP)
}

// ChallengeSMS answers POST /v1/client/challenge/sms {smsChannel?}: it
// sends a code to the user's phone authenticator. Only the DEFAULT
// channel (a plain text message) is offered.
func (a *API) ChallengeSMS(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	var in struct {
		SMSChannel string `json:"smsChannel"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	if in.SMSChannel != "" && in.SMSChannel != "DEFAULT" {
		return model.Invalid("smsChannel %q is not offered; leave it out or send DEFAULT", in.SMSChannel)
	}
	return a.challengeContact(w, r, c, model.MethodSMS)
}

func (a *API) challengeContact(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller, m model.VerificationMethod) error {
	id, err := a.codes.ChallengeContact(r.Context(), c, m)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, struct {
		ChallengeID string `json:"challengeId"`
	}{id})
}

// verifyCodeRequest is the body of every code verification.
type verifyCodeRequest struct {
	VerificationCode string `json:"verificationCode"`
}

// VerifyEmail answers POST /v1/client/verify/email-otp {verificationCode}.
func (a *API) VerifyEmail(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	return a.verifyContact(w, r, c, model.MethodEmailOTP)
}

// VerifySMS answers POST /v1/client/verify/sms {verificationCode}.
func (a *API) VerifySMS(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	return a.verifyContact(w, r, c, model.MethodSMS)
}

func (a *API) verifyContact(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller, m model.VerificationMethod) error {
	var in verifyCodeRequest
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	res, err := a.codes.VerifyContact(r.Context(), c, m, in.VerificationCode)
	if err != nil {
		return err
	}
	return writeVerification(w, res)
}

// VerifyApp answers POST /v1/client/verify/totp {verificationCode}.
func (a *API) VerifyApp(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	var in verifyCodeRequest
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	res, err := a.codes.VerifyApp(r.Context(), c, in.VerificationCode)
	if err != nil {
		return err
	}
	return writeVerification(w, res)
}

// writeVerification answers a code verification: a wrong code is a 200
// with isVerified false and the reason, as the SDK expects. A code refused
// because the method is locked (TOO_MANY_ATTEMPTS) also says, in
// Retry-After, how long the lock lasts.
func writeVerification(w http.ResponseWriter, res codes.CodeVerification) error {
	if res.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(res.RetryAfter.Seconds())))
	}
	out := verifyCodeResponse{IsVerified: res.IsVerified, AccessToken: res.AccessToken, FailureReason: res.FailureReason}
	if res.Authenticator != nil {
		au := toAuthenticatorJSON(*res.Authenticator, nil)
		out.UserAuthenticator = &au
	}
	return jsonapi.Write(w, http.StatusOK, out)
}

// setRetryAfter adds a Retry-After header, in whole seconds, to the
// answer to a caller refused for sending codes too often.
func setRetryAfter(w http.ResponseWriter, err error) {
	if d, ok := codes.RetryAfter(err); ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(d.Seconds())))
	}
}
