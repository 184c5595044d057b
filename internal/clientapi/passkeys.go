package clientapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/passkeyjson"
	"github.com/uplift-dev/uplift/internal/passkeys"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

type optionsResponse struct {
	ChallengeID string          `json:"challengeId"`
	Options     json.RawMessage `json:"options"`
}

// RegistrationOptions answers POST /v1/client/user-authenticators/passkey/registration-options.
func (a *API) RegistrationOptions(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	var in struct {
		Username                string   `json:"username" text:"255"`
		DisplayName             string   `json:"displayName" text:"255"`
		AuthenticatorAttachment *string  `json:"authenticatorAttachment"`
		Hints                   []string `json:"hints"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	var attachment string
	if in.AuthenticatorAttachment != nil {
		attachment = *in.AuthenticatorAttachment
	}
	o, err := a.keys.PasskeyRegistrationOptions(r.Context(), c, passkeys.PasskeyRegistrationInput{
		Username: in.Username, DisplayName: in.DisplayName, Attachment: attachment, Hints: in.Hints,
	})
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, optionsResponse{ChallengeID: o.ChallengeID, Options: o.Options})
}

// AddPasskey answers POST /v1/client/user-authenticators/passkey. A
// passkey made after a prompt the app showed on the device (the web
// component, or its own UI) records that prompt as accepted.
func (a *API) AddPasskey(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	var in struct {
		ChallengeID            string          `json:"challengeId" text:"uuid"`
		RegistrationCredential json.RawMessage `json:"registrationCredential"`
		ConditionalCreate      bool            `json:"conditionalCreate"`
		DeviceID               string          `json:"deviceId" text:"128"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	res, err := a.keys.AddPasskey(r.Context(), c, passkeys.AddPasskeyInput{
		ChallengeID: in.ChallengeID, Response: in.RegistrationCredential, ConditionalCreate: in.ConditionalCreate,
		DeviceID: in.DeviceID, UserAgent: r.UserAgent(),
	})
	if err != nil {
		return err
	}
	a.recordAccepted(r.Context(), c, in.DeviceID)
	return writeAdded(w, res)
}

// Challenge answers POST /v1/client/challenge: a username-less passkey
// sign-in for an action.
func (a *API) Challenge(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	var in struct {
		Action         string `json:"action"`
		IdempotencyKey string `json:"idempotencyKey" text:"128"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	id, err := a.keys.StartPasskeyChallenge(r.Context(), c, in.Action, in.IdempotencyKey)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, struct {
		ChallengeID string `json:"challengeId"`
	}{id})
}

// AuthenticationOptions answers POST /v1/client/user-authenticators/passkey/authentication-options.
func (a *API) AuthenticationOptions(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	var in struct {
		ChallengeID string `json:"challengeId" text:"uuid"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	o, err := a.keys.PasskeyAuthenticationOptions(r.Context(), c, in.ChallengeID)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, optionsResponse{ChallengeID: o.ChallengeID, Options: o.Options})
}

// Verify answers POST /v1/client/verify/passkey.
func (a *API) Verify(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	var in struct {
		ChallengeID              string          `json:"challengeId" text:"uuid"`
		AuthenticationCredential json.RawMessage `json:"authenticationCredential"`
		DeviceID                 string          `json:"deviceId" text:"128"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	res, err := a.keys.VerifyPasskey(r.Context(), c, passkeys.VerifyPasskeyInput{
		ChallengeID: in.ChallengeID, Response: in.AuthenticationCredential, DeviceID: in.DeviceID,
		UserAgent: r.UserAgent(), IPAddress: clientIP(r),
	})
	if err != nil {
		return err
	}
	return writeVerified(w, res)
}

// FindPasskey answers GET /v1/client/user-authenticators/passkey?credentialIds=a,b:
// the most recently verified of the tenant's passkeys among those listed.
func (a *API) FindPasskey(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	q := r.URL.Query()
	for k := range q {
		if k != "credentialIds" {
			return model.Invalid("unknown query parameter %q", k)
		}
	}
	raw := q.Get("credentialIds")
	if len(raw) > 64<<10 {
		return model.Invalid("credentialIds is too long")
	}
	ps, err := a.keys.FindPasskeys(r.Context(), c.Tenant.ID, strings.Split(raw, ","))
	if err != nil {
		return err
	}
	if c.Claims != nil {
		ps = ownedBy(ps, c.Claims.UserID)
	}
	if len(ps) == 0 {
		return model.Errorf(model.ErrNotFound, "credential_not_found", "none of these passkeys is registered")
	}
	best := ps[0]
	for _, p := range ps[1:] {
		if p.LastVerifiedAt.After(best.LastVerifiedAt) {
			best = p
		}
	}
	cred := passkeyjson.Credential(best, nil)
	return jsonapi.Write(w, http.StatusOK, struct {
		CredentialID string `json:"credentialId"`
		VerifiedAt   string `json:"verifiedAt"`
	}{cred.CredentialID, cred.VerifiedAt})
}

func ownedBy(ps []model.Passkey, userID string) []model.Passkey {
	var out []model.Passkey
	for _, p := range ps {
		if p.UserID == userID {
			out = append(out, p)
		}
	}
	return out
}

// authenticatorJSON is a user authenticator as the browser SDK's
// Authenticator type describes it.
type authenticatorJSON struct {
	UserAuthenticatorID     string                          `json:"userAuthenticatorId"`
	VerificationMethod      model.VerificationMethod        `json:"verificationMethod"`
	CreatedAt               string                          `json:"createdAt"`
	VerifiedAt              string                          `json:"verifiedAt,omitempty"`
	LastVerifiedAt          string                          `json:"lastVerifiedAt,omitempty"`
	IsDefault               bool                            `json:"isDefault"`
	Email                   string                          `json:"email,omitempty"`
	PhoneNumber             string                          `json:"phoneNumber,omitempty"`
	AuthenticatorAttachment string                          `json:"authenticatorAttachment,omitempty"`
	WebauthnCredential      *passkeyjson.WebauthnCredential `json:"webauthnCredential,omitempty"`
}

func toAuthenticatorJSON(au model.Authenticator, v *passkeys.PasskeyView) authenticatorJSON {
	out := authenticatorJSON{
		UserAuthenticatorID: au.ID, VerificationMethod: au.Method, CreatedAt: jsonapi.Time(au.CreatedAt),
		VerifiedAt: jsonapi.Time(au.VerifiedAt), LastVerifiedAt: jsonapi.Time(au.LastVerifiedAt),
		IsDefault: au.IsDefault, Email: au.Email, PhoneNumber: au.PhoneNumber,
	}
	if v != nil {
		cred := passkeyjson.Credential(v.Passkey, v.Provider)
		out.WebauthnCredential = &cred
		out.AuthenticatorAttachment = v.Passkey.Attachment
	}
	return out
}

// writeAdded answers the registration of a passkey or a security key.
func writeAdded(w http.ResponseWriter, res passkeys.AddPasskeyResult) error {
	return jsonapi.Write(w, http.StatusOK, struct {
		IsVerified          bool              `json:"isVerified"`
		AccessToken         string            `json:"accessToken"`
		UserAuthenticatorID string            `json:"userAuthenticatorId"`
		UserID              string            `json:"userId"`
		UserAuthenticator   authenticatorJSON `json:"userAuthenticator"`
	}{true, res.AccessToken, res.Authenticator.ID, res.Authenticator.UserID,
		toAuthenticatorJSON(res.Authenticator, &res.Passkey)})
}

// writeVerified answers a sign-in with a passkey or a security key.
func writeVerified(w http.ResponseWriter, res passkeys.VerifyPasskeyResult) error {
	return jsonapi.Write(w, http.StatusOK, struct {
		IsVerified          bool   `json:"isVerified"`
		AccessToken         string `json:"accessToken"`
		UserID              string `json:"userId"`
		UserAuthenticatorID string `json:"userAuthenticatorId"`
		Username            string `json:"username,omitempty"`
		UserDisplayName     string `json:"userDisplayName,omitempty"`
	}{true, res.AccessToken, res.User.ID, res.AuthenticatorID, res.User.Username, res.User.DisplayName})
}
