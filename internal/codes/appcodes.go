package codes

import (
	"cmp"
	"context"
	"errors"
	"strings"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/otp"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/token"
	"github.com/uplift-dev/uplift/internal/totp"
)

// qrSize is the side, in pixels, of the QR code of an authenticator app
// enrolment.
const qrSize = 256

// AppEnrolment is an authenticator app waiting for its first code: what
// the user scans or types into the app.
type AppEnrolment struct {
	Enrolment
	// URI is the otpauth://totp/... URI the app reads.
	URI string
	// Secret is the shared secret in base32, for typing in by hand.
	Secret string
	// QRCodePNG is URI as a QR code image.
	QRCodePNG []byte
}

// EnrollApp starts enrolling an authenticator app (TOTP) for the token's
// user: a new secret, kept with the action until a code from the app
// proves it; asked again while that enrolment is open, the same secret.
// A user has one authenticator app: a new one replaces it once
// verified.
func (s *Service) EnrollApp(ctx context.Context, c tenancy.ClientCaller) (AppEnrolment, error) {
	claims, err := c.RequireToken()
	if err != nil {
		return AppEnrolment{}, err
	}
	if err := s.actions.CheckTokenAction(ctx, claims, model.MethodAuthenticatorApp); err != nil {
		return AppEnrolment{}, err
	}
	if _, err := s.actions.MayAddAuthenticator(ctx, s.store, claims); err != nil {
		return AppEnrolment{}, err
	}
	u, err := s.store.User(ctx, c.Tenant.ID, claims.UserID)
	if err != nil {
		return AppEnrolment{}, err
	}
	auths, err := s.store.Authenticators(ctx, c.Tenant.ID, claims.UserID)
	if err != nil {
		return AppEnrolment{}, err
	}
	issuer, account := cmp.Or(c.Tenant.Name, c.Tenant.RPName), cmp.Or(u.Email, u.Username, u.PhoneNumber, u.ID)
	now := s.Now()
	// An enrolment of this action still waiting for its first code is
	// shown again rather than replaced, so asking again stores nothing.
	pending, err := s.store.LatestCodeChallenge(ctx, c.Tenant.ID, claims.UserID, claims.IdempotencyKey,
		model.MethodAuthenticatorApp, model.CodeEnrol)
	if err == nil && asOTP(pending).Open(now) {
		key, err := totp.KeyFor(pending.TOTPSecret, issuer, account)
		if err != nil {
			return AppEnrolment{}, err
		}
		png, err := key.QRPNG(qrSize)
		if err != nil {
			return AppEnrolment{}, err
		}
		return AppEnrolment{Enrolment: Enrolment{AuthenticatorID: pending.AuthenticatorID, UserID: claims.UserID},
			URI: key.URI, Secret: key.Secret, QRCodePNG: png}, nil
	}
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		return AppEnrolment{}, err
	}
	key, err := totp.NewKey(s.Rand, issuer, account)
	if err != nil {
		return AppEnrolment{}, err
	}
	png, err := key.QRPNG(qrSize)
	if err != nil {
		return AppEnrolment{}, err
	}
	ch := model.CodeChallenge{ID: s.NewID(), TenantID: c.Tenant.ID, Kind: model.CodeEnrol,
		Method: model.MethodAuthenticatorApp, Subject: model.UserSubject(claims.UserID), AuthenticatorID: s.NewID(),
		TOTPSecret: key.Secret, MaxAttempts: otp.DefaultMaxAttempts, CreatedAt: now, ExpiresAt: now.Add(otp.Lifetime)}
	if a, ok := authenticatorOf(auths, model.MethodAuthenticatorApp, false); ok {
		ch.AuthenticatorID = a.ID
	}
	bindToToken(&ch, claims)
	s.purgeCodeChallenges(ctx, now)
	if err := s.store.CreateCodeChallenge(ctx, ch); err != nil {
		return AppEnrolment{}, err
	}
	return AppEnrolment{Enrolment: Enrolment{AuthenticatorID: ch.AuthenticatorID, UserID: claims.UserID},
		URI: key.URI, Secret: key.Secret, QRCodePNG: png}, nil
}

// VerifyApp checks a code from the token user's authenticator app: for
// the action's pending enrolment if there is one, else against the app
// the user has. Codes from one step either side of now are accepted, and
// a time step once accepted never is again. The attempts of one action
// are limited as for email codes.
func (s *Service) VerifyApp(ctx context.Context, c tenancy.ClientCaller, code string) (v CodeVerification, err error) {
	defer func() { s.events.SignIn(model.MethodAuthenticatorApp, verifyResult(v.IsVerified, err)) }()
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
	code = strings.TrimSpace(code)
	enrol, err := s.store.LatestCodeChallenge(ctx, c.Tenant.ID, claims.UserID, claims.IdempotencyKey,
		model.MethodAuthenticatorApp, model.CodeEnrol)
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		return CodeVerification{}, err
	}
	if err == nil && asOTP(enrol).Open(s.Now()) {
		return s.verifyAppEnrolment(ctx, c.Tenant, claims, enrol.ID, code)
	}
	auths, err := s.store.Authenticators(ctx, c.Tenant.ID, claims.UserID)
	if err != nil {
		return CodeVerification{}, err
	}
	a, ok := authenticatorOf(auths, model.MethodAuthenticatorApp, true)
	switch {
	case !ok && enrol.ID != "":
		return failedVerification(), nil
	case !ok:
		return CodeVerification{}, model.Invalid("the user has no authenticator app; enrol one first")
	}
	return s.verifyAppSignIn(ctx, c.Tenant, claims, a, code)
}

// verifyAppEnrolment checks a code against the secret of a pending
// enrolment and, when it verifies, saves the authenticator with that
// secret and the time step used.
func (s *Service) verifyAppEnrolment(ctx context.Context, t model.Tenant, claims token.Claims, id, code string) (CodeVerification, error) {
	var res CodeVerification
	var step int64
	r, _, err := s.attemptCode(ctx, codeAttempt{
		load: func(ctx context.Context) (model.CodeChallenge, error) {
			return s.store.CodeChallenge(ctx, t.ID, id, model.CodeEnrol)
		},
		matches: func(ch model.CodeChallenge) (bool, error) {
			var err error
			step, err = totp.Validate(ch.TOTPSecret, code, s.Now(), 0)
			return appCodeMatched(err)
		},
		settle: func(ctx context.Context, q Queries, ch model.CodeChallenge, r otp.Result) error {
			return s.settleClientCode(ctx, q, claims, ch, r, &res, func(a model.Authenticator) error {
				return q.SaveTOTPSecret(ctx, a, ch.TOTPSecret, step)
			})
		},
	})
	return s.finishVerification(t, claims, r, res, err)
}

// verifyAppSignIn checks a code against the secret of the user's app,
// counting the attempt on the action's app challenge, and records the
// accepted time step only if no code at or after it was accepted first.
func (s *Service) verifyAppSignIn(ctx context.Context, t model.Tenant, claims token.Claims, a model.Authenticator, code string) (CodeVerification, error) {
	ch, err := s.appChallenge(ctx, t, claims, a)
	if err != nil {
		return CodeVerification{}, err
	}
	var res CodeVerification
	var step int64
	r, _, err := s.attemptCode(ctx, codeAttempt{
		load: func(ctx context.Context) (model.CodeChallenge, error) {
			return s.store.CodeChallenge(ctx, t.ID, ch.ID, model.CodeSignIn)
		},
		matches: func(model.CodeChallenge) (bool, error) {
			secret, last, err := s.store.TOTPSecret(ctx, t.ID, a.ID)
			if err != nil {
				return false, err
			}
			step, err = totp.Validate(secret, code, s.Now(), last)
			return appCodeMatched(err)
		},
		settle: func(ctx context.Context, q Queries, ch model.CodeChallenge, r otp.Result) error {
			return s.settleClientCode(ctx, q, claims, ch, r, &res, func(model.Authenticator) error {
				// ErrStale here means a concurrent sign-in used this step
				// or a later one: the attempt is judged again, as a replay.
				return q.AdvanceTOTPStep(ctx, t.ID, a.ID, step)
			})
		},
	})
	return s.finishVerification(t, claims, r, res, err)
}

// appCodeMatched turns totp.Validate's error into a match: a wrong or
// replayed code is a wrong attempt, anything else an error.
func appCodeMatched(err error) (bool, error) {
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, totp.ErrInvalidCode), errors.Is(err, totp.ErrReplayed):
		return false, nil
	}
	return false, err
}

// appChallenge returns the challenge that counts an action's attempts at
// the user's authenticator app, making one when the action has none open.
// One that ended after too many wrong codes is returned as it is, so the
// attempts of an action stay limited. It holds the user's send lock while
// it decides, so concurrent first attempts share one challenge.
func (s *Service) appChallenge(ctx context.Context, t model.Tenant, claims token.Claims, a model.Authenticator) (model.CodeChallenge, error) {
	now := s.Now()
	var ch model.CodeChallenge
	err := s.store.InTx(ctx, func(q Queries) error {
		subject := model.UserSubject(claims.UserID)
		if err := q.LockCodeSubject(ctx, t.ID, subject, model.MethodAuthenticatorApp, now); err != nil {
			return err
		}
		var err error
		ch, err = q.LatestCodeChallenge(ctx, t.ID, claims.UserID, claims.IdempotencyKey,
			model.MethodAuthenticatorApp, model.CodeSignIn)
		if err == nil && (asOTP(ch).Open(now) || ch.Attempts >= ch.MaxAttempts) {
			return nil
		}
		if err != nil && !errors.Is(err, model.ErrNotFound) {
			return err
		}
		ch = model.CodeChallenge{ID: s.NewID(), TenantID: t.ID, Kind: model.CodeSignIn,
			Method: model.MethodAuthenticatorApp, Subject: subject, AuthenticatorID: a.ID,
			MaxAttempts: otp.DefaultMaxAttempts, CreatedAt: now, ExpiresAt: now.Add(otp.Lifetime)}
		bindToToken(&ch, claims)
		return q.CreateCodeChallenge(ctx, ch)
	})
	return ch, err
}
