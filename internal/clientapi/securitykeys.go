package clientapi

import (
	"encoding/json"
	"net/http"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/passkeys"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// The browser SDK's security key calls post an empty object for options
// and the bare WebAuthn response (RegistrationResponseJSON or
// AuthenticationResponseJSON) to finish; options come back bare too,
// without a challenge id.

// webauthnResponseJSON is a WebAuthn response as the SDK posts it. Its
// top-level fields are named so that bad text is reported by field; the
// ceremony parses and verifies the whole.
type webauthnResponseJSON struct {
	ID                      string          `json:"id" text:"1400"`
	RawID                   string          `json:"rawId" text:"1400"`
	Type                    string          `json:"type" text:"32"`
	AuthenticatorAttachment string          `json:"authenticatorAttachment,omitempty" text:"32"`
	Response                json.RawMessage `json:"response"`
	ClientExtensionResults  json.RawMessage `json:"clientExtensionResults,omitempty"`
}

// decodeWebauthnResponse reads a bare WebAuthn response and returns it as
// JSON for the ceremony.
func decodeWebauthnResponse(r *http.Request) (json.RawMessage, error) {
	var in webauthnResponseJSON
	if err := jsonapi.Decode(r, &in); err != nil {
		return nil, err
	}
	return json.Marshal(in)
}

// SecurityKeyRegistrationOptions answers POST
// /v1/client/user-authenticators/security-key/registration-options.
func (a *API) SecurityKeyRegistrationOptions(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	if err := jsonapi.Decode(r, &struct{}{}); err != nil {
		return err
	}
	opts, err := a.keys.SecurityKeyRegistrationOptions(r.Context(), c)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, opts)
}

// AddSecurityKey answers POST /v1/client/user-authenticators/security-key.
func (a *API) AddSecurityKey(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	resp, err := decodeWebauthnResponse(r)
	if err != nil {
		return err
	}
	res, err := a.keys.AddSecurityKey(r.Context(), c, passkeys.AddSecurityKeyInput{Response: resp, UserAgent: r.UserAgent()})
	if err != nil {
		return err
	}
	return writeAdded(w, res)
}

// SecurityKeyAuthenticationOptions answers POST
// /v1/client/user-authenticators/security-key/authentication-options.
func (a *API) SecurityKeyAuthenticationOptions(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	if err := jsonapi.Decode(r, &struct{}{}); err != nil {
		return err
	}
	opts, err := a.keys.SecurityKeyAuthenticationOptions(r.Context(), c)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, opts)
}

// VerifySecurityKey answers POST /v1/client/verify/security-key.
func (a *API) VerifySecurityKey(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	resp, err := decodeWebauthnResponse(r)
	if err != nil {
		return err
	}
	res, err := a.keys.VerifySecurityKey(r.Context(), c, passkeys.VerifySecurityKeyInput{Response: resp, UserAgent: r.UserAgent()})
	if err != nil {
		return err
	}
	return writeVerified(w, res)
}
