package flows

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/uplift-dev/uplift/internal/ceremony"
	"github.com/uplift-dev/uplift/internal/devices"
	"github.com/uplift-dev/uplift/internal/model"
)

// DefaultPasskeyAction is the action a username-less passkey sign-in
// completes when the client names none (browser autofill, for example).
const DefaultPasskeyAction = "signInWithPasskey"

// StartPasskeyChallenge begins a passkey sign-in for an action before the
// user is known (POST /v1/client/challenge). The action itself is tracked
// when the passkey names its user. idempotencyKey is optional.
func (s *Service) StartPasskeyChallenge(ctx context.Context, c ClientCaller, action, idempotencyKey string) (string, error) {
	if c.Claims != nil {
		return "", model.Invalid("a token already names its action; request authentication options with it instead")
	}
	if !model.ValidActionCode(action) {
		return "", model.Invalid("action must match ^[a-zA-Z0-9_-]{1,64}$")
	}
	if idempotencyKey != "" && !model.ValidIdempotencyKey(idempotencyKey) {
		return "", model.Invalid("idempotencyKey must be 1 to 128 letters, digits, '-', '_' or '.'")
	}
	ch := s.challengeFor(c.Tenant, model.ChallengeAuthentication, nil)
	ch.ActionCode, ch.IdempotencyKey = action, idempotencyKey
	ch, err := s.newChallenge(ctx, ch)
	if err != nil {
		return "", err
	}
	return ch.ID, nil
}

// PasskeyAuthenticationOptions issues sign-in options. With a token,
// allowCredentials lists the token user's passkeys; with only a tenant id,
// the sign-in is username-less. challengeID, when given, is one from
// StartPasskeyChallenge or an earlier options call of the same caller.
func (s *Service) PasskeyAuthenticationOptions(ctx context.Context, c ClientCaller, challengeID string) (PasskeyOptions, error) {
	if challengeID == "" {
		ch, err := s.newChallenge(ctx, s.challengeFor(c.Tenant, model.ChallengeAuthentication, c.Claims))
		if err != nil {
			return PasskeyOptions{}, err
		}
		challengeID = ch.ID
	}
	ch, err := s.store.PasskeyChallenge(ctx, c.Tenant.ID, challengeID, s.Now())
	if err != nil {
		return PasskeyOptions{}, err
	}
	if err := checkChallengeCaller(ch, c, model.ChallengeAuthentication); err != nil {
		return PasskeyOptions{}, err
	}
	var cu *ceremony.User
	if ch.UserID != "" {
		u, err := s.ceremonyUser(ctx, c.Tenant.ID, ch.UserID, true)
		if err != nil {
			return PasskeyOptions{}, err
		}
		cu = &u
	}
	opts, session, err := ceremony.BeginLogin(ceremony.ForTenant(c.Tenant), cu, c.Tenant.Passkey.UserVerification)
	if err != nil {
		return PasskeyOptions{}, err
	}
	now := s.Now()
	if err := s.store.SetChallengeSession(ctx, c.Tenant.ID, ch.ID, session, now, now.Add(ceremony.Timeout)); err != nil {
		return PasskeyOptions{}, err
	}
	return PasskeyOptions{ChallengeID: ch.ID, Options: opts}, nil
}

// VerifyPasskeyInput is a sign-in response to verify.
type VerifyPasskeyInput struct {
	ChallengeID string
	Response    json.RawMessage
	DeviceID    string
	UserAgent   string
	IPAddress   string
}

// VerifyPasskeyResult is a completed passkey sign-in.
type VerifyPasskeyResult struct {
	User            model.User
	AuthenticatorID string
	Action          model.Action
	AccessToken     string
}

// VerifyPasskey verifies a sign-in response, completes the action
// (CHALLENGE_SUCCEEDED, verified by PASSKEY) and records the sign-in on
// the passkey and the device.
func (s *Service) VerifyPasskey(ctx context.Context, c ClientCaller, in VerifyPasskeyInput) (VerifyPasskeyResult, error) {
	if in.ChallengeID == "" || len(in.Response) == 0 {
		return VerifyPasskeyResult{}, model.Invalid("challengeId and authenticationCredential are required")
	}
	assertion, err := ceremony.ParseAssertion(in.Response)
	if err != nil {
		return VerifyPasskeyResult{}, err
	}
	ch, err := s.store.ConsumePasskeyChallenge(ctx, c.Tenant.ID, in.ChallengeID, s.Now())
	if err != nil {
		return VerifyPasskeyResult{}, err
	}
	if err := checkChallengeCaller(ch, c, model.ChallengeAuthentication); err != nil {
		return VerifyPasskeyResult{}, err
	}
	if len(ch.Session) == 0 {
		return VerifyPasskeyResult{}, model.Errorf(model.ErrInvalid, "invalid_challenge",
			"request authentication options for this challenge before verifying")
	}
	deviceID, err := resolveDeviceID(in.DeviceID, ch.DeviceID)
	if err != nil {
		return VerifyPasskeyResult{}, err
	}
	login, err := s.checkAssertion(ctx, c.Tenant, ch, assertion)
	if err != nil {
		return VerifyPasskeyResult{}, err
	}
	return s.completeSignIn(ctx, c.Tenant, ch, login, signInContext{
		deviceID: deviceID, userAgent: devices.ParseUserAgent(in.UserAgent).UA, ip: in.IPAddress,
		attachment: assertion.Attachment(),
	})
}

// checkAssertion finds the passkey a response names and verifies the
// response with it. A passkey the tenant does not have (deleted, or never
// registered) is unknown_credential, so the browser can forget it.
func (s *Service) checkAssertion(ctx context.Context, t model.Tenant, ch model.PasskeyChallenge, a ceremony.Assertion) (ceremony.Login, error) {
	p, err := s.store.PasskeyByCredentialID(ctx, t.ID, a.CredentialID())
	if errors.Is(err, model.ErrNotFound) {
		return ceremony.Login{}, ceremony.ErrUnknownCredential
	}
	if err != nil {
		return ceremony.Login{}, err
	}
	if ch.UserID != "" && p.UserID != ch.UserID {
		return ceremony.Login{}, model.Errorf(model.ErrForbidden, "invalid_credential", "this passkey belongs to another user")
	}
	cu, err := s.ceremonyUser(ctx, t.ID, p.UserID, false)
	if err != nil {
		return ceremony.Login{}, err
	}
	login, err := ceremony.FinishLogin(ceremony.ForTenant(t), cu, ch.Session, a)
	if errors.Is(err, ceremony.ErrSignCountRegressed) {
		s.log.WarnContext(ctx, "passkey sign-in refused: signature counter went backwards",
			"tenant", t.ID, "authenticator", p.AuthenticatorID, "stored_count", p.SignCount)
		if rerr := s.store.RecordCounterRegression(ctx, t.ID, p.AuthenticatorID, s.Now()); rerr != nil {
			return login, errors.Join(err, rerr)
		}
	}
	return login, err
}

type signInContext struct {
	deviceID, userAgent, ip, attachment string
}

// completeSignIn records a verified sign-in and moves its action to
// CHALLENGE_SUCCEEDED. A username-less sign-in tracks its action first.
func (s *Service) completeSignIn(ctx context.Context, t model.Tenant, ch model.PasskeyChallenge, login ceremony.Login, sc signInContext) (VerifyPasskeyResult, error) {
	p := login.Passkey
	key := ch.IdempotencyKey
	if ch.UserID == "" {
		tr, err := s.Track(ctx, t, TrackInput{UserID: p.UserID, ActionCode: firstNonEmpty(ch.ActionCode, DefaultPasskeyAction),
			IdempotencyKey: key, DeviceID: sc.deviceID, UserAgent: sc.userAgent, IPAddress: sc.ip})
		if err != nil {
			return VerifyPasskeyResult{}, err
		}
		key = tr.Action.IdempotencyKey
	}
	now := s.Now()
	p.LastVerifiedAt = now
	if login.BackupEligibleChanged {
		p.BackupEligibleChanges++
		p.BackupEligibleChangedAt = now
		s.log.WarnContext(ctx, "passkey backup-eligible flag changed; accepted and stored", "tenant", t.ID,
			"authenticator", p.AuthenticatorID, "backup_eligible", p.Flags.BackupEligible)
	}
	var res VerifyPasskeyResult
	err := s.store.InTx(ctx, func(q storeQueries) error {
		var err error
		if res.Action, err = s.completeAction(ctx, q, t.ID, key, model.MethodPasskey, p.AuthenticatorID); err != nil {
			return err
		}
		if err := q.RecordPasskeySignIn(ctx, p); err != nil {
			return err
		}
		var rel model.DevicePasskeyRelation
		if sc.attachment == "platform" {
			rel = model.RelationUsedPlatform
		}
		return notePasskeyOnDevice(ctx, q, t.ID, sc.deviceID, sc.userAgent, p.AuthenticatorID, rel, now)
	})
	if err != nil {
		return VerifyPasskeyResult{}, err
	}
	if res.User, err = s.store.User(ctx, t.ID, p.UserID); err != nil {
		return VerifyPasskeyResult{}, err
	}
	res.AuthenticatorID = p.AuthenticatorID
	res.AccessToken, err = s.IssueActionToken(t, res.Action, sc.deviceID, ch.Scope)
	return res, err
}

// completeAction records that an authenticator completed the action's
// challenge: CHALLENGE_REQUIRED and ALLOW become CHALLENGE_SUCCEEDED with
// the method that completed it, if the action permits that method; an action already succeeded keeps the
// method that completed it first; blocked, failed or reviewed actions
// cannot be completed.
func (s *Service) completeAction(ctx context.Context, q storeQueries, tenantID, key string,
	method model.VerificationMethod, authID string) (model.Action, error) {
	a, err := q.Action(ctx, tenantID, key)
	if err != nil {
		return a, err
	}
	switch a.State {
	case model.StateChallengeSucceeded:
		return a, nil
	case model.StateChallengeRequired, model.StateAllow:
		if err := methodPermitted(a, method); err != nil {
			return a, err
		}
		a.State, a.StateUpdatedAt = model.StateChallengeSucceeded, s.Now()
		a.VerificationMethod, a.VerifiedAuthenticatorID = method, authID
		return a, q.SetActionState(ctx, a)
	}
	return a, model.Errorf(model.ErrForbidden, "forbidden", "the action is %s; a challenge cannot complete it", a.State)
}

// FindPasskeys returns those of the tenant's passkeys whose base64url
// credential ids are listed (at most 50).
func (s *Service) FindPasskeys(ctx context.Context, tenantID string, credentialIDs []string) ([]model.Passkey, error) {
	if len(credentialIDs) == 0 || len(credentialIDs) > 50 {
		return nil, model.Invalid("credentialIds lists 1 to 50 credential ids")
	}
	ids := make([][]byte, 0, len(credentialIDs))
	for _, c := range credentialIDs {
		id, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(c, "="))
		if err != nil || len(id) == 0 || len(id) > 1023 {
			return nil, model.Invalid("credentialIds must be base64url credential ids")
		}
		ids = append(ids, id)
	}
	return s.store.PasskeysByCredentialIDs(ctx, tenantID, ids)
}
