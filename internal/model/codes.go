package model

import (
	"strings"
	"time"
)

// CodeChallengeKind says what a code challenge is for.
type CodeChallengeKind string

// Code challenge kinds.
const (
	// CodeEnrol proves a new email address, phone number or authenticator
	// app; verifying it enrols the authenticator.
	CodeEnrol CodeChallengeKind = "enrol"
	// CodeSignIn proves an authenticator the user already has.
	CodeSignIn CodeChallengeKind = "sign_in"
	// CodeServer is a Server API challenge of an address; a verified one is
	// claimed by tracking an action with its id.
	CodeServer CodeChallengeKind = "server"
)

// CodeChallenge is one pending proof by a one-time code: an email or text
// message code (stored only as a salted hash), or the attempts at an
// authenticator app code. It lives in the database so any instance can
// check what another sent, and its attempts are counted there.
type CodeChallenge struct {
	ID       string
	TenantID string
	Kind     CodeChallengeKind
	Method   VerificationMethod
	// Subject is whose sends are throttled together: "user:" and the user
	// id, or for a Server API challenge without a user, "email:" or
	// "phone:" and the address.
	Subject string
	UserID  string
	// AuthenticatorID is the authenticator the challenge proves, or the id
	// the authenticator will have once an enrolment is verified.
	AuthenticatorID string
	Email           string
	PhoneNumber     string
	ActionCode      string
	IdempotencyKey  string
	DeviceID        string
	Scope           string
	CodeHash        []byte
	Salt            []byte
	// TOTPSecret is the secret of an authenticator app being enrolled.
	TOTPSecret  string
	Attempts    int
	MaxAttempts int
	CreatedAt   time.Time
	ExpiresAt   time.Time
	VerifiedAt  time.Time
	ClaimedAt   time.Time
}

// Address is the email address or phone number the challenge's code went
// to, if any.
func (c CodeChallenge) Address() string {
	if c.Method == MethodSMS {
		return c.PhoneNumber
	}
	return c.Email
}

// Destination is the address the challenge's code went to, normalised so
// that one mailbox or phone has one form: an email address in lower case
// without a "+tag" after its local part (most providers deliver
// name+anything@ to name@), a phone number as given (E.164 already).
// Empty for an authenticator app.
func (c CodeChallenge) Destination() string {
	switch c.Method {
	case MethodEmailOTP, MethodEmailMagicLink:
		addr := strings.ToLower(strings.TrimSpace(c.Email))
		local, domain, ok := strings.Cut(addr, "@")
		if tagless, _, tagged := strings.Cut(local, "+"); ok && tagged && tagless != "" {
			return tagless + "@" + domain
		}
		return addr
	case MethodSMS:
		return strings.TrimSpace(c.PhoneNumber)
	}
	return ""
}

// SentTogether returns the one or two methods whose sends count together
// with m's against the send throttles and ceilings, the first naming
// their shared locks and counts: email codes and email links reach the
// same mailbox.
func SentTogether(m VerificationMethod) []VerificationMethod {
	if m == MethodEmailOTP || m == MethodEmailMagicLink {
		return []VerificationMethod{MethodEmailOTP, MethodEmailMagicLink}
	}
	return []VerificationMethod{m}
}

// CodeLockout is how one subject (a user, or an address a Server API
// challenge names without a user) stands with one code method, across
// every action: wrong codes in a row, and the locks they brought.
type CodeLockout struct {
	TenantID string
	// Subject is "user:" and the user id, or "email:" / "phone:" and the
	// address, as in CodeChallenge.Subject.
	Subject     string
	Method      VerificationMethod
	Failures    int
	Lockouts    int
	LockedUntil time.Time
	LastFailure time.Time
	// Version counts the writes of the stored record; zero when none is
	// stored. A write succeeds only over the version it read.
	Version int64
}

// UserSubject is the subject of a user's code sends, attempts and locks.
func UserSubject(userID string) string { return "user:" + userID }
