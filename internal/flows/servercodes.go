package flows

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/otp"
	"github.com/uplift-dev/uplift/internal/store"
)

// ServerChallengeInput is an app backend's request to send a code to an
// email address or phone number (POST /v1/challenge).
type ServerChallengeInput struct {
	Method         model.VerificationMethod
	ActionCode     string
	IdempotencyKey string
	// UserID, when given, is the only user who may claim the challenge.
	UserID      string
	Email       string
	PhoneNumber string
	Scope       string
	DeviceID    string
}

// ServerChallenge is a code on its way: the challenge to verify, and the
// idempotency key of the action that will claim it.
type ServerChallenge struct {
	ID             string
	IdempotencyKey string
	ExpiresAt      time.Time
}

// StartServerChallenge sends a code to an address for the app's backend,
// which later verifies what the user typed (VerifyServerChallenge) and
// then tracks the action with the challenge's id to record the sign-in.
func (s *Service) StartServerChallenge(ctx context.Context, t model.Tenant, in ServerChallengeInput) (ServerChallenge, error) {
	if err := s.checkServerChallenge(&in); err != nil {
		return ServerChallenge{}, err
	}
	ch := model.CodeChallenge{Kind: model.CodeServer, Method: in.Method, UserID: in.UserID,
		ActionCode: in.ActionCode, IdempotencyKey: in.IdempotencyKey, DeviceID: in.DeviceID, Scope: in.Scope}
	address := in.Email
	if in.Method == model.MethodSMS {
		address = in.PhoneNumber
	}
	if err := setAddress(&ch, address); err != nil {
		return ServerChallenge{}, err
	}
	ch.Subject = addressSubject(ch)
	if in.UserID != "" {
		ch.Subject = userSubject(in.UserID)
	}
	ch, err := s.sendCode(ctx, t, ch)
	if err != nil {
		return ServerChallenge{}, err
	}
	return ServerChallenge{ID: ch.ID, IdempotencyKey: ch.IdempotencyKey, ExpiresAt: ch.ExpiresAt}, nil
}

// checkServerChallenge validates a Server API challenge request and fills
// in its idempotency key when it has none.
func (s *Service) checkServerChallenge(in *ServerChallengeInput) error {
	switch in.Method {
	case model.MethodEmailOTP:
		if in.PhoneNumber != "" {
			return model.Invalid("an EMAIL_OTP challenge takes an email, not a phoneNumber")
		}
	case model.MethodSMS:
		if in.Email != "" {
			return model.Invalid("an SMS challenge takes a phoneNumber, not an email")
		}
	default:
		return model.Invalid("verificationMethod must be EMAIL_OTP or SMS")
	}
	if err := s.requireMethod(in.Method); err != nil {
		return err
	}
	if !model.ValidActionCode(in.ActionCode) {
		return model.Invalid("action must match ^[a-zA-Z0-9_-]{1,64}$")
	}
	if in.UserID != "" && !model.ValidUserID(in.UserID) {
		return model.Invalid("userId must be 1 to 255 characters without slashes or control characters")
	}
	if in.IdempotencyKey == "" {
		in.IdempotencyKey = s.NewID()
	} else if !model.ValidIdempotencyKey(in.IdempotencyKey) {
		return model.Invalid("idempotencyKey must be 1 to 128 letters, digits, '-', '_' or '.'")
	}
	for _, sc := range strings.Fields(in.Scope) {
		if !slices.Contains(knownScopes, sc) {
			return model.Invalid("unknown scope %q; known scopes are %s", sc, strings.Join(knownScopes, ", "))
		}
	}
	in.Scope = strings.Join(strings.Fields(in.Scope), " ")
	if len(in.DeviceID) > 128 {
		return model.Invalid("deviceId is longer than 128 characters")
	}
	return nil
}

// addressSubject is the throttle subject of sends to an address with no
// user named.
func addressSubject(ch model.CodeChallenge) string {
	if ch.Method == model.MethodSMS {
		return "phone:" + ch.PhoneNumber
	}
	return "email:" + strings.ToLower(ch.Email)
}

// ServerVerification is the outcome of checking a Server API challenge's
// code.
type ServerVerification struct {
	IsVerified bool
	// FailureReason is CODE_INVALID_OR_EXPIRED, MAX_ATTEMPTS_EXCEEDED or
	// TOO_MANY_ATTEMPTS when the code did not verify.
	FailureReason string
	// RetryAfter, with TOO_MANY_ATTEMPTS, is how long the method stays
	// locked for the challenge's user or address.
	RetryAfter time.Duration
	Challenge  model.CodeChallenge
}

// VerifyServerChallenge checks the code a user typed for a Server API
// challenge (POST /v1/verify). Attempts are limited as for every code.
func (s *Service) VerifyServerChallenge(ctx context.Context, t model.Tenant, id, code string) (ServerVerification, error) {
	if id == "" {
		return ServerVerification{}, model.Invalid("challengeId is required")
	}
	if err := checkCodeInput(code); err != nil {
		return ServerVerification{}, err
	}
	if !model.ValidUUID(id) {
		return ServerVerification{}, model.NotFound("challenge not found")
	}
	r, ch, err := s.attemptCode(ctx, codeAttempt{
		load: func(ctx context.Context) (model.CodeChallenge, error) {
			return s.store.CodeChallenge(ctx, t.ID, id, model.CodeServer)
		},
		matches: matchesCode(code),
		settle: func(context.Context, storeQueries, model.CodeChallenge, otp.Result) error {
			return nil
		},
	})
	if le, ok := AsLocked(err); ok {
		return ServerVerification{FailureReason: otp.ReasonTooManyAttempts, RetryAfter: le.RetryAfter, Challenge: ch}, nil
	}
	if err != nil {
		return ServerVerification{}, err
	}
	return ServerVerification{IsVerified: r == otp.Verified, FailureReason: r.FailureReason(), Challenge: ch}, nil
}

// claimWindow is how long after its code verified a Server API challenge
// may be claimed by track.
const claimWindow = otp.Lifetime

// prepareClaim checks that a track call may claim the Server API challenge
// it names: verified, of the same action and (when the challenge names
// one) user, and not claimed by another action. The action takes the
// challenge's idempotency key when the call gives none.
func (s *Service) prepareClaim(ctx context.Context, t model.Tenant, in *TrackInput) (model.CodeChallenge, error) {
	if !model.ValidUUID(in.ChallengeID) {
		return model.CodeChallenge{}, model.NotFound("challenge not found")
	}
	ch, err := s.store.CodeChallenge(ctx, t.ID, in.ChallengeID, model.CodeServer)
	if err != nil {
		return ch, err
	}
	switch {
	case ch.VerifiedAt.IsZero():
		return ch, model.Invalid("the challenge's code has not been verified; verify it first")
	case ch.ActionCode != in.ActionCode:
		return ch, model.Invalid("the challenge was started for the action %q, not %q", ch.ActionCode, in.ActionCode)
	case ch.UserID != "" && ch.UserID != in.UserID:
		return ch, model.Errorf(model.ErrForbidden, "forbidden", "the challenge was started for another user")
	case in.IdempotencyKey != "" && in.IdempotencyKey != ch.IdempotencyKey:
		return ch, model.Invalid("idempotencyKey differs from the challenge's; leave it out or send %s", ch.IdempotencyKey)
	case ch.ClaimedAt.IsZero() && !s.Now().Before(ch.VerifiedAt.Add(claimWindow)):
		return ch, model.Invalid("the challenge was verified more than %d minutes ago; start a new one", int(claimWindow/time.Minute))
	}
	in.IdempotencyKey = ch.IdempotencyKey
	return ch, nil
}

// claimChallenge completes a newly tracked action with the verified Server
// API challenge it named, inside track's transaction: the action becomes
// CHALLENGE_SUCCEEDED by the challenge's method, the address counts as
// verified, and a user with no authenticator of that method gets one for
// it. An action the challenge cannot complete (blocked, under review) is
// left as it is and the challenge unclaimed. It returns the action and the
// user's authenticators as they are afterwards.
func (s *Service) claimChallenge(ctx context.Context, q storeQueries, t model.Tenant, ch model.CodeChallenge,
	a model.Action, auths []model.Authenticator) (model.Action, []model.Authenticator, error) {
	if !ch.ClaimedAt.IsZero() || (a.State != model.StateAllow && a.State != model.StateChallengeRequired) {
		// Claimed already, by this same action tracked again; or the
		// action cannot be completed.
		return a, auths, nil
	}
	err := q.ClaimCodeChallenge(ctx, t.ID, ch.ID, s.Now())
	if errors.Is(err, store.ErrStale) {
		return a, auths, model.Errorf(model.ErrConflict, "conflict", "the challenge was already claimed")
	}
	if err != nil {
		return a, auths, err
	}
	au, err := s.enrolClaimedAddress(ctx, q, a.UserID, ch, auths)
	if err != nil {
		return a, auths, err
	}
	if err := s.markContactVerified(ctx, q, t.ID, a.UserID, ch.Email, ch.PhoneNumber); err != nil {
		return a, auths, err
	}
	if a, err = s.completeAction(ctx, q, t.ID, a.IdempotencyKey, ch.Method, au.ID); err != nil {
		return a, auths, err
	}
	auths, err = q.Authenticators(ctx, t.ID, a.UserID)
	return a, auths, err
}

// enrolClaimedAddress returns the user's authenticator for the verified
// address, noting its use, or enrols the address when the user has no
// authenticator of that method. A user who has one for another address
// keeps it, and the sign-in is recorded without an authenticator.
func (s *Service) enrolClaimedAddress(ctx context.Context, q storeQueries, userID string, ch model.CodeChallenge,
	auths []model.Authenticator) (model.Authenticator, error) {
	now := s.Now()
	ofMethod := false
	for _, a := range auths {
		if a.Method != ch.Method {
			continue
		}
		ofMethod = true
		if !strings.EqualFold(a.Email, ch.Email) || a.PhoneNumber != ch.PhoneNumber {
			continue
		}
		a.LastVerifiedAt = now
		if a.VerifiedAt.IsZero() {
			a.VerifiedAt = now
		}
		return a, q.SetAuthenticatorVerified(ctx, a)
	}
	if ofMethod {
		return model.Authenticator{}, nil
	}
	a := model.Authenticator{ID: s.NewID(), TenantID: ch.TenantID, UserID: userID, Method: ch.Method,
		Email: ch.Email, PhoneNumber: ch.PhoneNumber, IsDefault: len(auths) == 0,
		CreatedAt: now, VerifiedAt: now, LastVerifiedAt: now}
	return a, q.CreateAuthenticator(ctx, a)
}
