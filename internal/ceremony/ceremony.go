// Package ceremony runs the WebAuthn registration and sign-in ceremonies.
// It is the only package that imports go-webauthn: it turns Uplift's
// passkeys into the library's credentials and back, keeps the library's
// session data as opaque JSON for the caller to store, and turns every
// library error into a model.Error a client may see.
//
// It does no I/O: callers load users and passkeys, store sessions and
// record the results.
package ceremony

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/uplift-dev/uplift/internal/model"
)

// Timeout is how long a ceremony may take, from options to response. It
// is also what the options tell the browser.
const Timeout = 5 * time.Minute

// RelyingParty is the site passkeys are bound to: a tenant's relying
// party id and name, and the origins its pages are served from.
type RelyingParty struct {
	ID      string
	Name    string
	Origins []string
}

// ForTenant returns the relying party of a tenant. Its origins are the
// tenant's expected origins and its related origins, which browsers let
// use the relying party id once its /.well-known/webauthn lists them.
func ForTenant(t model.Tenant) RelyingParty {
	return RelyingParty{ID: t.RPID, Name: t.RPName, Origins: slices.Concat(t.Origins, t.Passkey.RelatedOrigins)}
}

// User is the person a ceremony is for: the random user handle the
// authenticator stores, names for the authenticator's UI, and the
// passkeys they already have.
type User struct {
	Handle      []byte
	Name        string
	DisplayName string
	Passkeys    []model.Passkey
}

func (rp RelyingParty) library() (*webauthn.WebAuthn, error) {
	w, err := webauthn.New(&webauthn.Config{
		RPID:          rp.ID,
		RPDisplayName: rp.Name,
		RPOrigins:     rp.Origins,
		// A ceremony in a frame (the hosted pages in the browser SDK's
		// popup mode) is cross-origin: it is accepted only when the page
		// at the top is one of the same origins.
		RPAllowCrossOrigin:          true,
		RPTopOriginVerificationMode: protocol.TopOriginImplicitVerificationMode,
		AttestationPreference:       protocol.PreferNoAttestation,
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Timeout: Timeout, TimeoutUVD: Timeout},
			Registration: webauthn.TimeoutConfig{Timeout: Timeout, TimeoutUVD: Timeout},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("relying party %q: %w", rp.ID, err)
	}
	return w, nil
}

// libraryUser adapts a User to the library's User interface.
type libraryUser struct {
	u     User
	creds []webauthn.Credential
}

func newLibraryUser(u User) *libraryUser {
	lu := &libraryUser{u: u}
	for _, p := range u.Passkeys {
		lu.creds = append(lu.creds, toCredential(p))
	}
	return lu
}

// WebAuthnID returns the user handle.
func (l *libraryUser) WebAuthnID() []byte { return l.u.Handle }

// WebAuthnName returns the name the authenticator shows.
func (l *libraryUser) WebAuthnName() string { return l.u.Name }

// WebAuthnDisplayName returns the display name the authenticator shows.
func (l *libraryUser) WebAuthnDisplayName() string { return l.u.DisplayName }

// WebAuthnCredentials returns the user's passkeys as library credentials.
func (l *libraryUser) WebAuthnCredentials() []webauthn.Credential { return l.creds }

func toCredential(p model.Passkey) webauthn.Credential {
	transports := make([]protocol.AuthenticatorTransport, len(p.Transports))
	for i, t := range p.Transports {
		transports[i] = protocol.AuthenticatorTransport(t)
	}
	return webauthn.Credential{
		ID:                p.CredentialID,
		PublicKey:         p.PublicKey,
		AttestationType:   p.AttestationType,
		AttestationFormat: p.AttestationFormat,
		Transport:         transports,
		Flags: webauthn.CredentialFlags{
			UserPresent: p.Flags.UserPresent, UserVerified: p.Flags.UserVerified,
			BackupEligible: p.Flags.BackupEligible, BackupState: p.Flags.BackupState,
		},
		Authenticator: webauthn.Authenticator{
			AAGUID: p.AAGUID, SignCount: p.SignCount,
			Attachment: protocol.AuthenticatorAttachment(p.Attachment),
		},
		Attestation: webauthn.CredentialAttestation{
			ClientDataJSON: p.ClientDataJSON, Object: p.AttestationObject,
			PublicKeyAlgorithm: p.PublicKeyAlgorithm,
		},
	}
}

func uvRequirement(uv model.UserVerification) protocol.UserVerificationRequirement {
	switch uv {
	case model.UVPreferred:
		return protocol.VerificationPreferred
	case model.UVDiscouraged:
		return protocol.VerificationDiscouraged
	}
	return protocol.VerificationRequired
}

func encodeSession(s *webauthn.SessionData) ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode session: %w", err)
	}
	return b, nil
}

func decodeSession(b []byte) (webauthn.SessionData, error) {
	var s webauthn.SessionData
	if err := json.Unmarshal(b, &s); err != nil || s.Challenge == "" {
		return s, fmt.Errorf("stored session data is unusable: %v", err)
	}
	return s, nil
}

// SessionChallenge returns the challenge of a stored session: the value
// the browser's response carries back in its client data.
func SessionChallenge(session []byte) (string, error) {
	s, err := decodeSession(session)
	return s.Challenge, err
}
