package ceremony

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"

	"github.com/uplift-dev/uplift/internal/model"
)

// Errors a ceremony reports beyond a rejected response.
var (
	// ErrSignCountRegressed: the signature was good but the counter did not
	// advance past the stored one, so the authenticator may be a clone.
	ErrSignCountRegressed = &model.Error{Kind: model.ErrForbidden, Code: "invalid_credential",
		Description: "the passkey's signature counter went backwards; the authenticator may have been cloned"}
	// ErrUnknownCredential: the response names a credential the user does
	// not have (it was deleted, or never registered here).
	ErrUnknownCredential = &model.Error{Kind: model.ErrInvalid, Code: "unknown_credential",
		Description: "this passkey is not registered; it may have been deleted"}
)

// malformed is the error for a response that cannot be parsed.
func malformed(err error) error {
	return &model.Error{Kind: model.ErrInvalid, Code: "invalid_request",
		Description: "the passkey response is malformed: " + detail(err), Cause: err}
}

// rejected is the error for a response that parsed but does not verify.
func rejected(err error) error {
	var unknown *protocol.ErrorUnknownCredential
	if errors.As(err, &unknown) {
		return &model.Error{Kind: ErrUnknownCredential.Kind, Code: ErrUnknownCredential.Code,
			Description: ErrUnknownCredential.Description, Cause: err}
	}
	return &model.Error{Kind: model.ErrInvalid, Code: "invalid_credential",
		Description: "the passkey response was rejected: " + detail(err), Cause: err}
}

// detail says in a sentence what went wrong, without the library's debug
// information (which may quote expected values).
func detail(err error) string {
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		return "it is not a valid WebAuthn response"
	}
	info := pe.DevInfo
	switch {
	case strings.Contains(info, "User verification required"):
		return "the authenticator did not verify the user, and user verification is required"
	case strings.Contains(info, "User presence required"):
		return "the authenticator did not report user presence"
	case strings.Contains(info, "RP Hash mismatch"):
		return "the response was made for another relying party id"
	case pe.Details == "Error validating origin":
		return "the response was made on an origin this tenant does not expect"
	case pe.Details == "Error validating challenge":
		return "the response answers another challenge"
	case pe.Details == "Error validating ceremony type":
		return "the response is for the other kind of ceremony"
	case pe.Type == protocol.ErrAssertionSignature.Type:
		return "the signature does not verify"
	}
	d := strings.TrimSpace(pe.Details)
	if d == "" {
		d = pe.Type
	}
	if len(d) > 160 {
		d = d[:160]
	}
	return strings.ToLower(d[:1]) + d[1:]
}

// guard turns a panic inside the library (on input no one anticipated)
// into a malformed-response error, so a client can never crash a request.
func guard(err *error) {
	if v := recover(); v != nil {
		*err = malformed(fmt.Errorf("panic in WebAuthn library: %v", v))
	}
}
