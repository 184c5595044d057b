package serverapi

import (
	"maps"
	"net/http"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/passkeyjson"
)

// authenticatorJSON is a user authenticator as the Server API shows it.
type authenticatorJSON struct {
	UserID              string                   `json:"userId"`
	UserAuthenticatorID string                   `json:"userAuthenticatorId"`
	VerificationMethod  model.VerificationMethod `json:"verificationMethod"`
	CreatedAt           string                   `json:"createdAt"`
	VerifiedAt          string                   `json:"verifiedAt,omitempty"`
	LastVerifiedAt      string                   `json:"lastVerifiedAt,omitempty"`
	Email               string                   `json:"email,omitempty"`
	PhoneNumber         string                   `json:"phoneNumber,omitempty"`
	IsDefault           bool                     `json:"isDefault"`
	// WebauthnCredential describes a PASSKEY or SECURITY_KEY
	// authenticator's credential.
	WebauthnCredential *passkeyjson.WebauthnCredential `json:"webauthnCredential,omitempty"`
}

func toAuthenticatorJSON(a model.Authenticator) authenticatorJSON {
	return authenticatorJSON{
		UserID: a.UserID, UserAuthenticatorID: a.ID, VerificationMethod: a.Method,
		CreatedAt: jsonapi.Time(a.CreatedAt), VerifiedAt: jsonapi.Time(a.VerifiedAt),
		LastVerifiedAt: jsonapi.Time(a.LastVerifiedAt), Email: a.Email, PhoneNumber: a.PhoneNumber,
		IsDefault: a.IsDefault,
	}
}

// ListAuthenticators answers GET /v1/users/{userId}/authenticators.
func (a *API) ListAuthenticators(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if err := checkQuery(r); err != nil {
		return err
	}
	// A user the tenant does not have, or has deleted, has no
	// authenticators: 200 with an empty list, as Authsignal answers.
	auths, err := a.svc.Authenticators(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	passkeys, err := a.keys.UserPasskeys(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	securityKeys, err := a.keys.UserSecurityKeys(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	maps.Copy(passkeys, securityKeys)
	out := []authenticatorJSON{}
	for _, au := range auths {
		j := toAuthenticatorJSON(au)
		if v, ok := passkeys[au.ID]; ok {
			cred := passkeyjson.Credential(v.Passkey, v.Provider)
			j.WebauthnCredential = &cred
		}
		out = append(out, j)
	}
	return jsonapi.Write(w, http.StatusOK, out)
}

type enrollRequest struct {
	VerificationMethod model.VerificationMethod `json:"verificationMethod"`
	Email              string                   `json:"email"`
	PhoneNumber        string                   `json:"phoneNumber"`
	IsDefault          bool                     `json:"isDefault"`
}

// EnrollAuthenticator answers POST /v1/users/{userId}/authenticators: it
// enrols an email or phone number the app has verified itself.
func (a *API) EnrollAuthenticator(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var in enrollRequest
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	au, err := a.svc.EnrollVerified(r.Context(), t.ID, id, model.Authenticator{
		Method: in.VerificationMethod, Email: in.Email, PhoneNumber: in.PhoneNumber, IsDefault: in.IsDefault,
	})
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, struct {
		Authenticator authenticatorJSON `json:"authenticator"`
	}{toAuthenticatorJSON(au)})
}

// DeleteAuthenticator answers DELETE /v1/users/{userId}/authenticators/{userAuthenticatorId}.
func (a *API) DeleteAuthenticator(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	authID := r.PathValue("userAuthenticatorId")
	if !model.ValidUUID(authID) {
		return model.NotFound("authenticator not found")
	}
	if err := a.svc.DeleteAuthenticator(r.Context(), t.ID, id, authID); err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, struct{}{})
}
