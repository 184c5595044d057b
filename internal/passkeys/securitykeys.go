package passkeys

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"

	"github.com/uplift-dev/uplift/internal/ceremony"
	"github.com/uplift-dev/uplift/internal/devices"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/token"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// Security keys (SECURITY_KEY) are roaming authenticators, USB, NFC or
// Bluetooth, added and used through the same WebAuthn ceremonies as
// passkeys with the cross-platform attachment. They are their own method:
// kept apart from passkeys, never known on a device (a key moves between
// devices, so it is never the passkey on the device the uplift prompt
// looks for), and a credential is used only as what it was registered as.
//
// The browser SDK sends no challenge id with a security key's response,
// so its challenge is stored under the WebAuthn challenge itself, which
// the response carries back in its client data.

// maxChallenge is the longest WebAuthn challenge looked up: the
// library's 32 random bytes are 43 base64url characters.
const maxChallenge = 128

// securityKeyName is the name of a security key whose AAGUID names no
// provider.
const securityKeyName = "Security key"

// SecurityKeyRegistrationOptions starts adding a security key for the
// token's user, on the rules of adding a passkey. The options ask for a
// cross-platform authenticator and exclude all of the user's credentials.
func (s *Service) SecurityKeyRegistrationOptions(ctx context.Context, c tenancy.ClientCaller) (json.RawMessage, error) {
	claims, err := c.RequireToken()
	if err != nil {
		return nil, err
	}
	if _, err := s.actions.MayAddAuthenticator(ctx, s.store, claims); err != nil {
		return nil, err
	}
	cu, err := s.ceremonyUser(ctx, c.Tenant.ID, claims.UserID, true)
	if err != nil {
		return nil, err
	}
	u, err := s.store.User(ctx, c.Tenant.ID, claims.UserID)
	if err != nil {
		return nil, err
	}
	cu.Name = cmp.Or(u.Username, u.Email, u.PhoneNumber, u.ID)
	cu.DisplayName = cmp.Or(u.DisplayName, cu.Name)
	opts, session, err := ceremony.BeginRegistration(ceremony.ForTenant(c.Tenant), cu, ceremony.RegistrationOptions{
		UserVerification: c.Tenant.Passkey.UserVerification, Attachment: "cross-platform",
		Hints: []string{"security-key"}, NonDiscoverable: true,
	})
	if err != nil {
		return nil, err
	}
	if err := s.newSecurityKeyChallenge(ctx, c.Tenant, claims, model.ChallengeSecurityKeyRegistration, session, nil); err != nil {
		return nil, err
	}
	return opts, nil
}

// newSecurityKeyChallenge stores a security key ceremony under its
// WebAuthn challenge, bound to the token's user and action.
func (s *Service) newSecurityKeyChallenge(ctx context.Context, t model.Tenant, claims token.Claims,
	kind model.ChallengeKind, session, options []byte) error {
	id, err := ceremony.SessionChallenge(session)
	if err != nil {
		return err
	}
	ch := s.challengeFor(t, kind, &claims)
	ch.ID, ch.Session, ch.Options = id, session, options
	_, err = s.newChallenge(ctx, ch)
	return err
}

// AddSecurityKeyInput is a security key's registration response.
type AddSecurityKeyInput struct {
	Response  json.RawMessage
	UserAgent string
}

// AddSecurityKey verifies a registration response begun by
// SecurityKeyRegistrationOptions and stores the security key. Like a
// passkey, a user's first authenticator completes the action's challenge.
func (s *Service) AddSecurityKey(ctx context.Context, c tenancy.ClientCaller, in AddSecurityKeyInput) (AddPasskeyResult, error) {
	claims, err := c.RequireToken()
	if err != nil {
		return AddPasskeyResult{}, err
	}
	challenge, err := ceremony.RegistrationChallenge(in.Response)
	if err != nil {
		return AddPasskeyResult{}, err
	}
	ch, err := s.consumeSecurityKeyChallenge(ctx, c, challenge, model.ChallengeSecurityKeyRegistration)
	if err != nil {
		return AddPasskeyResult{}, err
	}
	cu, err := s.ceremonyUser(ctx, c.Tenant.ID, claims.UserID, false)
	if err != nil {
		return AddPasskeyResult{}, err
	}
	p, err := ceremony.FinishRegistration(ceremony.ForTenant(c.Tenant), cu, ch.Session, in.Response, false)
	if err != nil {
		return AddPasskeyResult{}, err
	}
	now := s.Now()
	p.TenantID, p.UserID, p.DeviceID, p.CreatedAt, p.LastVerifiedAt = c.Tenant.ID, claims.UserID, claims.DeviceID, now, now
	p.ParsedUserAgent = devices.ParseUserAgent(in.UserAgent)
	p.UserAgent = p.ParsedUserAgent.UA
	p.Name = securityKeyName
	if n, ok := s.providerOf(ctx, p.AAGUID); ok {
		p.Name = n.Name
	}
	var res AddPasskeyResult
	authID := s.NewID()
	if ctx, err = s.verifyFirstEnrolment(ctx, c.Tenant.ID, claims, model.MethodSecurityKey, authID); err != nil {
		return res, err
	}
	err = s.store.InTx(ctx, func(q Queries) error {
		first, err := s.actions.MayAddAuthenticator(ctx, q, claims)
		if err != nil {
			return err
		}
		a := model.Authenticator{ID: authID, TenantID: c.Tenant.ID, UserID: claims.UserID, Method: model.MethodSecurityKey,
			IsDefault: first, CreatedAt: now, VerifiedAt: now, LastVerifiedAt: now}
		p.AuthenticatorID = a.ID
		if err := q.CreateSecurityKey(ctx, a, p); err != nil {
			return err
		}
		if err := webhooks.AuthenticatorEvent(ctx, q, s.Source, webhooks.AuthenticatorCreated, a, s.namedPasskey(ctx, p)); err != nil {
			return err
		}
		// The device was seen; the key is not known on it (no relation).
		if err := notePasskeyOnDevice(ctx, q, c.Tenant.ID, p.DeviceID, p.UserAgent, a.ID, "", now); err != nil {
			return err
		}
		res.Authenticator = a
		if !first {
			return nil
		}
		_, err = s.actions.CompleteAction(ctx, q, c.Tenant.ID, claims.IdempotencyKey, model.MethodSecurityKey, a.ID)
		return err
	})
	if err != nil {
		return AddPasskeyResult{}, err
	}
	res.Passkey = s.viewPasskey(ctx, p)
	s.log.InfoContext(ctx, "security key added", "tenant", c.Tenant.ID, "authenticator", res.Authenticator.ID)
	res.AccessToken, err = s.tenancy.IssueActionToken(c.Tenant, model.Action{UserID: claims.UserID,
		Code: claims.ActionCode, IdempotencyKey: claims.IdempotencyKey}, claims.DeviceID, claims.Scope)
	return res, err
}

// consumeSecurityKeyChallenge uses up the pending security key ceremony
// a response names by its challenge, once the caller is checked: only
// the token that began it may finish it.
func (s *Service) consumeSecurityKeyChallenge(ctx context.Context, c tenancy.ClientCaller, challenge string,
	kind model.ChallengeKind) (model.PasskeyChallenge, error) {
	if challenge == "" || len(challenge) > maxChallenge {
		return model.PasskeyChallenge{}, model.Errorf(model.ErrInvalid, "invalid_challenge", "the response answers no known challenge")
	}
	ch, err := s.store.PasskeyChallenge(ctx, c.Tenant.ID, challenge, s.Now())
	if err != nil {
		return ch, err
	}
	if err := checkChallengeCaller(ch, c, kind); err != nil {
		return ch, err
	}
	return s.store.ConsumePasskeyChallenge(ctx, c.Tenant.ID, challenge, s.Now())
}

// SecurityKeyAuthenticationOptions begins a sign-in with one of the
// token user's security keys: allowCredentials lists them, and only them.
func (s *Service) SecurityKeyAuthenticationOptions(ctx context.Context, c tenancy.ClientCaller) (_ json.RawMessage, err error) {
	defer func() { s.events.Challenge(model.MethodSecurityKey, model.ResultOf(err)) }()
	claims, err := c.RequireToken()
	if err != nil {
		return nil, err
	}
	cu, err := s.securityKeyUser(ctx, c.Tenant.ID, claims.UserID)
	if err != nil {
		return nil, err
	}
	opts, session, err := ceremony.BeginLogin(ceremony.ForTenant(c.Tenant), &cu, c.Tenant.Passkey.UserVerification)
	if err != nil {
		return nil, err
	}
	if err := s.newSecurityKeyChallenge(ctx, c.Tenant, claims, model.ChallengeSecurityKeyAuthentication, session, opts); err != nil {
		return nil, err
	}
	return opts, nil
}

// securityKeyUser loads what a security key sign-in needs of a user: their
// security keys and user handle.
func (s *Service) securityKeyUser(ctx context.Context, tenantID, userID string) (ceremony.User, error) {
	keys, err := s.store.SecurityKeys(ctx, tenantID, userID)
	if err != nil {
		return ceremony.User{}, err
	}
	if len(keys) == 0 {
		return ceremony.User{}, model.Errorf(model.ErrInvalid, "credential_not_found", "the user has no security key")
	}
	handle, err := s.store.UserHandle(ctx, tenantID, userID)
	if err != nil {
		return ceremony.User{}, err
	}
	return ceremony.User{Handle: handle, Passkeys: keys}, nil
}

// VerifySecurityKeyInput is a security key's sign-in response.
type VerifySecurityKeyInput struct {
	Response  json.RawMessage
	UserAgent string
}

// VerifySecurityKey verifies a sign-in response begun by
// SecurityKeyAuthenticationOptions, completes the token's action
// (CHALLENGE_SUCCEEDED, verified by SECURITY_KEY) and records the sign-in
// on the key. The challenge is used up whatever the outcome; the writes
// happen in one transaction that uses it, so of two requests finishing
// the same ceremony at most one succeeds.
func (s *Service) VerifySecurityKey(ctx context.Context, c tenancy.ClientCaller, in VerifySecurityKeyInput) (_ VerifyPasskeyResult, err error) {
	defer func() { s.events.SignIn(model.MethodSecurityKey, model.ResultOf(err)) }()
	claims, err := c.RequireToken()
	if err != nil {
		return VerifyPasskeyResult{}, err
	}
	assertion, err := ceremony.ParseAssertion(in.Response)
	if err != nil {
		return VerifyPasskeyResult{}, err
	}
	challenge := assertion.Challenge()
	if challenge == "" || len(challenge) > maxChallenge {
		return VerifyPasskeyResult{}, model.Errorf(model.ErrInvalid, "invalid_challenge", "the response answers no known challenge")
	}
	ch, err := s.store.PasskeyChallenge(ctx, c.Tenant.ID, challenge, s.Now())
	if err != nil {
		return VerifyPasskeyResult{}, err
	}
	if err := checkChallengeCaller(ch, c, model.ChallengeSecurityKeyAuthentication); err != nil {
		return VerifyPasskeyResult{}, err
	}
	res, err := s.verifySecurityKey(ctx, c.Tenant, claims, ch, assertion, in)
	if err != nil && !errors.Is(err, errChallengeLost) {
		s.useUpChallenge(ctx, c.Tenant.ID, ch.ID)
	}
	return res, err
}

func (s *Service) verifySecurityKey(ctx context.Context, t model.Tenant, claims token.Claims, ch model.PasskeyChallenge,
	a ceremony.Assertion, in VerifySecurityKeyInput) (VerifyPasskeyResult, error) {
	key, err := s.store.SecurityKeyByCredentialID(ctx, t.ID, a.CredentialID())
	if errors.Is(err, model.ErrNotFound) {
		return VerifyPasskeyResult{}, s.unknownHere(ctx, t, a.CredentialID(),
			s.notRegisteredAs(ctx, t.ID, a.CredentialID(), model.MethodSecurityKey))
	}
	if err != nil {
		return VerifyPasskeyResult{}, err
	}
	if key.UserID != claims.UserID {
		return VerifyPasskeyResult{}, model.Errorf(model.ErrForbidden, "invalid_credential", "this security key belongs to another user")
	}
	cu, err := s.securityKeyUser(ctx, t.ID, claims.UserID)
	if err != nil {
		return VerifyPasskeyResult{}, err
	}
	login, err := ceremony.FinishLogin(ceremony.ForTenant(t), cu, ch.Session, a)
	if errors.Is(err, ceremony.ErrSignCountRegressed) {
		s.log.WarnContext(ctx, "security key sign-in refused: signature counter went backwards",
			"tenant", t.ID, "authenticator", key.AuthenticatorID, "stored_count", key.SignCount)
		if rerr := s.store.RecordSecurityKeyCounterRegression(ctx, t.ID, key.AuthenticatorID, s.Now()); rerr != nil {
			return VerifyPasskeyResult{}, errors.Join(err, rerr)
		}
	}
	if err != nil {
		return VerifyPasskeyResult{}, err
	}
	user, err := s.store.User(ctx, t.ID, claims.UserID)
	if err != nil {
		return VerifyPasskeyResult{}, err
	}
	now := s.Now()
	p := login.Passkey
	p.LastVerifiedAt = now
	if login.BackupEligibleChanged {
		p.BackupEligibleChanges++
		p.BackupEligibleChangedAt = now
	}
	deviceID, userAgent := ch.DeviceID, truncateUserAgent(in.UserAgent)
	res := VerifyPasskeyResult{User: user, AuthenticatorID: p.AuthenticatorID}
	// The app's action.verify webhook, if any, before the transaction.
	if ctx, err = s.actions.VerifyCompletion(ctx, t.ID, ch.ActionCode, ch.IdempotencyKey, model.MethodSecurityKey, p.AuthenticatorID); err != nil {
		return res, err
	}
	err = s.store.InTx(ctx, func(q Queries) error {
		if err := useChallenge(ctx, q, ch, now); err != nil {
			return err
		}
		var err error
		res.Action, err = s.actions.CompleteAction(ctx, q, t.ID, ch.IdempotencyKey, model.MethodSecurityKey, p.AuthenticatorID)
		if err != nil {
			return err
		}
		if err := q.RecordSecurityKeySignIn(ctx, p); err != nil {
			return err
		}
		// Seen on the device, but never known there: no relation.
		return notePasskeyOnDevice(ctx, q, t.ID, deviceID, userAgent, p.AuthenticatorID, "", now)
	})
	if err != nil {
		return VerifyPasskeyResult{}, err
	}
	res.AccessToken, err = s.tenancy.IssueActionToken(t, res.Action, deviceID, ch.Scope)
	return res, err
}

// notRegisteredAs explains why a credential the tenant does not have as
// method cannot sign in: it is registered as the other WebAuthn method
// (so the browser must not forget it), or it is unknown.
func (s *Service) notRegisteredAs(ctx context.Context, tenantID string, credentialID []byte, method model.VerificationMethod) error {
	var err error
	other := "a passkey"
	if method == model.MethodSecurityKey {
		_, err = s.store.PasskeyByCredentialID(ctx, tenantID, credentialID)
	} else {
		other = "a security key"
		_, err = s.store.SecurityKeyByCredentialID(ctx, tenantID, credentialID)
	}
	switch {
	case err == nil:
		return model.Errorf(model.ErrForbidden, "invalid_credential",
			"this credential is registered as %s; sign in with it as one", other)
	case errors.Is(err, model.ErrNotFound):
		return ceremony.ErrUnknownCredential
	}
	return err
}

// UserSecurityKeys returns a user's security keys keyed by authenticator id.
func (s *Service) UserSecurityKeys(ctx context.Context, tenantID, userID string) (map[string]PasskeyView, error) {
	keys, err := s.store.SecurityKeys(ctx, tenantID, userID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]PasskeyView, len(keys))
	for _, k := range keys {
		out[k.AuthenticatorID] = s.viewPasskey(ctx, k)
	}
	return out, nil
}
