package hosted

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/passkeys"
)

// SignInOptions serves POST /login/passkey/options: the options for a
// passkey sign-in of the flow's user, through the same flow the Client
// API uses. With "conditional": true they are for passkey autofill:
// without allowCredentials, as autofill lists every passkey the browser
// holds for the relying party, and still bound to the flow's user, so
// /login/passkey/verify refuses another user's passkey as it does for
// the button.
func (p *Pages) SignInOptions(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Token       string `json:"token" text:"4096"`
		Conditional bool   `json:"conditional"`
	}
	f, err := p.jsonFlow(r, &in, &in.Token)
	if err != nil {
		return err
	}
	if err := p.requireOffered(r.Context(), f, model.MethodPasskey); err != nil {
		return err
	}
	var o passkeys.PasskeyOptions
	if in.Conditional {
		o, err = p.keys.PasskeyAutofillOptions(r.Context(), f.caller)
	} else {
		o, err = p.keys.PasskeyAuthenticationOptions(r.Context(), f.caller, "")
	}
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, optionsJSON{ChallengeID: o.ChallengeID, Options: o.Options})
}

// signalJSON is what PublicKeyCredential.signalAllAcceptedCredentials
// needs to let credential managers drop passkeys the server deleted, and
// signalCurrentUserDetails to show the user's current names.
type signalJSON struct {
	RPID                     string   `json:"rpId"`
	UserID                   string   `json:"userId"`
	AllAcceptedCredentialIDs []string `json:"allAcceptedCredentialIds"`
	Name                     string   `json:"name"`
	DisplayName              string   `json:"displayName"`
}

// SignIn serves POST /login/passkey/verify: it verifies a passkey sign-in,
// which completes the action, and answers with the next page and the
// user's current passkeys for the Signal API. A passkey the server does
// not know answers unknown_credential, so the page can signal that too.
func (p *Pages) SignIn(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Token       string          `json:"token" text:"4096"`
		ChallengeID string          `json:"challengeId" text:"uuid"`
		Credential  json.RawMessage `json:"credential"`
	}
	f, err := p.jsonFlow(r, &in, &in.Token)
	if err != nil {
		return err
	}
	res, err := p.keys.VerifyPasskey(r.Context(), f.caller, passkeys.VerifyPasskeyInput{
		ChallengeID: in.ChallengeID, Response: in.Credential, DeviceID: f.deviceID,
		UserAgent: r.UserAgent(), IPAddress: clientIP(r),
	})
	if err != nil {
		return err
	}
	sig, err := p.acceptedCredentials(r.Context(), f.tenant(), res.User)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, struct {
		Next   string     `json:"next"`
		Signal signalJSON `json:"signal"`
	}{"/login/done?" + f.queryWith(res.AccessToken), sig})
}

// acceptedCredentials lists the user's passkeys and names for the Signal
// API.
func (p *Pages) acceptedCredentials(ctx context.Context, t model.Tenant, u model.User) (signalJSON, error) {
	userID := u.ID
	handle, err := p.keys.UserHandle(ctx, t.ID, userID)
	if err != nil {
		return signalJSON{}, err
	}
	ps, err := p.keys.Passkeys(ctx, t.ID, userID)
	if err != nil {
		return signalJSON{}, err
	}
	s := signalJSON{RPID: t.RPID, UserID: base64.RawURLEncoding.EncodeToString(handle), AllAcceptedCredentialIDs: []string{}}
	s.Name, s.DisplayName = passkeys.CredentialNames(u)
	for _, pk := range ps {
		s.AllAcceptedCredentialIDs = append(s.AllAcceptedCredentialIDs, base64.RawURLEncoding.EncodeToString(pk.CredentialID))
	}
	return s, nil
}
