package codes

import (
	"context"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/otp"
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
func (s *Service) StartServerChallenge(ctx context.Context, t model.Tenant, in ServerChallengeInput) (_ ServerChallenge, err error) {
	defer func() { s.events.Challenge(in.Method, model.ResultOf(err)) }()
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
		ch.Subject = model.UserSubject(in.UserID)
	}
	ch, err = s.sendCode(ctx, t, ch)
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
	scope, err := actions.NormalizeScope(in.Scope)
	if err != nil {
		return err
	}
	in.Scope = scope
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
func (s *Service) VerifyServerChallenge(ctx context.Context, t model.Tenant, id, code string) (v ServerVerification, err error) {
	defer func() { s.events.SignIn(v.Challenge.Method, verifyResult(v.IsVerified, err)) }()
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
		settle: func(context.Context, Queries, model.CodeChallenge, otp.Result) error {
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
