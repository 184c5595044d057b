package model

import "errors"

// Events hears what the domain does, for the server's metrics: sign-ins
// and challenges, the uplift prompt's decisions and outcomes, and the
// codes sent or refused. Every argument comes from a small fixed set
// (methods, outcomes, reasons, kinds), never from a caller or a user, so
// a metric's labels stay bounded. Its methods are called on the request's
// path and must be cheap and safe for concurrent use.
type Events interface {
	// SignIn reports a verification: a passkey or security key response,
	// a code, an authenticator app code.
	SignIn(method VerificationMethod, result Result)
	// Challenge reports a challenge started, or refused, for a method.
	Challenge(method VerificationMethod, result Result)
	// UpliftDecision reports a decision of the uplift prompt by its reason.
	UpliftDecision(reason string)
	// PromptOutcome reports what happened with a prompt that was decided:
	// shown, accepted, dismissed or failed.
	PromptOutcome(kind UpliftEventKind)
	// CodeSent reports a code or email link delivered by method.
	CodeSent(method VerificationMethod)
	// CodeRefused reports a send refused by a throttle: the user's or
	// address's own ("throttle"), the tenant's hourly ceiling
	// ("ceiling"), or a lock after too many wrong codes ("locked").
	CodeRefused(method VerificationMethod, throttle string)
}

// Result is how a sign-in or challenge ended.
type Result string

// The outcomes of sign-ins and challenges.
const (
	// ResultSucceeded: the response or code verified; the challenge began.
	ResultSucceeded Result = "succeeded"
	// ResultFailed: a wrong or stale response or code.
	ResultFailed Result = "failed"
	// ResultRefused: a rate limit, a lock or a ceiling refused it.
	ResultRefused Result = "refused"
	// ResultError: the server could not finish it (the database, a sender).
	ResultError Result = "error"
)

// ResultOf is the outcome of a sign-in or challenge that returned err.
func ResultOf(err error) Result {
	switch {
	case err == nil:
		return ResultSucceeded
	case errors.Is(err, ErrRateLimited):
		return ResultRefused
	case errors.Is(err, ErrInvalid), errors.Is(err, ErrUnauthenticated), errors.Is(err, ErrForbidden),
		errors.Is(err, ErrNotFound), errors.Is(err, ErrConflict):
		return ResultFailed
	}
	return ResultError
}

// NoEvents discards every event: the domain's default when nothing
// listens.
type NoEvents struct{}

// SignIn does nothing.
func (NoEvents) SignIn(VerificationMethod, Result) {}

// Challenge does nothing.
func (NoEvents) Challenge(VerificationMethod, Result) {}

// UpliftDecision does nothing.
func (NoEvents) UpliftDecision(string) {}

// PromptOutcome does nothing.
func (NoEvents) PromptOutcome(UpliftEventKind) {}

// CodeSent does nothing.
func (NoEvents) CodeSent(VerificationMethod) {}

// CodeRefused does nothing.
func (NoEvents) CodeRefused(VerificationMethod, string) {}
