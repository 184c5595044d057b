package codes

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/otp"
)

// Default ceilings on a tenant's code sends an hour.
const (
	DefaultEmailsPerHour = 10_000
	DefaultTextsPerHour  = 1_000
)

// SendCeilings caps how many codes one tenant may send an hour by each
// method, so that a slow spread over many addresses (toll fraud by text
// message, above all) stops at a known cost. Zero means the default; less
// than zero, no ceiling.
type SendCeilings struct {
	EmailsPerHour int
	TextsPerHour  int
}

func (c SendCeilings) withDefaults() SendCeilings {
	if c.EmailsPerHour == 0 {
		c.EmailsPerHour = DefaultEmailsPerHour
	}
	if c.TextsPerHour == 0 {
		c.TextsPerHour = DefaultTextsPerHour
	}
	return c
}

// of returns the ceiling for method m; zero or less means none.
func (c SendCeilings) of(m model.VerificationMethod) int {
	switch m {
	case model.MethodEmailOTP, model.MethodEmailMagicLink:
		return c.EmailsPerHour
	case model.MethodSMS:
		return c.TextsPerHour
	}
	return 0
}

// throttledError is a rate-limit refusal that knows when the caller may
// try again.
type throttledError struct {
	err        *model.Error
	retryAfter time.Duration
	// ceiling is set when the tenant's ceiling refused the send, rather
	// than the user's or the address's own throttle.
	ceiling bool
}

// Error returns the model error's text.
func (e *throttledError) Error() string { return e.err.Error() }

// Unwrap returns the model error, so the APIs report its kind and text.
func (e *throttledError) Unwrap() error { return e.err }

// RetryAfter reports how long a caller refused for sending codes too
// often, or for a method locked after too many wrong codes, should wait,
// for the Retry-After header.
func RetryAfter(err error) (time.Duration, bool) {
	var te *throttledError
	if errors.As(err, &te) {
		return te.retryAfter, true
	}
	if le, ok := AsLocked(err); ok {
		return le.RetryAfter, true
	}
	return 0, false
}

// CeilingReached reports whether err refused a send because the tenant
// reached its ceiling on sends an hour.
func CeilingReached(err error) bool {
	var te *throttledError
	return errors.As(err, &te) && te.ceiling
}

// wholeSeconds rounds d up to whole seconds, at least one.
func wholeSeconds(d time.Duration) time.Duration {
	return max(time.Duration(math.Ceil(d.Seconds()))*time.Second, time.Second)
}

// methodWhat names a code method's codes at the start of a sentence.
func methodWhat(m model.VerificationMethod) string {
	switch m {
	case model.MethodSMS:
		return "A text message code"
	case model.MethodAuthenticatorApp:
		return "An authenticator app code"
	case model.MethodEmailMagicLink:
		return "An email"
	}
	return "An email code"
}

// sendMethod is the method whose send throttles, locks and ceiling a send
// by m counts against: email codes and email links go to the same
// mailbox, so they share the email code's.
func sendMethod(m model.VerificationMethod) model.VerificationMethod { return model.SentTogether(m)[0] }

// newThrottledError says when the next code may be sent, in whole seconds.
func newThrottledError(m model.VerificationMethod, retryAfter time.Duration) error {
	wait := wholeSeconds(retryAfter)
	return &throttledError{retryAfter: wait, err: &model.Error{
		Kind: model.ErrRateLimited, Code: "too_many_requests",
		Description: fmt.Sprintf("%s was sent too recently (at most one every %d seconds and %d an hour); try again in %d seconds",
			methodWhat(m), int(otp.MinInterval/time.Second), otp.HourlyLimit, int64(wait/time.Second)),
	}}
}

// newCeilingError says that the tenant reached its ceiling on sends.
func newCeilingError(m model.VerificationMethod, limit int, retryAfter time.Duration) error {
	wait := wholeSeconds(retryAfter)
	return &throttledError{retryAfter: wait, ceiling: true, err: &model.Error{
		Kind: model.ErrRateLimited, Code: "too_many_requests",
		Description: fmt.Sprintf("this app has sent its %d codes an hour by %s; try again in %s",
			limit, methodName(m), roughly(wait)),
	}}
}

// LockedError is the refusal of a code, or of sending one, while the
// method is locked for the user after too many wrong codes.
type LockedError struct {
	Method     model.VerificationMethod
	RetryAfter time.Duration
}

// Error says what is locked and for how long.
func (e *LockedError) Error() string {
	return fmt.Sprintf("too many wrong codes: %s codes are locked for this user; try again in %s",
		methodName(e.Method), roughly(e.RetryAfter))
}

// Unwrap gives the error its kind and safe description.
func (e *LockedError) Unwrap() error {
	return &model.Error{Kind: model.ErrRateLimited, Code: "too_many_requests", Description: e.Error()}
}

// AsLocked returns the lock behind err, if err is a refusal because the
// method is locked.
func AsLocked(err error) (*LockedError, bool) {
	var le *LockedError
	ok := errors.As(err, &le)
	return le, ok
}

// methodName names a code method in the middle of a sentence.
func methodName(m model.VerificationMethod) string {
	switch m {
	case model.MethodSMS:
		return "text message"
	case model.MethodAuthenticatorApp:
		return "authenticator app"
	}
	return "email"
}

// Roughly says a wait in words, for people: seconds under two minutes,
// else minutes, else hours and minutes, rounded up.
func Roughly(d time.Duration) string { return roughly(d) }

// roughly says a wait in words: seconds under two minutes, else minutes,
// else hours and minutes, rounded up.
func roughly(d time.Duration) string {
	switch {
	case d < 2*time.Minute:
		return fmt.Sprintf("%d seconds", int(math.Ceil(d.Seconds())))
	case d < 2*time.Hour:
		return fmt.Sprintf("%d minutes", int(math.Ceil(d.Minutes())))
	}
	h := int(d / time.Hour)
	m := int(math.Ceil((d - time.Duration(h)*time.Hour).Minutes()))
	if m == 60 {
		h, m = h+1, 0
	}
	if m == 0 {
		return fmt.Sprintf("%d hours", h)
	}
	return fmt.Sprintf("%d hours %d minutes", h, m)
}

// standing is a stored lockout record as the otp package judges it.
func standing(l model.CodeLockout) otp.Standing {
	return otp.Standing{Failures: l.Failures, Lockouts: l.Lockouts, LockedUntil: l.LockedUntil, LastFailure: l.LastFailure}
}

// withStanding is l carrying st.
func withStanding(l model.CodeLockout, st otp.Standing) model.CodeLockout {
	l.Failures, l.Lockouts, l.LockedUntil, l.LastFailure = st.Failures, st.Lockouts, st.LockedUntil, st.LastFailure
	return l
}

// checkLocks refuses, with a LockedError, when any of the records locks
// the method at now, for as long as the longest lock lasts.
func checkLocks(locks []model.CodeLockout, now time.Time) error {
	var wait time.Duration
	for _, l := range locks {
		if locked, w := standing(l).Locked(now); locked {
			wait = max(wait, w)
		}
	}
	if wait > 0 {
		return &LockedError{Method: locks[0].Method, RetryAfter: wholeSeconds(wait)}
	}
	return nil
}

// sendLockKey is the send lock of a destination, beside those of users
// ("user:...") and addresses named without a user ("email:...").
func sendLockKey(destination string) string { return "to:" + destination }

// reserveSend stores ch if every limit on sending allows it now: neither
// the subject's method nor the destination's is locked after wrong codes; the subject (a user)
// and the destination (the address, whichever user asks) have each had
// no code in the last 30 seconds and fewer than ten in the hour; and the
// tenant is under its ceiling for the method. It holds the send locks of
// the subject and destination while it decides, so instances sharing the
// database agree.
func (s *Service) reserveSend(ctx context.Context, ch model.CodeChallenge) error {
	dest := ch.Destination()
	subjects := []string{ch.Subject}
	if key := sendLockKey(dest); dest != "" && key != ch.Subject {
		subjects = append(subjects, key)
	}
	slices.Sort(subjects) // one order everywhere, so two sends never wait for each other's locks
	refused := false
	err := s.store.InTx(ctx, func(q Queries) error {
		for _, sub := range subjects {
			if err := q.LockCodeSubject(ctx, ch.TenantID, sub, sendMethod(ch.Method), ch.CreatedAt); err != nil {
				return err
			}
		}
		locks, err := s.lockouts(ctx, q, ch)
		if err != nil {
			return err
		}
		if err := checkLocks(locks, ch.CreatedAt); err != nil {
			return err
		}
		since := ch.CreatedAt.Add(-otp.ThrottleWindow)
		sent, err := q.CodeSendTimes(ctx, ch.TenantID, ch.Subject, ch.Method, since)
		if err != nil {
			return err
		}
		wait := time.Duration(0)
		if ok, retry := otp.Throttle(sent, ch.CreatedAt); !ok {
			wait = retry
		}
		if dest != "" {
			sentTo, err := q.CodeSendTimesTo(ctx, ch.TenantID, ch.Method, dest, since)
			if err != nil {
				return err
			}
			if ok, retry := otp.Throttle(sentTo, ch.CreatedAt); !ok {
				wait = max(wait, retry)
			}
		}
		if wait > 0 {
			return newThrottledError(ch.Method, wait)
		}
		if limit := s.ceilings.of(ch.Method); limit > 0 {
			prev, cur, err := q.CountCodeSend(ctx, ch.TenantID, sendMethod(ch.Method), ch.CreatedAt.Unix()/3600)
			if err != nil {
				return err
			}
			if ok, retry := otp.Ceiling(prev, cur-1, limit, ch.CreatedAt); !ok {
				refused = true
				return newCeilingError(ch.Method, limit, retry)
			}
		}
		return q.CreateCodeChallenge(ctx, ch)
	})
	if refused {
		s.noteCeilingRefusal(ctx, ch)
	}
	return err
}

// noteCeilingRefusal records a send the tenant's ceiling refused, for the
// console, and logs the first of each hour.
func (s *Service) noteCeilingRefusal(ctx context.Context, ch model.CodeChallenge) {
	first, err := s.store.CountRefusedSend(context.WithoutCancel(ctx), ch.TenantID, sendMethod(ch.Method), ch.CreatedAt)
	if err != nil {
		s.log.WarnContext(ctx, "record refused send", "tenant", ch.TenantID, "err", err)
		return
	}
	if first {
		s.log.WarnContext(ctx, "tenant reached its ceiling on code sends; further sends refused this hour",
			"tenant", ch.TenantID, "method", ch.Method, "ceiling_per_hour", s.ceilings.of(ch.Method))
	}
}

// CodeLock is how one of a user's code methods stands, for the console:
// wrong codes in a row, and the lock if one holds now.
type CodeLock struct {
	Method model.VerificationMethod
	// Failures counts wrong codes in a row since the last right one or
	// the last lock.
	Failures int
	// LockedUntil is when the current lock ends; zero when the method is
	// open.
	LockedUntil time.Time
	// Lockouts counts the locks so far, which set the next one's length.
	Lockouts int
	// Left is how many more wrong codes in a row lock the method.
	Left int
}

// CodeLocks returns the user's methods that have wrong codes on
// record or are locked, by method.
func (s *Service) CodeLocks(ctx context.Context, tenantID, userID string) ([]CodeLock, error) {
	records, err := s.store.CodeLockouts(ctx, tenantID, model.UserSubject(userID))
	if err != nil {
		return nil, err
	}
	now := s.Now()
	var out []CodeLock
	for _, l := range records {
		st := standing(l)
		if st.Forgotten(now) {
			continue
		}
		cl := CodeLock{Method: l.Method, Failures: l.Failures, Lockouts: l.Lockouts,
			Left: otp.LockoutThreshold - l.Failures}
		if locked, _ := st.Locked(now); locked {
			cl.LockedUntil = l.LockedUntil
		}
		if cl.Failures == 0 && cl.LockedUntil.IsZero() {
			continue
		}
		out = append(out, cl)
	}
	return out, nil
}

// LiftCodeLock clears one of a user's code methods: the lock, if one
// holds, and the wrong codes on record, the user's and those of the
// user's address for the method, so the user may enter codes at once. It is an admin's decision, and logged as one.
func (s *Service) LiftCodeLock(ctx context.Context, tenantID, userID string, m model.VerificationMethod, by string) error {
	switch m {
	case model.MethodEmailOTP, model.MethodSMS, model.MethodAuthenticatorApp:
	default:
		return model.Invalid("method must be EMAIL_OTP, SMS or AUTHENTICATOR_APP")
	}
	if !model.ValidUserID(userID) {
		return model.NotFound("no such user")
	}
	found, err := s.store.DeleteCodeLockout(ctx, tenantID, model.UserSubject(userID), m)
	if err != nil {
		return err
	}
	// The wrong codes that locked the user locked the addresses their
	// codes went to as well.
	auths, err := s.store.Authenticators(ctx, tenantID, userID)
	if err != nil {
		return err
	}
	for _, a := range auths {
		dest := model.CodeChallenge{Method: m, Email: a.Email, PhoneNumber: a.PhoneNumber}.Destination()
		if a.Method != m || dest == "" {
			continue
		}
		lifted, err := s.store.DeleteCodeLockout(ctx, tenantID, sendLockKey(dest), m)
		if err != nil {
			return err
		}
		found = found || lifted
	}
	if !found {
		return model.NotFound("the method has no lock to lift")
	}
	s.log.InfoContext(ctx, "code lock lifted", "tenant", tenantID, "method", m, "admin", by)
	return nil
}

// SendCeilingTrips returns the hours of the last day in which the
// tenant's ceiling on sends refused codes, newest first.
func (s *Service) SendCeilingTrips(ctx context.Context, tenantID string) ([]model.SendCeilingTrip, error) {
	return s.store.SendCeilingTrips(ctx, tenantID, s.Now().Add(-24*time.Hour))
}

// SendCeiling returns the tenant-wide ceiling on sends an hour by method
// m; zero means none.
func (s *Service) SendCeiling(m model.VerificationMethod) int { return max(s.ceilings.of(m), 0) }
