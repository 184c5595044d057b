package loadtest

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/descope/virtualwebauthn"
	"github.com/uplift-dev/uplift/internal/webauthntest"
)

// RelyingParty is the site the software authenticator signs for: the
// tenant's relying party id and one of its expected origins.
type RelyingParty struct {
	ID     string
	Origin string
}

// Passkey is one user's credential held by the software authenticator.
// Registration goes through virtualwebauthn; sign-in responses are built
// here with the private key parsed once, so signing is cheap and safe
// from several goroutines (virtualwebauthn re-parses the key on every
// signature and caches it in the credential, which races).
type Passkey struct {
	UserID       string
	Email        string
	handle       []byte
	credentialID string // base64url
	key          *ecdsa.PrivateKey
}

// newAttestation answers creation options (PublicKeyCredentialCreationOptionsJSON,
// bare or under "publicKey") with a packed self-attestation from a new
// P-256 credential, and returns the response JSON and the passkey.
func newAttestation(rp RelyingParty, userID string, options json.RawMessage) (json.RawMessage, *Passkey, error) {
	o, err := virtualwebauthn.ParseAttestationOptions(string(options))
	if err != nil {
		return nil, nil, fmt.Errorf("parse creation options: %w", err)
	}
	auth := virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{
		UserHandle: []byte(o.UserID), BackupEligible: true, BackupState: true,
	})
	cred, key, err := webauthntest.NewCredential()
	if err != nil {
		return nil, nil, err
	}
	resp := virtualwebauthn.CreateAttestationResponse(virtualwebauthn.RelyingParty{ID: rp.ID, Origin: rp.Origin}, auth, cred, *o)
	return json.RawMessage(resp), &Passkey{
		UserID: userID, handle: []byte(o.UserID), key: key,
		credentialID: base64.RawURLEncoding.EncodeToString(cred.ID),
	}, nil
}

// requestOptions is the part of PublicKeyCredentialRequestOptionsJSON the
// authenticator needs.
type requestOptions struct {
	Challenge string          `json:"challenge"`
	RPID      string          `json:"rpId"`
	PublicKey *requestOptions `json:"publicKey"`
}

type clientData struct {
	Type      string `json:"type"`
	Challenge string `json:"challenge"`
	Origin    string `json:"origin"`
}

type assertionResponse struct {
	AuthenticatorData string `json:"authenticatorData"`
	ClientDataJSON    string `json:"clientDataJSON"`
	Signature         string `json:"signature"`
	UserHandle        string `json:"userHandle"`
}

type assertion struct {
	Type                    string            `json:"type"`
	ID                      string            `json:"id"`
	RawID                   string            `json:"rawId"`
	AuthenticatorAttachment string            `json:"authenticatorAttachment"`
	Response                assertionResponse `json:"response"`
	ClientExtensionResults  struct{}          `json:"clientExtensionResults"`
}

// flags of a synced platform passkey: user present, user verified,
// backup eligible, backed up.
const assertionFlags = 0x01 | 0x04 | 0x08 | 0x10

// Assert answers request options as a platform authenticator holding p
// would (AuthenticationResponseJSON): authenticator data with the RP id
// hash, UP|UV|BE|BS and a zero counter (as synced passkeys report), and
// an ES256 signature over it and the client data hash.
func (p *Passkey) Assert(rp RelyingParty, options json.RawMessage) (json.RawMessage, error) {
	var o requestOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("parse request options: %w", err)
	}
	if o.PublicKey != nil {
		o = *o.PublicKey
	}
	if o.Challenge == "" {
		return nil, errors.New("request options carry no challenge")
	}
	if o.RPID != "" && o.RPID != rp.ID {
		return nil, fmt.Errorf("request options name relying party %q, the authenticator holds %q", o.RPID, rp.ID)
	}
	cd, err := json.Marshal(clientData{Type: "webauthn.get", Challenge: o.Challenge, Origin: rp.Origin})
	if err != nil {
		return nil, err
	}
	rpHash := sha256.Sum256([]byte(rp.ID))
	authData := make([]byte, 0, 37+sha256.Size)
	authData = append(authData, rpHash[:]...)
	authData = append(authData, assertionFlags)
	authData = binary.BigEndian.AppendUint32(authData, 0)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(authData, cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, p.key, digest[:])
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	return json.Marshal(assertion{
		Type: "public-key", ID: p.credentialID, RawID: p.credentialID, AuthenticatorAttachment: "platform",
		Response: assertionResponse{
			AuthenticatorData: b64(authData[:37]), ClientDataJSON: b64(cd),
			Signature: b64(sig), UserHandle: b64(p.handle),
		},
	})
}
