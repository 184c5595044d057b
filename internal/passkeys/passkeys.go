// Package passkeys registers passkeys and signs users in with them: the
// ceremonies' options and challenges (kept in the database, and for a
// while in this instance's memory), verifying responses, what a passkey
// is known to be usable on, and passkey provider names.
package passkeys

import (
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"unicode/utf8"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/ceremony"
	"github.com/uplift-dev/uplift/internal/devices"
	"github.com/uplift-dev/uplift/internal/ids"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/token"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// Service runs passkey registration and sign-in.
type Service struct {
	ids.Source
	store   Store
	log     *slog.Logger
	actions *actions.Service
	tenancy *tenancy.Service
	events  model.Events
	// challenges keeps the sign-in challenges this instance began.
	challenges *challengeCache
}

// New returns the passkeys service over st, completing actions through
// actions and finding tenants through tn. It reports sign-ins and
// challenges to events (nil: nowhere).
func New(st Store, log *slog.Logger, src ids.Source, actions *actions.Service, tn *tenancy.Service, events model.Events) *Service {
	if events == nil {
		events = model.NoEvents{}
	}
	return &Service{Source: src, store: st, log: log, actions: actions, tenancy: tn, events: events, challenges: newChallengeCache()}
}

// userHandleBytes is the length of a WebAuthn user handle Uplift makes.
const userHandleBytes = 32

// PasskeyOptions is what a client needs to run a ceremony: the challenge
// to send back and the options for navigator.credentials.
type PasskeyOptions struct {
	ChallengeID string
	Options     json.RawMessage
}

// PasskeyRegistrationInput is what a client asks of a new passkey.
type PasskeyRegistrationInput struct {
	Username    string
	DisplayName string
	// Attachment is "platform", "cross-platform" or "" for either.
	Attachment string
	Hints      []string
}

// PasskeyRegistrationOptions starts adding a passkey for the token's user.
func (s *Service) PasskeyRegistrationOptions(ctx context.Context, c tenancy.ClientCaller, in PasskeyRegistrationInput) (PasskeyOptions, error) {
	claims, err := c.RequireToken()
	if err != nil {
		return PasskeyOptions{}, err
	}
	for name, v := range map[string]string{"username": in.Username, "displayName": in.DisplayName} {
		if utf8.RuneCountInString(v) > 255 || !utf8.ValidString(v) {
			return PasskeyOptions{}, model.Invalid("%s must be at most 255 characters of valid text", name)
		}
	}
	if _, err := s.actions.MayAddAuthenticator(ctx, s.store, claims); err != nil {
		return PasskeyOptions{}, err
	}
	cu, err := s.ceremonyUser(ctx, c.Tenant.ID, claims.UserID, true)
	if err != nil {
		return PasskeyOptions{}, err
	}
	u, err := s.store.User(ctx, c.Tenant.ID, claims.UserID)
	if err != nil {
		return PasskeyOptions{}, err
	}
	cu.Name = cmp.Or(in.Username, u.Username, u.Email, u.PhoneNumber, u.ID)
	cu.DisplayName = cmp.Or(in.DisplayName, u.DisplayName, cu.Name)
	opts, session, err := ceremony.BeginRegistration(ceremony.ForTenant(c.Tenant), cu, ceremony.RegistrationOptions{
		UserVerification: c.Tenant.Passkey.UserVerification, Attachment: in.Attachment, Hints: in.Hints,
	})
	if err != nil {
		return PasskeyOptions{}, err
	}
	ch := s.challengeFor(c.Tenant, model.ChallengeRegistration, &claims)
	ch.Session = session
	ch, err = s.newChallenge(ctx, ch)
	if err != nil {
		return PasskeyOptions{}, err
	}
	return PasskeyOptions{ChallengeID: ch.ID, Options: opts}, nil
}

// AddPasskeyInput is a registration response to verify and store.
type AddPasskeyInput struct {
	ChallengeID string
	Response    json.RawMessage
	// ConditionalCreate says the browser created the passkey without a
	// dialog (automatic passkey upgrade), so UP and UV may be absent.
	ConditionalCreate bool
	DeviceID          string
	UserAgent         string
}

// AddPasskeyResult is the stored passkey and the token for what follows.
type AddPasskeyResult struct {
	Authenticator model.Authenticator
	Passkey       PasskeyView
	AccessToken   string
}

// AddPasskey verifies a registration response and stores the passkey.
// A user's first authenticator completes the action's challenge (SPEC §2,
// step 3); a passkey added after a challenge or with the add-authenticators
// scope leaves the action as it is.
func (s *Service) AddPasskey(ctx context.Context, c tenancy.ClientCaller, in AddPasskeyInput) (AddPasskeyResult, error) {
	claims, err := c.RequireToken()
	if err != nil {
		return AddPasskeyResult{}, err
	}
	deviceID, err := resolveDeviceID(in.DeviceID, claims.DeviceID)
	if err != nil {
		return AddPasskeyResult{}, err
	}
	if in.ChallengeID == "" || len(in.Response) == 0 {
		return AddPasskeyResult{}, model.Invalid("challengeId and registrationCredential are required")
	}
	ch, err := s.store.ConsumePasskeyChallenge(ctx, c.Tenant.ID, in.ChallengeID, s.Now())
	if err != nil {
		return AddPasskeyResult{}, err
	}
	if err := checkChallengeCaller(ch, c, model.ChallengeRegistration); err != nil {
		return AddPasskeyResult{}, err
	}
	cu, err := s.ceremonyUser(ctx, c.Tenant.ID, claims.UserID, false)
	if err != nil {
		return AddPasskeyResult{}, err
	}
	p, err := ceremony.FinishRegistration(ceremony.ForTenant(c.Tenant), cu, ch.Session, in.Response, in.ConditionalCreate)
	if err != nil {
		return AddPasskeyResult{}, err
	}
	now := s.Now()
	p.TenantID, p.UserID, p.DeviceID, p.CreatedAt, p.LastVerifiedAt = c.Tenant.ID, claims.UserID, deviceID, now, now
	p.ParsedUserAgent = devices.ParseUserAgent(in.UserAgent)
	p.UserAgent = p.ParsedUserAgent.UA
	p.Name = s.passkeyName(ctx, p.AAGUID, p.ParsedUserAgent)
	res, err := s.storePasskey(ctx, c.Tenant, claims, p)
	if err != nil {
		return AddPasskeyResult{}, err
	}
	s.log.InfoContext(ctx, "passkey added", "tenant", c.Tenant.ID, "authenticator", res.Authenticator.ID,
		"conditional_create", in.ConditionalCreate, "backup_eligible", p.Flags.BackupEligible)
	res.AccessToken, err = s.tenancy.IssueActionToken(c.Tenant, model.Action{UserID: claims.UserID,
		Code: claims.ActionCode, IdempotencyKey: claims.IdempotencyKey}, deviceID, claims.Scope)
	return res, err
}

// storePasskey saves a verified passkey as a new authenticator, notes it on
// the device it was created on, and completes the action when it is the
// user's first authenticator.
func (s *Service) storePasskey(ctx context.Context, t model.Tenant, claims token.Claims, p model.Passkey) (AddPasskeyResult, error) {
	var res AddPasskeyResult
	authID := s.NewID()
	ctx, err := s.verifyFirstEnrolment(ctx, t.ID, claims, model.MethodPasskey, authID)
	if err != nil {
		return res, err
	}
	err = s.store.InTx(ctx, func(q Queries) error {
		first, err := s.actions.MayAddAuthenticator(ctx, q, claims)
		if err != nil {
			return err
		}
		a := model.Authenticator{ID: authID, TenantID: t.ID, UserID: claims.UserID, Method: model.MethodPasskey,
			IsDefault: first, CreatedAt: p.CreatedAt, VerifiedAt: p.CreatedAt, LastVerifiedAt: p.CreatedAt}
		p.AuthenticatorID = a.ID
		if err := q.CreatePasskey(ctx, a, p); err != nil {
			return err
		}
		if err := webhooks.AuthenticatorEvent(ctx, q, s.Source, webhooks.AuthenticatorCreated, a, s.namedPasskey(ctx, p)); err != nil {
			return err
		}
		if err := notePasskeyOnDevice(ctx, q, t.ID, p.DeviceID, p.UserAgent, a.ID, model.RelationCreated, p.CreatedAt); err != nil {
			return err
		}
		res.Authenticator = a
		if !first {
			return nil
		}
		_, err = s.actions.CompleteAction(ctx, q, t.ID, claims.IdempotencyKey, model.MethodPasskey, a.ID)
		return err
	})
	if err != nil {
		return res, err
	}
	res.Passkey = s.viewPasskey(ctx, p)
	return res, nil
}

// ceremonyUser loads what a registration needs of a user: their user
// handle (made on first use when create is set) and all their WebAuthn
// credentials, passkeys and security keys, which it excludes.
func (s *Service) ceremonyUser(ctx context.Context, tenantID, userID string, create bool) (ceremony.User, error) {
	var handle []byte
	var err error
	if create {
		handle, err = s.store.EnsureUserHandle(ctx, tenantID, userID, s.RandomBytes(userHandleBytes), s.Now())
	} else {
		handle, err = s.store.UserHandle(ctx, tenantID, userID)
	}
	if err != nil {
		return ceremony.User{}, err
	}
	ps, err := s.store.Passkeys(ctx, tenantID, userID)
	if err != nil {
		return ceremony.User{}, err
	}
	keys, err := s.store.SecurityKeys(ctx, tenantID, userID)
	if err != nil {
		return ceremony.User{}, err
	}
	return ceremony.User{Handle: handle, Passkeys: append(ps, keys...)}, nil
}

// UserHandle returns the WebAuthn user handle of a user, or a not-found
// error when they have none yet.
func (s *Service) UserHandle(ctx context.Context, tenantID, userID string) ([]byte, error) {
	return s.store.UserHandle(ctx, tenantID, userID)
}

// Passkeys lists a user's passkeys, oldest first.
func (s *Service) Passkeys(ctx context.Context, tenantID, userID string) ([]model.Passkey, error) {
	return s.store.Passkeys(ctx, tenantID, userID)
}

// OnDevice reports whether one of the user's passkeys is known on the
// device (created there, used there with its built-in authenticator, or
// held by its authenticator already).
func (s *Service) OnDevice(ctx context.Context, tenantID, userID, deviceID string) (bool, error) {
	return s.store.PasskeyOnDevice(ctx, tenantID, userID, deviceID)
}
