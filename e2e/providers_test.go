package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"
	"github.com/google/uuid"

	"github.com/uplift-dev/uplift/internal/webauthntest"
)

// googlePasswordManager is the AAGUID of Google Password Manager's passkeys.
const googlePasswordManager = "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4"

// A passkey made by an authenticator reporting a known AAGUID is named
// after its provider, with its icon, from the list built into the binary:
// no UPLIFT_AAGUID_URL, and every proxied request would fail.
func TestProviderNamesWithoutNetwork(t *testing.T) {
	srv := startServer(t, "HTTP_PROXY=http://127.0.0.1:1", "HTTPS_PROXY=http://127.0.0.1:1", "UPLIFT_RATE_LIMITS=off")
	added := srv.registerPasskey("ada", uuid.MustParse(googlePasswordManager))
	if added["name"] != "Google Password Manager" {
		t.Errorf("the new passkey is named %v, want Google Password Manager", added["name"])
	}

	status, body := srv.Call(srv.SecretKey, "GET", "/users/ada/authenticators", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /v1/users/ada/authenticators = %d %s", status, body)
	}
	var list []struct {
		VerificationMethod string `json:"verificationMethod"`
		WebauthnCredential struct {
			Name          string `json:"name"`
			AAGUID        string `json:"aaguid"`
			AAGUIDMapping struct {
				Name         string `json:"name"`
				SVGIconLight string `json:"svgIconLight"`
				SVGIconDark  string `json:"svgIconDark"`
			} `json:"aaguidMapping"`
		} `json:"webauthnCredential"`
	}
	if err := json.Unmarshal(body, &list); err != nil || len(list) != 1 {
		t.Fatalf("authenticators = %s (%v), want one passkey", body, err)
	}
	c := list[0].WebauthnCredential
	if c.AAGUID != googlePasswordManager || c.Name != "Google Password Manager" || c.AAGUIDMapping.Name != "Google Password Manager" ||
		!strings.HasPrefix(c.AAGUIDMapping.SVGIconLight, "data:image/svg+xml;base64,") ||
		!strings.HasPrefix(c.AAGUIDMapping.SVGIconDark, "data:image/svg+xml;base64,") {
		t.Errorf("getAuthenticators gives %+v; want Google Password Manager with both icons", c)
	}
}

// registerPasskey tracks an action for a new user and registers a
// software passkey for them through the Client API, from an
// authenticator reporting aaguid; it returns the passkey's
// webauthnCredential from the answer.
func (s *server) registerPasskey(userID string, aaguid uuid.UUID) map[string]any {
	s.t.Helper()
	status, body := s.Call(s.SecretKey, "POST", "/users/"+userID+"/actions/signUp", map[string]any{})
	var tracked struct {
		Token string `json:"token"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &tracked) != nil {
		s.t.Fatalf("track = %d %s", status, body)
	}
	return s.registerPasskeyIn(tracked.Token, userID, aaguid)
}

// registerPasskeyIn registers a passkey of aaguid for userID in the
// action of a track token and returns its webauthnCredential.
func (s *server) registerPasskeyIn(token, userID string, aaguid uuid.UUID) map[string]any {
	s.t.Helper()
	var opts struct {
		ChallengeID string          `json:"challengeId"`
		Options     json.RawMessage `json:"options"`
	}
	s.bearer(token, "/client/user-authenticators/passkey/registration-options",
		map[string]any{"username": userID}, &opts)
	o, err := virtualwebauthn.ParseAttestationOptions(string(opts.Options))
	if err != nil {
		s.t.Fatalf("parse creation options %s: %v", opts.Options, err)
	}
	auth := virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{
		UserHandle: []byte(o.UserID), BackupEligible: true, BackupState: true})
	auth.Aaguid = aaguid
	rp := virtualwebauthn.RelyingParty{ID: "localhost", Name: "Test", Origin: s.PublicURL}
	attestation := virtualwebauthn.CreateAttestationResponse(rp, auth, webauthntest.MustCredential(), *o)
	var added struct {
		UserAuthenticator struct {
			WebauthnCredential map[string]any `json:"webauthnCredential"`
		} `json:"userAuthenticator"`
	}
	s.bearer(token, "/client/user-authenticators/passkey",
		map[string]any{"challengeId": opts.ChallengeID, "registrationCredential": json.RawMessage(attestation)}, &added)
	return added.UserAuthenticator.WebauthnCredential
}

// bearer posts body to a Client API path (below /v1) with a track token
// and decodes the 200 answer into out.
func (s *server) bearer(token, path string, body, out any) {
	s.t.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, s.APIURL()+path, strings.NewReader(string(b)))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw := new(strings.Builder)
	if _, err := io.Copy(raw, resp.Body); err != nil {
		s.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(raw.String()), out) != nil {
		s.t.Fatalf("POST %s = %d %s", path, resp.StatusCode, raw)
	}
}
