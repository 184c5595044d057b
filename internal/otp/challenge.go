package otp

import (
	"io"
	"time"
)

// Challenge is one code sent to a user, as stored: the code's hash and salt,
// its expiry, and how it has been used. It is a value; Verify returns an
// updated copy for the caller to store.
type Challenge struct {
	Hash      []byte
	Salt      []byte
	ExpiresAt time.Time
	// Attempts counts wrong codes entered so far.
	Attempts int
	// MaxAttempts is how many wrong codes end the challenge; zero or less
	// means DefaultMaxAttempts.
	MaxAttempts int
	// Used is set once a code has verified; a used challenge never verifies
	// again.
	Used bool
}

// NewChallenge makes a fresh code and the challenge that stores it, valid
// for Lifetime from now. The code goes to the user; only the challenge is
// stored.
func NewChallenge(r io.Reader, now time.Time) (code string, ch Challenge, err error) {
	code, err = NewCode(r)
	if err != nil {
		return "", Challenge{}, err
	}
	salt, err := NewSalt(r)
	if err != nil {
		return "", Challenge{}, err
	}
	return code, Challenge{
		Hash:        Hash(code, salt),
		Salt:        salt,
		ExpiresAt:   now.Add(Lifetime),
		MaxAttempts: DefaultMaxAttempts,
	}, nil
}

// maxAttempts returns the attempt limit in force.
func (ch Challenge) maxAttempts() int {
	if ch.MaxAttempts <= 0 {
		return DefaultMaxAttempts
	}
	return ch.MaxAttempts
}

// Open reports whether the challenge can still verify a code at now: it is
// not used, not ended by wrong attempts and not expired.
func (ch Challenge) Open(now time.Time) bool {
	return !ch.Used && ch.Attempts < ch.maxAttempts() && now.Before(ch.ExpiresAt)
}

// Result is the outcome of one Verify call.
type Result int

// Outcomes of Verify.
const (
	// Verified: the code was right; the challenge is now used.
	Verified Result = iota + 1
	// WrongCode: the code was wrong; the attempt was counted and the
	// challenge stays open.
	WrongCode
	// MaxAttemptsExceeded: the code was wrong and that was the last attempt
	// allowed; the challenge has ended.
	MaxAttemptsExceeded
	// InvalidOrExpired: the challenge was already used, ended or expired; no
	// code can verify it and nothing was counted.
	InvalidOrExpired
)

// Failure reasons, as the Client and Server APIs report them in
// failureReason.
const (
	ReasonCodeInvalidOrExpired = "CODE_INVALID_OR_EXPIRED"
	ReasonMaxAttemptsExceeded  = "MAX_ATTEMPTS_EXCEEDED"
)

// FailureReason returns the API's failureReason for r: empty for Verified,
// MAX_ATTEMPTS_EXCEEDED when the last allowed attempt failed, and
// CODE_INVALID_OR_EXPIRED otherwise.
func (r Result) FailureReason() string {
	switch r {
	case Verified:
		return ""
	case MaxAttemptsExceeded:
		return ReasonMaxAttemptsExceeded
	default:
		return ReasonCodeInvalidOrExpired
	}
}

// String names the result for logs and test output.
func (r Result) String() string {
	switch r {
	case Verified:
		return "verified"
	case WrongCode:
		return "wrong code"
	case MaxAttemptsExceeded:
		return "max attempts exceeded"
	case InvalidOrExpired:
		return "invalid or expired"
	}
	return "unknown result"
}

// Verify checks code against ch at now and returns the outcome with the
// challenge as it must be stored afterwards. A challenge expires at
// ExpiresAt exactly. The caller should store the update conditionally on
// the Attempts and Used values it read, so that two concurrent guesses both
// count and one code cannot be used twice.
func Verify(ch Challenge, code string, now time.Time) (Result, Challenge) {
	return VerifyWith(ch, now, func() bool { return Check(code, ch.Salt, ch.Hash) })
}

// VerifyWith is Verify for a challenge whose code is checked another way,
// such as an authenticator app code checked against the app's secret:
// matches reports whether the code entered is right, and is called only
// while the challenge is open. Attempts, expiry and single use are counted
// exactly as Verify counts them.
func VerifyWith(ch Challenge, now time.Time, matches func() bool) (Result, Challenge) {
	if !ch.Open(now) {
		return InvalidOrExpired, ch
	}
	if matches() {
		ch.Used = true
		return Verified, ch
	}
	ch.Attempts++
	if ch.Attempts >= ch.maxAttempts() {
		return MaxAttemptsExceeded, ch
	}
	return WrongCode, ch
}
