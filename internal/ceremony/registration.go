package ceremony

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/uplift-dev/uplift/internal/model"
)

// RegistrationOptions shape the options a registration starts with.
type RegistrationOptions struct {
	// UserVerification is the tenant's requirement; empty means required.
	UserVerification model.UserVerification
	// Attachment is "platform", "cross-platform" or "" for either.
	Attachment string
	// Hints are WebAuthn hints ("security-key", "client-device", "hybrid"),
	// passed to the browser in order.
	Hints []string
	// Conditional starts a conditional create (an automatic passkey
	// upgrade), which the browser completes without a modal dialog.
	Conditional bool
	// NonDiscoverable lets the authenticator make a credential it does not
	// store (residentKey "discouraged"), for a security key: its sign-in
	// always lists the user's credentials, and keys have few slots.
	NonDiscoverable bool
}

// BeginRegistration returns the creation options to send to the browser
// (PublicKeyCredentialCreationOptionsJSON) and the session to store until
// the response comes back. Options require a discoverable credential
// unless o.NonDiscoverable, and exclude the user's existing credentials.
func BeginRegistration(rp RelyingParty, u User, o RegistrationOptions) (options json.RawMessage, session []byte, err error) {
	attachment, err := checkAttachment(o.Attachment)
	if err != nil {
		return nil, nil, err
	}
	hints, err := checkHints(o.Hints)
	if err != nil {
		return nil, nil, err
	}
	w, err := rp.library()
	if err != nil {
		return nil, nil, err
	}
	residentKey := protocol.ResidentKeyRequirementRequired
	if o.NonDiscoverable {
		residentKey = protocol.ResidentKeyRequirementDiscouraged
	}
	lu := newLibraryUser(u)
	exclusions := webauthn.Credentials(lu.creds).CredentialDescriptors()
	opts := []webauthn.RegistrationOption{
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			AuthenticatorAttachment: attachment,
			UserVerification:        uvRequirement(o.UserVerification),
		}),
		webauthn.WithResidentKeyRequirement(residentKey),
		webauthn.WithExclusions(exclusions),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation),
	}
	if len(hints) > 0 {
		opts = append(opts, webauthn.WithPublicKeyCredentialHints(hints))
	}
	mediation := protocol.MediationDefault
	if o.Conditional {
		mediation = protocol.MediationConditional
	}
	creation, s, err := w.BeginMediatedRegistration(lu, mediation, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("begin registration: %w", err)
	}
	if options, err = withExclusionList(creation.Response); err != nil {
		return nil, nil, err
	}
	session, err = encodeSession(s)
	return options, session, err
}

// withExclusionList encodes creation options so excludeCredentials is
// always present, empty or not.
func withExclusionList(o protocol.PublicKeyCredentialCreationOptions) (json.RawMessage, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("encode creation options: %w", err)
	}
	if len(o.CredentialExcludeList) > 0 {
		return b, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("encode creation options: %w", err)
	}
	m["excludeCredentials"] = json.RawMessage("[]")
	return json.Marshal(m)
}

// FinishRegistration verifies a registration response (the browser's
// RegistrationResponseJSON) against the stored session and returns the
// new passkey's credential fields. With conditionalCreate the response is
// accepted without the user-present and user-verified flags, as WebAuthn
// specifies for conditional create.
func FinishRegistration(rp RelyingParty, u User, session, response []byte, conditionalCreate bool) (p model.Passkey, err error) {
	defer guard(&err)
	s, err := decodeSession(session)
	if err != nil {
		return p, err
	}
	if !bytes.Equal(s.UserID, u.Handle) {
		return p, model.Errorf(model.ErrForbidden, "invalid_challenge", "the challenge was issued for another user")
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return p, malformed(err)
	}
	if conditionalCreate {
		s.Mediation = protocol.MediationConditional
		s.UserVerification = protocol.VerificationPreferred
	}
	w, err := rp.library()
	if err != nil {
		return p, err
	}
	cred, err := w.CreateCredential(newLibraryUser(u), s, parsed)
	if err != nil {
		return p, rejected(err)
	}
	return fromCredential(cred, parsed.Response.Transports), nil
}

// RegistrationChallenge returns the challenge a registration response
// (RegistrationResponseJSON) answers, as the browser reported it in its
// client data, without verifying anything.
func RegistrationChallenge(response []byte) (challenge string, err error) {
	defer guard(&err)
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return "", malformed(err)
	}
	return parsed.Response.CollectedClientData.Challenge, nil
}

func fromCredential(c *webauthn.Credential, transports []protocol.AuthenticatorTransport) model.Passkey {
	p := model.Passkey{
		CredentialID: c.ID, PublicKey: c.PublicKey, PublicKeyAlgorithm: c.Attestation.PublicKeyAlgorithm,
		SignCount: c.Authenticator.SignCount, AAGUID: c.Authenticator.AAGUID,
		AttestationType: c.AttestationType, AttestationFormat: c.AttestationFormat,
		AttestationObject: c.Attestation.Object, ClientDataJSON: c.Attestation.ClientDataJSON,
		Flags: model.PasskeyFlags{
			UserPresent: c.Flags.UserPresent, UserVerified: c.Flags.UserVerified,
			BackupEligible: c.Flags.BackupEligible, BackupState: c.Flags.BackupState,
		},
		Attachment: string(c.Authenticator.Attachment),
	}
	if len(transports) == 0 {
		transports = c.Transport
	}
	for _, t := range transports {
		p.Transports = append(p.Transports, string(t))
	}
	return p
}

func checkAttachment(a string) (protocol.AuthenticatorAttachment, error) {
	switch protocol.AuthenticatorAttachment(a) {
	case "":
		return "", nil
	case protocol.Platform, protocol.CrossPlatform:
		return protocol.AuthenticatorAttachment(a), nil
	}
	return "", model.Invalid("authenticatorAttachment must be \"platform\", \"cross-platform\" or null")
}

func checkHints(hints []string) ([]protocol.PublicKeyCredentialHints, error) {
	if len(hints) > 3 {
		return nil, model.Invalid("hints lists at most 3 values")
	}
	var out []protocol.PublicKeyCredentialHints
	for _, h := range hints {
		switch ph := protocol.PublicKeyCredentialHints(h); ph {
		case protocol.PublicKeyCredentialHintSecurityKey, protocol.PublicKeyCredentialHintClientDevice,
			protocol.PublicKeyCredentialHintHybrid:
			out = append(out, ph)
		default:
			return nil, model.Invalid("hint %q is not one of security-key, client-device, hybrid", h)
		}
	}
	return out, nil
}
