package ceremony

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/uplift-dev/uplift/internal/model"
)

// BeginLogin returns the request options to send to the browser
// (PublicKeyCredentialRequestOptionsJSON) and the session to store. With a
// user, allowCredentials lists their passkeys; with nil, the sign-in is
// username-less and the authenticator offers its discoverable passkeys.
func BeginLogin(rp RelyingParty, u *User, uv model.UserVerification) (options json.RawMessage, session []byte, err error) {
	w, err := rp.library()
	if err != nil {
		return nil, nil, err
	}
	opt := webauthn.WithUserVerification(uvRequirement(uv))
	var assertion *protocol.CredentialAssertion
	var s *webauthn.SessionData
	if u == nil {
		assertion, s, err = w.BeginDiscoverableLogin(opt)
	} else {
		if len(u.Passkeys) == 0 {
			return nil, nil, model.Errorf(model.ErrInvalid, "credential_not_found", "the user has no passkey")
		}
		assertion, s, err = w.BeginLogin(newLibraryUser(*u), opt)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("begin login: %w", err)
	}
	if options, err = json.Marshal(assertion.Response); err != nil {
		return nil, nil, fmt.Errorf("encode request options: %w", err)
	}
	session, err = encodeSession(s)
	return options, session, err
}

// Assertion is a parsed sign-in response (the browser's
// AuthenticationResponseJSON), not yet verified.
type Assertion struct {
	parsed *protocol.ParsedCredentialAssertionData
}

// ParseAssertion parses a sign-in response so the caller can find the
// credential and user it names before verifying it.
func ParseAssertion(response []byte) (a Assertion, err error) {
	defer guard(&err)
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return a, malformed(err)
	}
	return Assertion{parsed: parsed}, nil
}

// CredentialID is the id of the credential that signed.
func (a Assertion) CredentialID() []byte { return a.parsed.RawID }

// Challenge is the challenge the response answers, as the browser
// reported it in its client data.
func (a Assertion) Challenge() string { return a.parsed.Response.CollectedClientData.Challenge }

// UserHandle is the user handle the authenticator returned, if any.
func (a Assertion) UserHandle() []byte { return a.parsed.Response.UserHandle }

// Attachment is "platform" or "cross-platform" as the browser reported
// it, or "" when it did not.
func (a Assertion) Attachment() string { return string(a.parsed.AuthenticatorAttachment) }

// Login is what a verified sign-in learned.
type Login struct {
	// Passkey is the signing passkey with its new sign count and flags.
	Passkey model.Passkey
	// BackupEligibleChanged reports that the authenticator's
	// backup-eligible flag differs from the stored one (see FinishLogin).
	BackupEligibleChanged bool
}

// FinishLogin verifies a sign-in response against the stored session and
// the user who owns the credential.
//
// The backup-eligible (BE) flag is meant never to change, and the library
// refuses a sign-in when it does. Real authenticators have flipped it (an
// iCloud Keychain passkey before its first sync, some password managers
// after an update), and refusing locks those users out of a credential
// whose signature is good. So Uplift accepts the change deliberately: the
// stored BE is set to the asserted value before verification, so the
// signature, challenge, origin, RP id, user presence and verification and
// counter checks all still run in full; the result reports the change so
// the caller stores the new flags and records it. BE=0 with BS=1 is still
// refused, as is any signature failure.
//
// A counter that does not advance (when either value is non-zero) returns
// ErrSignCountRegressed with the passkey as stored.
func FinishLogin(rp RelyingParty, u User, session []byte, a Assertion) (res Login, err error) {
	defer guard(&err)
	s, err := decodeSession(session)
	if err != nil {
		return res, err
	}
	stored, ok := findPasskey(u.Passkeys, a.CredentialID())
	if !ok {
		return res, ErrUnknownCredential
	}
	lu := newLibraryUser(u)
	asserted := a.parsed.Response.AuthenticatorData.Flags.HasBackupEligible()
	for i := range lu.creds {
		if bytes.Equal(lu.creds[i].ID, stored.CredentialID) {
			lu.creds[i].Flags.BackupEligible = asserted
		}
	}
	w, err := rp.library()
	if err != nil {
		return res, err
	}
	var cred *webauthn.Credential
	if len(s.UserID) == 0 {
		_, cred, err = w.ValidatePasskeyLogin(func(rawID, handle []byte) (webauthn.User, error) {
			if !bytes.Equal(handle, u.Handle) {
				return nil, fmt.Errorf("user handle does not belong to the credential's owner")
			}
			return lu, nil
		}, s, a.parsed)
	} else {
		cred, err = w.ValidateLogin(lu, s, a.parsed)
	}
	if err != nil {
		return res, rejected(err)
	}
	if cred.Authenticator.CloneWarning {
		return Login{Passkey: stored}, ErrSignCountRegressed
	}
	res.Passkey = stored
	res.Passkey.SignCount = cred.Authenticator.SignCount
	res.Passkey.Flags = model.PasskeyFlags{
		UserPresent: cred.Flags.UserPresent, UserVerified: cred.Flags.UserVerified,
		BackupEligible: cred.Flags.BackupEligible, BackupState: cred.Flags.BackupState,
	}
	res.BackupEligibleChanged = asserted != stored.Flags.BackupEligible
	return res, nil
}

func findPasskey(ps []model.Passkey, id []byte) (model.Passkey, bool) {
	for _, p := range ps {
		if bytes.Equal(p.CredentialID, id) {
			return p, true
		}
	}
	return model.Passkey{}, false
}
