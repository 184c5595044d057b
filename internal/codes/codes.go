// Package codes proves users by one-time codes: email and text message
// codes sent to an address, and authenticator app (TOTP) codes. It sends
// them within the throttles and ceilings, judges them within the attempt
// limits and the per-user lock, and completes or fails the action through
// the action state machine.
package codes

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/branding"
	"github.com/uplift-dev/uplift/internal/ids"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/otp"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// Service sends and checks codes.
type Service struct {
	ids.Source
	store    Store
	log      *slog.Logger
	actions  *actions.Service
	tenancy  *tenancy.Service
	email    notify.EmailSender
	sms      notify.SMSSender
	ceilings SendCeilings
	// publicURL is where email links point (see LinkPath).
	publicURL string
	events    model.Events
	// webhooks posts codes to tenants that want them (see SetWebhooks).
	webhooks *webhooks.Service
	// branding gives emails the tenant's theme (see SetBranding).
	branding *branding.Service
}

// Options configures the codes service. Without Email, email codes are
// off; without SMS, text message codes are off.
type Options struct {
	Store   Store
	Log     *slog.Logger
	IDs     ids.Source
	Actions *actions.Service
	Tenancy *tenancy.Service
	Email   notify.EmailSender
	SMS     notify.SMSSender
	// SendCeilings caps each tenant's email and text message code sends
	// an hour; zero fields take the defaults.
	SendCeilings SendCeilings
	// PublicURL is the server's public base URL, where email links point.
	PublicURL string
	// Events hears of sign-ins, challenges and sends (nil: nothing does).
	Events model.Events
}

// New returns the codes service o describes.
func New(o Options) *Service {
	if o.Events == nil {
		o.Events = model.NoEvents{}
	}
	return &Service{Source: o.IDs, store: o.Store, log: o.Log, actions: o.Actions, tenancy: o.Tenancy,
		email: o.Email, sms: o.SMS, ceilings: o.SendCeilings.withDefaults(), publicURL: o.PublicURL, events: o.Events}
}

// verifyResult is the outcome of a code's verification, for the events.
func verifyResult(verified bool, err error) model.Result {
	if err == nil && !verified {
		return model.ResultFailed
	}
	return model.ResultOf(err)
}

// refusedBy names the throttle that refused a send, or "" when err is
// no throttle's refusal.
func refusedBy(err error) string {
	var te *throttledError
	switch {
	case CeilingReached(err):
		return "ceiling"
	case errors.As(err, &te):
		return "throttle"
	}
	if _, ok := AsLocked(err); ok {
		return "locked"
	}
	return ""
}

// codePurgeAge is how old a code challenge must be before it may be
// purged: well past its expiry, its claim window and the throttle window.
const codePurgeAge = 2 * time.Hour

// purgeOdds: one code challenge creation in purgeOdds also deletes old
// code challenges (see purgeCodeChallenges). Any instance may do it, so no
// process needs to remember when it last did.
const purgeOdds = 64

// maxCodeLength bounds the verification code a caller may send.
const maxCodeLength = 64

// MethodOffered reports whether this server can challenge users with m:
// email and text message codes need a sender; passkeys and authenticator
// apps need nothing more.
func (s *Service) MethodOffered(m model.VerificationMethod) bool { return Offered(s.email, s.sms)(m) }

// Offered returns whether a server with these senders (nil when there is
// none) can challenge users with a method.
func Offered(email notify.EmailSender, sms notify.SMSSender) func(model.VerificationMethod) bool {
	return func(m model.VerificationMethod) bool {
		switch m {
		case model.MethodEmailOTP, model.MethodEmailMagicLink:
			return email != nil
		case model.MethodSMS:
			return sms != nil
		}
		return true
	}
}

// requireMethod refuses a method this server has no sender for.
func (s *Service) requireMethod(m model.VerificationMethod) error {
	if s.MethodOffered(m) {
		return nil
	}
	what := "email codes are"
	switch m {
	case model.MethodSMS:
		what = "text message codes are"
	case model.MethodEmailMagicLink:
		what = "email links are"
	}
	return model.Errorf(model.ErrInvalid, "method_unavailable", "%s not configured on this server", what)
}

// sendCode makes a fresh code for ch, records the send if the throttle
// allows it, and delivers the code. ch needs its kind, method, subject,
// address and what it proves; sendCode fills in the rest and returns it as
// stored. A code that cannot be delivered is not counted as sent: its
// challenge is deleted again and the caller gets an ErrUnavailable error.
func (s *Service) sendCode(ctx context.Context, t model.Tenant, ch model.CodeChallenge) (model.CodeChallenge, error) {
	now := s.Now()
	ch.ID, ch.TenantID, ch.CreatedAt = s.NewID(), t.ID, now
	code, err := s.newSecret(&ch)
	if err != nil {
		return ch, err
	}
	s.purgeCodeChallenges(ctx, now)
	if err := s.reserveSend(ctx, ch); err != nil {
		if by := refusedBy(err); by != "" {
			s.events.CodeRefused(ch.Method, by)
		}
		return ch, err
	}
	if err := s.deliver(ctx, t, ch, code); err != nil {
		// Not sent, so not counted by the throttles or the ceiling.
		bg := context.WithoutCancel(ctx)
		if derr := s.store.DeleteCodeChallenge(bg, t.ID, ch.ID); derr != nil {
			err = errors.Join(err, derr)
		}
		if s.ceilings.of(ch.Method) > 0 {
			if uerr := s.store.UncountCodeSend(bg, t.ID, sendMethod(ch.Method), ch.CreatedAt.Unix()/3600); uerr != nil {
				err = errors.Join(err, uerr)
			}
		}
		return ch, err
	}
	s.events.CodeSent(ch.Method)
	s.log.InfoContext(ctx, "code sent", "tenant", t.ID, "method", ch.Method, "kind", ch.Kind, "challenge", ch.ID)
	return ch, nil
}

// deliver sends the code by ch's method. A failure is logged with what
// the sender safely reports (never the code or the message) and returned
// to the caller as ErrUnavailable.
func (s *Service) deliver(ctx context.Context, t model.Tenant, ch model.CodeChallenge, code string) error {
	what := "the email"
	switch ch.Method {
	case model.MethodSMS:
		what = "the text message"
	case model.MethodEmailMagicLink:
		what = "the email with the link"
	}
	hooked, err := s.deliverByWebhook(ctx, t, ch, code)
	if hooked || err != nil {
		if err == nil {
			return nil
		}
		s.log.WarnContext(ctx, "code not posted", "tenant", t.ID, "method", ch.Method, "challenge", ch.ID, "err", err)
		return model.Errorf(model.ErrUnavailable, "unavailable", "%s with the code could not be sent; the app's webhook did not accept it", what)
	}
	switch ch.Method {
	case model.MethodEmailOTP:
		msg := notify.BrandedCodeEmail(s.language(ctx, t, ch), s.brand(ctx, t), code, otp.Lifetime)
		msg.To = ch.Email
		err = s.email.SendEmail(ctx, msg)
	case model.MethodSMS:
		msg := notify.LocalCodeSMS(s.language(ctx, t, ch), t.Name, code, otp.Lifetime)
		msg.To = ch.PhoneNumber
		err = s.sms.SendSMS(ctx, msg)
	case model.MethodEmailMagicLink:
		msg := notify.BrandedLinkEmail(s.language(ctx, t, ch), s.brand(ctx, t), s.linkURL(ch, code), LinkLifetime)
		msg.To = ch.Email
		err = s.email.SendEmail(ctx, msg)
	default:
		return fmt.Errorf("deliver: no sender for %s", ch.Method)
	}
	if err == nil {
		return nil
	}
	s.log.WarnContext(ctx, "code not sent", "tenant", t.ID, "method", ch.Method, "challenge", ch.ID, "err", err)
	return model.Errorf(model.ErrUnavailable, "unavailable",
		"%s with the code could not be sent; try again in a moment", what)
}

// newSecret makes the secret of a new challenge, sets its hash, expiry
// and attempt limit on ch, and returns the secret: a one-time code, or
// for an email link the link's secret.
func (s *Service) newSecret(ch *model.CodeChallenge) (string, error) {
	if ch.Method == model.MethodEmailMagicLink {
		return s.newLinkSecret(ch), nil
	}
	code, oc, err := otp.NewChallenge(s.Rand, ch.CreatedAt)
	if err != nil {
		return "", err
	}
	ch.ExpiresAt, ch.CodeHash, ch.Salt, ch.MaxAttempts = oc.ExpiresAt, oc.Hash, oc.Salt, oc.MaxAttempts
	return code, nil
}

// purgeCodeChallenges deletes, now and then, code challenges old enough to
// matter to nothing. A failure is only logged.
func (s *Service) purgeCodeChallenges(ctx context.Context, now time.Time) {
	if s.RandomBytes(1)[0]%purgeOdds != 0 {
		return
	}
	if n, err := s.store.PurgeCodeChallenges(ctx, now.Add(-codePurgeAge)); err != nil {
		s.log.WarnContext(ctx, "purge code challenges", "err", err)
	} else if n > 0 {
		s.log.DebugContext(ctx, "purged code challenges", "count", n)
	}
	// Send locks and counts matter for an hour or two; lockout records
	// with no wrong code and no lock within a day are as good as none.
	_, err1 := s.store.PurgeCodeSendLocks(ctx, now.Add(-codePurgeAge))
	_, err2 := s.store.PurgeCodeSendCounts(ctx, now.Add(-codePurgeAge).Unix()/3600)
	_, err3 := s.store.PurgeCodeLockouts(ctx, now.Add(-otp.LockoutMemory))
	if err := errors.Join(err1, err2, err3); err != nil {
		s.log.WarnContext(ctx, "purge code limits", "err", err)
	}
}

// codeAttempt is one attempt at a code challenge. load reads the challenge
// as it stands; matches reports whether the code entered is right for it
// (called only while it is open); settle runs in the transaction that
// stores the attempt, for what the result brings about. Any of them may
// return model.ErrStale to have the attempt read and judged again.
type codeAttempt struct {
	load    func(ctx context.Context) (model.CodeChallenge, error)
	matches func(ch model.CodeChallenge) (bool, error)
	settle  func(ctx context.Context, q Queries, ch model.CodeChallenge, r otp.Result) error
}

// maxAttemptRaces bounds how often an attempt is judged again after
// losing a race with a concurrent attempt at the same challenge or by the
// same user and method. Each race has a winner, so n attempts at once
// all finish within n rounds; an attempt that loses more often than this
// is refused as a conflict.
const maxAttemptRaces = 16

// attemptCode judges a code against a challenge and stores the outcome
// atomically: the attempt counts only if no other attempt was stored
// since the challenge was read, else it is judged again on a fresh read.
// It returns the result and the challenge as stored.
func (s *Service) attemptCode(ctx context.Context, a codeAttempt) (otp.Result, model.CodeChallenge, error) {
	for range maxAttemptRaces {
		r, ch, err := s.attemptOnce(ctx, a)
		if !errors.Is(err, model.ErrStale) {
			return r, ch, err
		}
	}
	return 0, model.CodeChallenge{}, model.Errorf(model.ErrConflict, "conflict",
		"too many attempts at this code at once; try again")
}

func (s *Service) attemptOnce(ctx context.Context, a codeAttempt) (otp.Result, model.CodeChallenge, error) {
	ch, err := a.load(ctx)
	if err != nil {
		return 0, ch, err
	}
	now := s.Now()
	read := asOTP(ch)
	if !read.Open(now) {
		return otp.InvalidOrExpired, ch, nil
	}
	locks, err := s.lockouts(ctx, s.store, ch)
	if err != nil {
		return 0, ch, err
	}
	if err := checkLocks(locks, now); err != nil {
		return 0, ch, err
	}
	var matchErr error
	r, after := otp.VerifyWith(read, now, func() bool {
		ok, err := a.matches(ch)
		matchErr = err
		return ok
	})
	if matchErr != nil {
		return 0, ch, matchErr
	}
	if r == otp.InvalidOrExpired {
		return r, ch, nil
	}
	if r == otp.Verified && ch.IdempotencyKey != "" {
		// The app's action.verify webhook is asked before the transaction
		// that completes the action; a refusal leaves the code unused.
		if ctx, err = s.actions.VerifyCompletion(ctx, ch.TenantID, ch.ActionCode, ch.IdempotencyKey, ch.Method, ch.AuthenticatorID); err != nil {
			return 0, ch, err
		}
	}
	ch.Attempts = after.Attempts
	if after.Used {
		ch.VerifiedAt = now
	}
	standings := make([]otp.Standing, len(locks))
	tripped := false
	for i, l := range locks {
		if r == otp.Verified {
			standings[i] = standing(l).Succeed()
			continue
		}
		var t bool
		standings[i], t = standing(l).Fail(now)
		tripped = tripped || t
	}
	err = s.store.InTx(ctx, func(q Queries) error {
		if err := q.RecordCodeAttempt(ctx, ch, read.Attempts); err != nil {
			return err
		}
		for i, l := range locks {
			if err := s.storeStanding(ctx, q, l, standings[i]); err != nil {
				return err
			}
		}
		return a.settle(ctx, q, ch, r)
	})
	if err == nil && tripped {
		s.log.InfoContext(ctx, "code method locked after too many wrong codes", "tenant", ch.TenantID,
			"method", ch.Method)
	}
	return r, ch, err
}

// lockouts reads the records a code for ch counts against: its subject's
// (the user, or the address a Server API challenge names without a user)
// and, for a code sent to an address, the address's, whichever user asked.
func (s *Service) lockouts(ctx context.Context, q Queries, ch model.CodeChallenge) ([]model.CodeLockout, error) {
	subjects := []string{ch.Subject}
	if d := ch.Destination(); d != "" && sendLockKey(d) != ch.Subject {
		subjects = append(subjects, sendLockKey(d))
	}
	out := make([]model.CodeLockout, len(subjects))
	for i, sub := range subjects {
		var err error
		if out[i], err = q.CodeLockout(ctx, ch.TenantID, sub, ch.Method); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// storeStanding stores a subject's standing with a method after an
// attempt, over the record read before it was judged: if another attempt
// was counted meanwhile, it returns model.ErrStale and the attempt is
// judged again. A clean record that stays clean is not written, only
// checked.
func (s *Service) storeStanding(ctx context.Context, q Queries, read model.CodeLockout, st otp.Standing) error {
	if st == standing(read) {
		now, err := q.CodeLockout(ctx, read.TenantID, read.Subject, read.Method)
		if err != nil {
			return err
		}
		if now.Version != read.Version {
			return model.ErrStale
		}
		return nil
	}
	return q.SaveCodeLockout(ctx, withStanding(read, st))
}

// asOTP is the part of a stored challenge the otp package judges.
func asOTP(ch model.CodeChallenge) otp.Challenge {
	return otp.Challenge{Hash: ch.CodeHash, Salt: ch.Salt, ExpiresAt: ch.ExpiresAt, Attempts: ch.Attempts,
		MaxAttempts: ch.MaxAttempts, Used: !ch.VerifiedAt.IsZero()}
}

// checkCodeInput refuses a missing or absurd verification code; any other
// wrong code counts as a wrong attempt.
func checkCodeInput(code string) error {
	code = strings.TrimSpace(code)
	if code == "" {
		return model.Invalid("verificationCode is required")
	}
	if len(code) > maxCodeLength {
		return model.Invalid("verificationCode is longer than %d characters", maxCodeLength)
	}
	return nil
}

// matchesCode checks an email or text message code against its hash in
// constant time.
func matchesCode(code string) func(model.CodeChallenge) (bool, error) {
	code = strings.TrimSpace(code)
	return func(ch model.CodeChallenge) (bool, error) {
		return otp.Check(code, ch.Salt, ch.CodeHash), nil
	}
}

// LatestCodeChallenge returns the newest code challenge of one of kinds
// and of method m for a user's action, or a not-found error.
func (s *Service) LatestCodeChallenge(ctx context.Context, tenantID, userID, idempotencyKey string,
	m model.VerificationMethod, kinds ...model.CodeChallengeKind) (model.CodeChallenge, error) {
	return s.store.LatestCodeChallenge(ctx, tenantID, userID, idempotencyKey, m, kinds...)
}
