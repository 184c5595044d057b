package codes

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/otp"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/token"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// Enrolment is an authenticator waiting for its first code: the id it
// will have once verified, and its user.
type Enrolment struct {
	AuthenticatorID string
	UserID          string
}

// CodeVerification is the outcome of entering a code through the Client
// API.
type CodeVerification struct {
	IsVerified bool
	// FailureReason is CODE_INVALID_OR_EXPIRED, MAX_ATTEMPTS_EXCEEDED or
	// TOO_MANY_ATTEMPTS when the code did not verify.
	FailureReason string
	// RetryAfter, with TOO_MANY_ATTEMPTS, is how long the method stays
	// locked for the user.
	RetryAfter time.Duration
	// AccessToken is a new token for the action, when the code verified.
	AccessToken string
	// Authenticator is the authenticator an enrolment added or replaced;
	// nil for a sign-in.
	Authenticator *model.Authenticator
}

// EnrollContact starts enrolling an email address (EMAIL_OTP, or
// EMAIL_MAGIC_LINK with a link) or phone number (SMS) for the token's
// user by sending it a code; verifying the code completes the
// enrolment. A user has one authenticator of each of
// these methods: enrolling another address replaces it once verified.
func (s *Service) EnrollContact(ctx context.Context, c tenancy.ClientCaller, m model.VerificationMethod, address string) (Enrolment, error) {
	claims, err := c.RequireToken()
	if err != nil {
		return Enrolment{}, err
	}
	ch := model.CodeChallenge{Kind: model.CodeEnrol, Method: m, Subject: model.UserSubject(claims.UserID)}
	if err := setAddress(&ch, address); err != nil {
		return Enrolment{}, err
	}
	if err := s.requireMethod(m); err != nil {
		return Enrolment{}, err
	}
	if err := s.actions.CheckTokenAction(ctx, claims, m); err != nil {
		return Enrolment{}, err
	}
	first, err := s.actions.MayAddAuthenticator(ctx, s.store, claims)
	if err != nil {
		return Enrolment{}, err
	}
	if first && !claims.HasScope(model.ScopeAddAuthenticators) {
		if err := s.matchKnownAddress(ctx, c.Tenant.ID, claims.UserID, ch); err != nil {
			return Enrolment{}, err
		}
	}
	auths, err := s.store.Authenticators(ctx, c.Tenant.ID, claims.UserID)
	if err != nil {
		return Enrolment{}, err
	}
	ch.AuthenticatorID = s.NewID()
	if a, ok := authenticatorOf(auths, m, false); ok {
		ch.AuthenticatorID = a.ID
	}
	bindToToken(&ch, claims)
	ch, err = s.sendCode(ctx, c.Tenant, ch)
	return Enrolment{AuthenticatorID: ch.AuthenticatorID, UserID: claims.UserID}, err
}

// matchKnownAddress refuses a first authenticator, enrolled with a plain
// track token, at another address than the one the app gave the user:
// whoever holds the token of a user with nothing enrolled must not make
// their own mailbox or phone that user's way in. An app that lets its
// users choose tracks with scope add:authenticators.
func (s *Service) matchKnownAddress(ctx context.Context, tenantID, userID string, ch model.CodeChallenge) error {
	u, err := s.store.User(ctx, tenantID, userID)
	if err != nil {
		return err
	}
	known := u.Email
	if ch.Method == model.MethodSMS {
		known = u.PhoneNumber
	}
	if known == "" || strings.EqualFold(known, ch.Address()) {
		return nil
	}
	return model.Errorf(model.ErrForbidden, "address_mismatch",
		"the app gave this user another %s; enrol that one, or track with scope add:authenticators to let the user choose",
		map[model.VerificationMethod]string{model.MethodEmailOTP: "email address", model.MethodEmailMagicLink: "email address",
			model.MethodSMS: "phone number"}[ch.Method])
}

// setAddress checks the address for ch's method and sets it.
func setAddress(ch *model.CodeChallenge, address string) error {
	switch ch.Method {
	case model.MethodEmailOTP, model.MethodEmailMagicLink:
		if !actions.ValidEmail(address) {
			return model.Invalid("email must be a valid email address")
		}
		ch.Email = address
	case model.MethodSMS:
		if !actions.ValidPhoneNumber(address) {
			return model.Invalid("phoneNumber must be in E.164 form, such as +14155550100")
		}
		ch.PhoneNumber = address
	default:
		return model.Invalid("%s codes are not sent to an address", ch.Method)
	}
	return nil
}

// ChallengeContact sends a code to the token user's email (EMAIL_OTP) or
// phone (SMS) authenticator and returns the challenge id.
func (s *Service) ChallengeContact(ctx context.Context, c tenancy.ClientCaller, m model.VerificationMethod) (_ string, err error) {
	defer func() { s.events.Challenge(m, model.ResultOf(err)) }()
	claims, err := c.RequireToken()
	if err != nil {
		return "", err
	}
	if err := s.requireMethod(m); err != nil {
		return "", err
	}
	if err := s.actions.CheckTokenAction(ctx, claims, m); err != nil {
		return "", err
	}
	auths, err := s.store.Authenticators(ctx, c.Tenant.ID, claims.UserID)
	if err != nil {
		return "", err
	}
	a, ok := authenticatorOf(auths, m, true)
	if !ok {
		return "", model.Invalid("the user has no verified %s authenticator; enrol one first", m)
	}
	ch := model.CodeChallenge{Kind: model.CodeSignIn, Method: m, Subject: model.UserSubject(claims.UserID),
		AuthenticatorID: a.ID, Email: a.Email, PhoneNumber: a.PhoneNumber}
	bindToToken(&ch, claims)
	ch, err = s.sendCode(ctx, c.Tenant, ch)
	return ch.ID, err
}

// VerifyContact checks a code the token's user received by email or text
// message, for the action's latest enrolment or sign-in of that method.
// A right code completes the enrolment or sign-in and the action; the
// last wrong code allowed fails the action's challenge.
func (s *Service) VerifyContact(ctx context.Context, c tenancy.ClientCaller, m model.VerificationMethod, code string) (v CodeVerification, err error) {
	defer func() { s.events.SignIn(m, verifyResult(v.IsVerified, err)) }()
	claims, err := c.RequireToken()
	if err != nil {
		return CodeVerification{}, err
	}
	if err := checkCodeInput(code); err != nil {
		return CodeVerification{}, err
	}
	if failed, err := s.actions.ActionFailed(ctx, claims); err != nil || failed {
		return failedVerification(), err
	}
	var res CodeVerification
	r, _, err := s.attemptCode(ctx, codeAttempt{
		load: func(ctx context.Context) (model.CodeChallenge, error) {
			ch, err := s.store.LatestCodeChallenge(ctx, c.Tenant.ID, claims.UserID, claims.IdempotencyKey, m,
				model.CodeEnrol, model.CodeSignIn)
			if errors.Is(err, model.ErrNotFound) {
				err = model.Invalid("no %s code has been sent for this action; call enroll or challenge first", m)
			}
			return ch, err
		},
		matches: matchesCode(code),
		settle: func(ctx context.Context, q Queries, ch model.CodeChallenge, r otp.Result) error {
			return s.settleClientCode(ctx, q, claims, ch, r, &res, nil)
		},
	})
	return s.finishVerification(c.Tenant, claims, r, res, err)
}

// settleClientCode carries out what a Client API attempt brought about, in
// the transaction that stored it: a verified enrolment saves the
// authenticator, a verified sign-in records its use, and either completes
// the action; the last wrong code allowed fails the action's challenge.
// proveApp, for an authenticator app, stores what the code proved of it
// once the authenticator is saved.
func (s *Service) settleClientCode(ctx context.Context, q Queries, claims token.Claims, ch model.CodeChallenge,
	r otp.Result, res *CodeVerification, proveApp func(model.Authenticator) error) error {
	switch r {
	case otp.MaxAttemptsExceeded:
		return s.actions.FailAction(ctx, q, claims.TenantID, claims.IdempotencyKey)
	case otp.Verified:
	default:
		return nil
	}
	var a model.Authenticator
	var err error
	complete := true
	if ch.Kind == model.CodeEnrol {
		if complete, err = s.actions.MayAddAuthenticator(ctx, q, claims); err != nil {
			return err
		}
		if a, err = s.saveEnrolledAuthenticator(ctx, q, ch); err != nil {
			return err
		}
		res.Authenticator = &a
	} else if a, err = s.recordAuthenticatorUse(ctx, q, ch); err != nil {
		return err
	}
	if proveApp != nil {
		if err := proveApp(a); err != nil {
			return err
		}
	}
	if ch.Email != "" || ch.PhoneNumber != "" {
		if err := s.actions.MarkContactVerified(ctx, q, claims.TenantID, claims.UserID, ch.Email, ch.PhoneNumber); err != nil {
			return err
		}
	}
	if !complete {
		// A further authenticator added with the add:authenticators scope
		// or after a challenge leaves the action as it is.
		return nil
	}
	_, err = s.actions.CompleteAction(ctx, q, claims.TenantID, claims.IdempotencyKey, ch.Method, a.ID)
	return err
}

// finishVerification turns an attempt's result into the Client API's
// answer, with a new token for the action when the code verified.
func (s *Service) finishVerification(t model.Tenant, claims token.Claims, r otp.Result, res CodeVerification, err error) (CodeVerification, error) {
	if le, ok := AsLocked(err); ok {
		return CodeVerification{FailureReason: otp.ReasonTooManyAttempts, RetryAfter: le.RetryAfter}, nil
	}
	if err != nil {
		return CodeVerification{}, err
	}
	if r != otp.Verified {
		return CodeVerification{FailureReason: r.FailureReason()}, nil
	}
	res.IsVerified = true
	res.AccessToken, err = s.tenancy.IssueActionToken(t, model.Action{UserID: claims.UserID, Code: claims.ActionCode,
		IdempotencyKey: claims.IdempotencyKey}, claims.DeviceID, claims.Scope)
	return res, err
}

// failedVerification is the answer for a code entered after the action's
// challenge already failed.
func failedVerification() CodeVerification {
	return CodeVerification{FailureReason: otp.ReasonCodeInvalidOrExpired}
}

// saveEnrolledAuthenticator stores the authenticator a verified enrolment
// proved: a new one with the id the enrolment announced, or, when the user
// already has one of the method, that one with the new address.
func (s *Service) saveEnrolledAuthenticator(ctx context.Context, q Queries, ch model.CodeChallenge) (model.Authenticator, error) {
	auths, err := q.Authenticators(ctx, ch.TenantID, ch.UserID)
	if err != nil {
		return model.Authenticator{}, err
	}
	now := s.Now()
	a, ok := authenticatorByID(auths, ch.AuthenticatorID)
	if !ok {
		a, ok = authenticatorOf(auths, ch.Method, false)
	}
	if ok {
		a.Email, a.PhoneNumber, a.VerifiedAt, a.LastVerifiedAt = ch.Email, ch.PhoneNumber, now, now
		if err := q.SetAuthenticatorVerified(ctx, a); err != nil {
			return a, err
		}
		return a, webhooks.AuthenticatorEvent(ctx, q, s.Source, webhooks.AuthenticatorUpdated, a, nil)
	}
	a = model.Authenticator{ID: ch.AuthenticatorID, TenantID: ch.TenantID, UserID: ch.UserID, Method: ch.Method,
		Email: ch.Email, PhoneNumber: ch.PhoneNumber, IsDefault: len(auths) == 0,
		CreatedAt: now, VerifiedAt: now, LastVerifiedAt: now}
	if err := q.CreateAuthenticator(ctx, a); err != nil {
		return a, err
	}
	return a, webhooks.AuthenticatorEvent(ctx, q, s.Source, webhooks.AuthenticatorCreated, a, nil)
}

// recordAuthenticatorUse notes that a sign-in code proved the challenge's
// authenticator, which must still be there with the same address.
func (s *Service) recordAuthenticatorUse(ctx context.Context, q Queries, ch model.CodeChallenge) (model.Authenticator, error) {
	auths, err := q.Authenticators(ctx, ch.TenantID, ch.UserID)
	if err != nil {
		return model.Authenticator{}, err
	}
	a, ok := authenticatorByID(auths, ch.AuthenticatorID)
	if !ok || !strings.EqualFold(a.Email, ch.Email) || a.PhoneNumber != ch.PhoneNumber {
		return a, model.Errorf(model.ErrConflict, "conflict",
			"the authenticator was removed or changed after the code was sent; start again")
	}
	a.LastVerifiedAt = s.Now()
	if a.VerifiedAt.IsZero() {
		a.VerifiedAt = a.LastVerifiedAt
	}
	return a, q.SetAuthenticatorVerified(ctx, a)
}

// bindToToken ties a challenge to the token's user and action.
func bindToToken(ch *model.CodeChallenge, claims token.Claims) {
	ch.UserID, ch.ActionCode, ch.IdempotencyKey = claims.UserID, claims.ActionCode, claims.IdempotencyKey
	ch.DeviceID, ch.Scope = claims.DeviceID, claims.Scope
}

// authenticatorOf picks the user's authenticator of method m: the default
// one if it is of that method, else the most recently verified. With
// verified set, only verified authenticators count.
func authenticatorOf(auths []model.Authenticator, m model.VerificationMethod, verified bool) (model.Authenticator, bool) {
	var best model.Authenticator
	found := false
	for _, a := range auths {
		if a.Method != m || (verified && a.VerifiedAt.IsZero()) {
			continue
		}
		if a.IsDefault {
			return a, true
		}
		if !found || a.LastVerifiedAt.After(best.LastVerifiedAt) {
			best, found = a, true
		}
	}
	return best, found
}

// authenticatorByID finds one of auths by id.
func authenticatorByID(auths []model.Authenticator, id string) (model.Authenticator, bool) {
	for _, a := range auths {
		if a.ID == id {
			return a, true
		}
	}
	return model.Authenticator{}, false
}
