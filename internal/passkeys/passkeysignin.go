package passkeys

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/ceremony"
	"github.com/uplift-dev/uplift/internal/devices"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// DefaultPasskeyAction is the action a username-less passkey sign-in
// completes when the client names none (browser autofill, for example).
const DefaultPasskeyAction = "signInWithPasskey"

// StartPasskeyChallenge begins a passkey sign-in for an action before the
// user is known (POST /v1/client/challenge). The ceremony begins here, so
// the options call that follows only reads it; the action itself is
// tracked when the passkey names its user. idempotencyKey is optional.
func (s *Service) StartPasskeyChallenge(ctx context.Context, c tenancy.ClientCaller, action, idempotencyKey string) (string, error) {
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
	if err := s.beginLogin(ctx, c.Tenant, &ch); err != nil {
		return "", err
	}
	ch, err := s.newChallenge(ctx, ch)
	if err != nil {
		return "", err
	}
	return ch.ID, nil
}

// PasskeyAuthenticationOptions issues sign-in options. With a token,
// allowCredentials lists the token user's passkeys; with only a tenant id,
// the sign-in is username-less. challengeID, when given, is one from
// StartPasskeyChallenge or an earlier options call of the same caller:
// its options are issued again while at least half of the ceremony's
// time is left, and otherwise the ceremony begins anew.
func (s *Service) PasskeyAuthenticationOptions(ctx context.Context, c tenancy.ClientCaller, challengeID string) (_ PasskeyOptions, err error) {
	defer func() { s.events.Challenge(model.MethodPasskey, model.ResultOf(err)) }()
	if challengeID == "" {
		ch := s.challengeFor(c.Tenant, model.ChallengeAuthentication, c.Claims)
		if err := s.beginLogin(ctx, c.Tenant, &ch); err != nil {
			return PasskeyOptions{}, err
		}
		ch, err := s.newChallenge(ctx, ch)
		if err != nil {
			return PasskeyOptions{}, err
		}
		return PasskeyOptions{ChallengeID: ch.ID, Options: ch.Options}, nil
	}
	now := s.Now()
	ch, err := s.signInChallenge(ctx, c.Tenant.ID, challengeID, now, false)
	if err != nil {
		return PasskeyOptions{}, err
	}
	if err := checkChallengeCaller(ch, c, model.ChallengeAuthentication); err != nil {
		return PasskeyOptions{}, err
	}
	if len(ch.Options) > 0 && len(ch.Session) > 0 && ch.ExpiresAt.Sub(now) >= ceremony.Timeout/2 {
		return PasskeyOptions{ChallengeID: ch.ID, Options: ch.Options}, nil
	}
	if err := s.beginLogin(ctx, c.Tenant, &ch); err != nil {
		return PasskeyOptions{}, err
	}
	if err := s.store.SetChallengeCeremony(ctx, c.Tenant.ID, ch.ID, ch.Session, ch.Options, now, now.Add(ceremony.Timeout)); err != nil {
		return PasskeyOptions{}, err
	}
	return PasskeyOptions{ChallengeID: ch.ID, Options: ch.Options}, nil
}

// beginLogin begins the sign-in ceremony of ch, setting the options to
// send and the session to keep: for the challenge's user, or username-less.
func (s *Service) beginLogin(ctx context.Context, t model.Tenant, ch *model.PasskeyChallenge) error {
	var cu *ceremony.User
	if ch.UserID != "" {
		u, err := s.loginUser(ctx, t.ID, ch.UserID)
		if err != nil {
			return err
		}
		cu = &u
	}
	opts, session, err := ceremony.BeginLogin(ceremony.ForTenant(t), cu, t.Passkey.UserVerification)
	if err != nil {
		return err
	}
	ch.Options, ch.Session = opts, session
	return nil
}

// loginUser loads what a sign-in for a known user needs: their passkeys
// and user handle. A user without passkeys has no handle to load, and
// BeginLogin refuses them.
func (s *Service) loginUser(ctx context.Context, tenantID, userID string) (ceremony.User, error) {
	ps, err := s.store.Passkeys(ctx, tenantID, userID)
	if err != nil || len(ps) == 0 {
		return ceremony.User{}, err
	}
	handle, err := s.store.UserHandle(ctx, tenantID, userID)
	if err != nil {
		return ceremony.User{}, err
	}
	return ceremony.User{Handle: handle, Passkeys: ps}, nil
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
//
// Everything is read and the signature checked before one write
// transaction uses the challenge, tracks the action of a username-less
// sign-in and completes it, and records the sign-in: of two requests
// finishing the same ceremony exactly one succeeds, and a sign-in is
// stored entirely or not at all. A response that fails any check still
// uses up its challenge.
func (s *Service) VerifyPasskey(ctx context.Context, c tenancy.ClientCaller, in VerifyPasskeyInput) (_ VerifyPasskeyResult, err error) {
	defer func() { s.events.SignIn(model.MethodPasskey, model.ResultOf(err)) }()
	if in.ChallengeID == "" || len(in.Response) == 0 {
		return VerifyPasskeyResult{}, model.Invalid("challengeId and authenticationCredential are required")
	}
	assertion, err := ceremony.ParseAssertion(in.Response)
	if err != nil {
		return VerifyPasskeyResult{}, err
	}
	ch, err := s.signInChallenge(ctx, c.Tenant.ID, in.ChallengeID, s.Now(), true)
	if err != nil {
		return VerifyPasskeyResult{}, err
	}
	res, err := s.verifyPasskey(ctx, c, ch, assertion, in)
	if err != nil && !errors.Is(err, errChallengeLost) {
		s.useUpChallenge(ctx, c.Tenant.ID, ch.ID)
	}
	return res, err
}

func (s *Service) verifyPasskey(ctx context.Context, c tenancy.ClientCaller, ch model.PasskeyChallenge, assertion ceremony.Assertion,
	in VerifyPasskeyInput) (VerifyPasskeyResult, error) {
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
	login, signer, err := s.checkAssertion(ctx, c.Tenant, ch, assertion, deviceID)
	if err != nil {
		return VerifyPasskeyResult{}, err
	}
	return s.completeSignIn(ctx, c.Tenant, ch, login, signer, signInContext{
		deviceID: deviceID, userAgent: truncateUserAgent(in.UserAgent), ip: in.IPAddress,
		attachment: assertion.Attachment(),
	})
}

// errChallengeLost marks a failure to use the challenge in the sign-in's
// transaction: another request used it, it expired, or its ceremony began
// anew. There is nothing left to use up.
var errChallengeLost = errors.New("the challenge was used, expired or renewed meanwhile")

// useUpChallenge marks a challenge used after a failed verification, so
// its response cannot be tried again. A failure is only logged.
func (s *Service) useUpChallenge(ctx context.Context, tenantID, id string) {
	_, err := s.store.ConsumePasskeyChallenge(context.WithoutCancel(ctx), tenantID, id, s.Now())
	if err != nil && !errors.Is(err, model.ErrInvalid) {
		s.log.WarnContext(ctx, "use up passkey challenge after a failed sign-in", "tenant", tenantID, "err", err)
	}
}

// checkAssertion finds the passkey a response names and verifies the
// response with it. A passkey the tenant does not have (deleted, or never
// registered) is unknown_credential, so the browser can forget it; one
// registered as a security key is refused as invalid_credential.
// For a username-less sign-in it also returns what it read of the
// passkey's user for the action to be tracked (signer); a sign-in for a
// known user returns nil there.
func (s *Service) checkAssertion(ctx context.Context, t model.Tenant, ch model.PasskeyChallenge, a ceremony.Assertion,
	deviceID string) (ceremony.Login, *model.SigningUser, error) {
	p, cu, signer, err := s.signingUser(ctx, t.ID, ch, a.CredentialID(), deviceID)
	if errors.Is(err, model.ErrNotFound) {
		return ceremony.Login{}, nil, s.unknownHere(ctx, t, a.CredentialID(),
			s.notRegisteredAs(ctx, t.ID, a.CredentialID(), model.MethodPasskey))
	}
	if err != nil {
		return ceremony.Login{}, nil, err
	}
	login, err := ceremony.FinishLogin(ceremony.ForTenant(t), cu, ch.Session, a)
	if errors.Is(err, ceremony.ErrSignCountRegressed) {
		s.log.WarnContext(ctx, "passkey sign-in refused: signature counter went backwards",
			"tenant", t.ID, "authenticator", p.AuthenticatorID, "stored_count", p.SignCount)
		if rerr := s.store.RecordCounterRegression(ctx, t.ID, p.AuthenticatorID, s.Now()); rerr != nil {
			return login, nil, errors.Join(err, rerr)
		}
	}
	return login, signer, err
}

// signingUser loads the passkey that signed and what the ceremony needs
// of its user. A username-less sign-in needs only that passkey and the
// user handle, read in one query with the user and their devices (the
// action is tracked with them); a sign-in for a known user checks the
// response against all of the user's passkeys, as its options listed them.
func (s *Service) signingUser(ctx context.Context, tenantID string, ch model.PasskeyChallenge, credentialID []byte,
	deviceID string) (model.Passkey, ceremony.User, *model.SigningUser, error) {
	if ch.UserID == "" {
		su, err := s.store.SigningPasskey(ctx, tenantID, credentialID, deviceID)
		return su.Passkey, ceremony.User{Handle: su.Handle, Passkeys: []model.Passkey{su.Passkey}}, &su, err
	}
	p, err := s.store.PasskeyByCredentialID(ctx, tenantID, credentialID)
	if err != nil {
		return p, ceremony.User{}, nil, err
	}
	if p.UserID != ch.UserID {
		return p, ceremony.User{}, nil, model.Errorf(model.ErrForbidden, "invalid_credential", "this passkey belongs to another user")
	}
	cu, err := s.loginUser(ctx, tenantID, p.UserID)
	return p, cu, nil, err
}

type signInContext struct {
	deviceID, userAgent, ip, attachment string
}

// truncateUserAgent cuts a user agent to the length Uplift keeps.
func truncateUserAgent(ua string) string { return devices.Truncate(ua) }

// completeSignIn records a verified sign-in and moves its action to
// CHALLENGE_SUCCEEDED in one transaction that first uses the challenge.
// A username-less sign-in tracks its action there too, creating it as
// completed when its rules let a passkey complete it. An action that
// cannot be completed (blocked, under review, or not permitting passkeys)
// is still recorded as tracked, and the sign-in refused.
func (s *Service) completeSignIn(ctx context.Context, t model.Tenant, ch model.PasskeyChallenge, login ceremony.Login,
	signer *model.SigningUser, sc signInContext) (VerifyPasskeyResult, error) {
	p := login.Passkey
	var plan *actions.TrackPlan
	var user model.User
	var err error
	if ch.UserID == "" {
		in := actions.TrackInput{UserID: p.UserID, ActionCode: cmp.Or(ch.ActionCode, DefaultPasskeyAction),
			IdempotencyKey: ch.IdempotencyKey, DeviceID: sc.deviceID, UserAgent: sc.userAgent, IPAddress: sc.ip}
		if err := s.actions.CheckTrack(t, &in); err != nil {
			return VerifyPasskeyResult{}, err
		}
		if plan, err = s.actions.PlanTrack(ctx, t, in, signer); err != nil {
			return VerifyPasskeyResult{}, err
		}
		plan.CompleteOnCreate(p.AuthenticatorID)
		user = plan.User()
	} else if user, err = s.store.User(ctx, t.ID, p.UserID); err != nil {
		return VerifyPasskeyResult{}, err
	}
	now := s.Now()
	p.LastVerifiedAt = now
	if login.BackupEligibleChanged {
		p.BackupEligibleChanges++
		p.BackupEligibleChangedAt = now
	}
	var res VerifyPasskeyResult
	// The app's action.verify webhook, if any, before the transaction.
	if plan == nil {
		ctx, err = s.actions.VerifyCompletion(ctx, t.ID, ch.ActionCode, ch.IdempotencyKey, model.MethodPasskey, p.AuthenticatorID)
	} else {
		ctx, err = s.actions.VerifyPlannedCompletion(ctx, plan, model.MethodPasskey, p.AuthenticatorID)
	}
	if err != nil {
		return res, err
	}
	var refused error // the action could not be completed; what was tracked stays
	err = s.store.InTx(ctx, func(q Queries) error {
		if err := useChallenge(ctx, q, ch, now); err != nil {
			return err
		}
		key, completed := ch.IdempotencyKey, false
		if plan != nil {
			stored, created, err := s.actions.WriteTrack(ctx, q, plan)
			if err != nil {
				return err
			}
			key, completed = stored.IdempotencyKey, created && stored.State == model.StateChallengeSucceeded
			res.Action = stored
		}
		if !completed {
			// A sign-in for a known user, an action tracked before under
			// the same key, or one the passkey cannot complete.
			var err error
			res.Action, err = s.actions.CompleteAction(ctx, q, t.ID, key, model.MethodPasskey, p.AuthenticatorID)
			if err != nil && plan != nil && errors.Is(err, model.ErrForbidden) {
				refused = err
				return nil
			}
			if err != nil {
				return err
			}
		}
		if err := q.RecordPasskeySignIn(ctx, p, sc.deviceID, sc.userAgent); err != nil {
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
	if refused != nil {
		return VerifyPasskeyResult{}, refused
	}
	if login.BackupEligibleChanged {
		s.log.WarnContext(ctx, "passkey backup-eligible flag changed; accepted and stored", "tenant", t.ID,
			"authenticator", p.AuthenticatorID, "backup_eligible", p.Flags.BackupEligible)
	}
	res.User = user
	res.AuthenticatorID = p.AuthenticatorID
	res.AccessToken, err = s.tenancy.IssueActionToken(t, res.Action, sc.deviceID, ch.Scope)
	return res, err
}

// useChallenge marks the challenge used inside the sign-in's
// transaction. It must still hold the session the response was verified
// against: options issued again for it in the meantime began a new
// ceremony.
func useChallenge(ctx context.Context, q Queries, ch model.PasskeyChallenge, now time.Time) error {
	used, err := q.ConsumePasskeyChallenge(ctx, ch.TenantID, ch.ID, now)
	if err != nil {
		return errors.Join(err, errChallengeLost)
	}
	if !bytes.Equal(used.Session, ch.Session) {
		return errors.Join(model.Errorf(model.ErrInvalid, "invalid_challenge",
			"the challenge began a new ceremony meanwhile; start again"), errChallengeLost)
	}
	return nil
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
