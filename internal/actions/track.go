package actions

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/devices"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/rules"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/token"
)

// TrackInput is what an app's backend sends when it tracks an action.
type TrackInput struct {
	UserID             string
	ActionCode         string
	IdempotencyKey     string
	RedirectURL        string
	RedirectToSettings bool
	IPAddress          string
	UserAgent          string
	DeviceID           string
	Scope              string
	Email              string
	PhoneNumber        string
	Username           string
	Custom             map[string]any
	Locale             string
	// ChallengeID names a verified Server API challenge for the action to
	// claim: the action is then completed by that challenge's method.
	ChallengeID string
}

// TrackResult is the tracked action with what the app needs next.
type TrackResult struct {
	Action                      model.Action
	Token                       string
	URL                         string
	IsEnrolled                  bool
	EnrolledVerificationMethods []model.VerificationMethod
	AllowedVerificationMethods  []model.VerificationMethod
	DefaultVerificationMethod   model.VerificationMethod
}

// defaultMethods are the methods an action permits when its configuration
// names none.
var defaultMethods = []model.VerificationMethod{
	model.MethodPasskey, model.MethodEmailOTP, model.MethodSMS, model.MethodAuthenticatorApp,
	model.MethodEmailMagicLink, model.MethodSecurityKey,
}

var knownScopes = []string{
	model.ScopeReadAuthenticators, model.ScopeAddAuthenticators,
	model.ScopeUpdateAuthenticators, model.ScopeRemoveAuthenticators,
}

// NormalizeScope checks that scope lists only known scopes, separated by
// spaces, and returns it with single spaces.
func NormalizeScope(scope string) (string, error) {
	for _, sc := range strings.Fields(scope) {
		if !slices.Contains(knownScopes, sc) {
			return "", model.Invalid("unknown scope %q; known scopes are %s", sc, strings.Join(knownScopes, ", "))
		}
	}
	return strings.Join(strings.Fields(scope), " "), nil
}

// Track records an action for a user (creating the user on first sight),
// decides its state, and issues the token and hosted-UI URL for it. The
// same idempotency key returns the action stored the first time.
func (s *Service) Track(ctx context.Context, t model.Tenant, in TrackInput) (TrackResult, error) {
	return s.track(ctx, t, in, false)
}

// track is Track; skipVerification lets the challenge it claims be one
// whose code was not verified (ClaimChallenge's skipVerificationCheck).
func (s *Service) track(ctx context.Context, t model.Tenant, in TrackInput, skipVerification bool) (TrackResult, error) {
	var claim *model.CodeChallenge
	if in.ChallengeID != "" {
		ch, err := s.prepareClaim(ctx, t, &in, skipVerification)
		if err != nil {
			return TrackResult{}, err
		}
		claim = &ch
	}
	if err := s.CheckTrack(t, &in); err != nil {
		return TrackResult{}, err
	}
	p, err := s.PlanTrack(ctx, t, in, nil)
	if err != nil {
		return TrackResult{}, err
	}
	var res TrackResult
	err = s.store.InTx(ctx, func(q Queries) error {
		stored, _, err := s.WriteTrack(ctx, q, p)
		if err != nil {
			return err
		}
		enrolment := p.enrolment
		if claim != nil {
			auths, err := q.Authenticators(ctx, t.ID, stored.UserID)
			if err != nil {
				return err
			}
			if stored, auths, err = s.claimChallenge(ctx, q, t, *claim, stored, auths); err != nil {
				return err
			}
			enrolment = model.EnrolmentOf(auths)
		}
		res = p.result(stored, enrolment)
		return nil
	})
	if err != nil {
		return TrackResult{}, err
	}
	res.Token, err = token.Issue(t.TokenKey, token.Claims{
		TenantID: t.ID, UserID: res.Action.UserID, ActionCode: res.Action.Code,
		IdempotencyKey: res.Action.IdempotencyKey, DeviceID: res.Action.DeviceID,
		Scope: res.Action.Scope, IssuedAt: p.now,
	})
	if err != nil {
		return TrackResult{}, fmt.Errorf("issue token: %w", err)
	}
	res.URL = s.publicURL + "/login?token=" + url.QueryEscape(res.Token)
	return res, nil
}

// TrackPlan is an action decided from what track read before its write
// transaction: the user, the action's configuration, the user's
// authenticators and devices, and the rules. Only the writes and the
// checks they need happen inside the transaction (writeTrack), so the
// single writer of SQLite is held as briefly as possible. A change that
// commits between the reads and the write is judged as if it came after
// the track.
type TrackPlan struct {
	in  TrackInput
	now time.Time
	// user is the user as the track leaves them; newUser says they are
	// to be created, fillUser that the track sets attributes they lack.
	user              model.User
	newUser, fillUser bool
	// cfg is the action's configuration as the winning rule amends it;
	// noteConfig says the configuration's last-action time is due.
	cfg         model.ActionConfig
	noteConfig  bool
	enrolment   model.Enrolment
	deviceKnown bool
	action      model.Action
	// earlier lists states the action passes through before action.State
	// (see completeOnCreate).
	earlier []model.ActionState
}

// PlanTrack reads what a track decides on, outside any transaction, and
// decides the action's state. A passkey sign-in has already read the user
// with their devices and enrolment along with the passkey (signer); a
// track reads them here, in one query.
func (s *Service) PlanTrack(ctx context.Context, t model.Tenant, in TrackInput, signer *model.SigningUser) (*TrackPlan, error) {
	p := &TrackPlan{in: in, now: s.Now()}
	var facts model.UserFacts
	var err error
	if signer != nil && signer.User.ID == in.UserID {
		facts = signer.UserFacts
	} else {
		facts, err = s.store.UserFacts(ctx, t.ID, in.UserID, in.DeviceID)
	}
	user := facts.User
	switch {
	case isNotFound(err):
		p.newUser = true
		user = model.User{TenantID: t.ID, ID: in.UserID, CreatedAt: p.now, UpdatedAt: p.now}
	case err != nil:
		return nil, err
	}
	p.user, p.fillUser = withAttributes(user, in)
	p.fillUser = p.fillUser && !p.newUser
	cfg, err := s.tenancy.ActionConfig(ctx, t.ID, in.ActionCode)
	if isNotFound(err) {
		// The first action of its code: the configuration is stored once,
		// in its own short transaction.
		cfg, err = s.store.EnsureActionConfig(ctx, model.ActionConfig{
			TenantID: t.ID, Code: in.ActionCode, DefaultOutcome: model.OutcomeChallenge,
			CreatedAt: p.now, UpdatedAt: p.now, LastActionCreatedAt: p.now,
		})
	}
	if err != nil {
		return nil, err
	}
	if p.noteConfig = model.ActionNoteDue(cfg, p.now); p.noteConfig {
		s.tenancy.NotedAction(t.ID, in.ActionCode, p.now)
	}
	p.enrolment, p.deviceKnown = facts.Enrolment, facts.DeviceKnown
	outcome, err := s.policy.DecideOutcome(ctx, s.store, cfg, trackFacts(p.user, p.enrolment, in, facts.Devices, facts.DeviceKnown))
	if err != nil {
		return nil, err
	}
	p.cfg = withRuleSettings(cfg, outcome.Winner)
	p.action = model.Action{
		TenantID: t.ID, UserID: in.UserID, Code: in.ActionCode, IdempotencyKey: in.IdempotencyKey,
		State: stateFor(outcome.Outcome, p.enrolment.Authenticators > 0), StateUpdatedAt: p.now, StateSource: model.SourceTrack,
		CreatedAt: p.now, UpdatedAt: p.now,
		RuleIDs: outcome.RuleIDs, PriorityRuleID: outcome.PriorityRuleID,
		DeviceID: in.DeviceID, IPAddress: in.IPAddress, UserAgent: in.UserAgent,
		RedirectURL: in.RedirectURL, RedirectToSettings: in.RedirectToSettings,
		Scope: in.Scope, Locale: in.Locale, Custom: in.Custom,
		AllowedMethods: s.offeredOf(allowedMethods(p.cfg)),
	}
	return p, nil
}

// WriteTrack stores a planned action inside q's transaction, with the
// user and configuration writes it needs, and returns the action as
// stored: the one already stored under the idempotency key, if any
// (created false).
func (s *Service) WriteTrack(ctx context.Context, q Queries, p *TrackPlan) (model.Action, bool, error) {
	tenantID, in := p.action.TenantID, p.in
	switch {
	case p.newUser:
		created, err := q.CreateUserIfMissing(ctx, p.user)
		if err != nil {
			return model.Action{}, false, err
		}
		if !created {
			// Created meanwhile by another request: fill what it lacks.
			if _, err := s.fillUserAttributes(ctx, q, tenantID, in); err != nil {
				return model.Action{}, false, err
			}
		}
	case p.fillUser:
		if _, err := s.fillUserAttributes(ctx, q, tenantID, in); err != nil {
			return model.Action{}, false, err
		}
	}
	if p.noteConfig {
		if err := q.NoteActionCreated(ctx, tenantID, in.ActionCode, p.now); err != nil {
			return model.Action{}, false, err
		}
	}
	if p.action.State == model.StateChallengeSucceeded {
		// Completed on creation: action.verify must have approved it.
		if need, err := s.needsVerification(ctx, q, p.action); err != nil {
			return model.Action{}, false, err
		} else if need {
			return model.Action{}, false, errSignInRefused
		}
	}
	stored, created, err := q.InsertAction(ctx, model.NewAction{Action: p.action, Earlier: p.earlier,
		DeviceKnown: p.deviceKnown})
	if err != nil {
		return stored, false, err
	}
	if stored.UserID != in.UserID || stored.Code != in.ActionCode {
		return stored, false, model.Errorf(model.ErrConflict, "idempotency_key_conflict",
			"idempotency key %s already belongs to another user or action", in.IdempotencyKey)
	}
	if created {
		tracked := stored.State
		if len(p.earlier) > 0 {
			tracked = p.earlier[0]
		}
		if err := s.logAction(ctx, q, stored, tracked); err != nil {
			return stored, false, err
		}
	}
	return stored, created, nil
}

// result is what track answers for the stored action.
func (p *TrackPlan) result(stored model.Action, e model.Enrolment) TrackResult {
	res := TrackResult{Action: stored}
	res.EnrolledVerificationMethods = e.Methods
	res.IsEnrolled = e.Authenticators > 0
	res.AllowedVerificationMethods = stored.AllowedMethods
	res.DefaultVerificationMethod = defaultMethod(p.cfg, res.EnrolledVerificationMethods, res.AllowedVerificationMethods)
	return res
}

// CheckTrack checks a track request and fills in what it leaves out (the
// idempotency key, a normalised scope and phone number).
func (s *Service) CheckTrack(t model.Tenant, in *TrackInput) error {
	if !model.ValidUserID(in.UserID) {
		return model.Invalid("userId must be 1 to 255 characters without slashes or control characters")
	}
	if !model.ValidActionCode(in.ActionCode) {
		return model.Invalid("action must match ^[a-zA-Z0-9_-]{1,64}$")
	}
	if in.IdempotencyKey == "" {
		in.IdempotencyKey = s.NewID()
	} else if !model.ValidIdempotencyKey(in.IdempotencyKey) {
		return model.Invalid("idempotencyKey must be 1 to 128 letters, digits, '-', '_' or '.'")
	}
	if in.RedirectURL != "" && !tenancy.RedirectAllowed(t, in.RedirectURL) {
		return model.Invalid("redirectUrl %q is not below any of the tenant's allowed redirect URLs", in.RedirectURL)
	}
	scope, err := NormalizeScope(in.Scope)
	if err != nil {
		return err
	}
	in.Scope = scope
	in.PhoneNumber = NormalizePhoneNumber(in.PhoneNumber)
	if err := checkAttributes(in.Email, in.PhoneNumber, in.Username, in.Custom); err != nil {
		return err
	}
	if !validLocale(in.Locale) {
		return model.Invalid("locale must be a language tag such as en or en-US")
	}
	for name, v := range map[string]string{"deviceId": in.DeviceID, "ipAddress": in.IPAddress} {
		if len(v) > 128 {
			return model.Invalid("%s is longer than 128 characters", name)
		}
	}
	if len(in.UserAgent) > 1024 {
		return model.Invalid("userAgent is longer than 1024 characters")
	}
	return nil
}

// fillUserAttributes sets the contact attributes a track call carries on a
// user who has none yet, never overwriting what the user already has, and
// returns the user.
func (s *Service) fillUserAttributes(ctx context.Context, q Queries, tenantID string, in TrackInput) (model.User, error) {
	u, err := q.User(ctx, tenantID, in.UserID)
	if err != nil {
		return u, err
	}
	u, changed := withAttributes(u, in)
	if !changed {
		return u, nil
	}
	u.UpdatedAt = s.Now()
	return u, q.UpdateUser(ctx, u)
}

// withAttributes returns the user with the contact attributes a track
// call carries set where the user has none, and whether any was set.
func withAttributes(u model.User, in TrackInput) (model.User, bool) {
	changed := false
	for _, f := range []struct {
		dst *string
		v   string
	}{
		{&u.Email, in.Email}, {&u.PhoneNumber, in.PhoneNumber}, {&u.Username, in.Username}, {&u.Locale, in.Locale},
	} {
		if *f.dst == "" && f.v != "" {
			*f.dst, changed = f.v, true
		}
	}
	return u, changed
}

// withRuleSettings returns the action configuration as the winning rule
// amends it: the rule's permitted methods, default method and prompt
// switch replace the action's where the rule sets them.
func withRuleSettings(cfg model.ActionConfig, winner *model.Rule) model.ActionConfig {
	if winner == nil {
		return cfg
	}
	if len(winner.VerificationMethods) > 0 {
		cfg.VerificationMethods = winner.VerificationMethods
	}
	if winner.DefaultMethod != "" {
		cfg.DefaultMethod = winner.DefaultMethod
	}
	if len(winner.PromptToEnrollMethods) > 0 {
		cfg.PromptToEnrollMethods = winner.PromptToEnrollMethods
	}
	return cfg
}

// stateFor turns an outcome into the action's first state. A user with no
// authenticator cannot be challenged, so a challenge becomes ALLOW.
func stateFor(o model.Outcome, enrolled bool) model.ActionState {
	switch o {
	case model.OutcomeAllow:
		return model.StateAllow
	case model.OutcomeBlock:
		return model.StateBlock
	case model.OutcomeReview:
		return model.StateReviewRequired
	}
	if !enrolled {
		return model.StateAllow
	}
	return model.StateChallengeRequired
}

func allowedMethods(cfg model.ActionConfig) []model.VerificationMethod {
	if len(cfg.VerificationMethods) > 0 {
		return cfg.VerificationMethods
	}
	return defaultMethods
}

// defaultMethod is the configured default when the user has it and it is
// allowed, else the first enrolled and allowed method in the order
// passkey, SMS, email, app.
func defaultMethod(cfg model.ActionConfig, enrolled, allowed []model.VerificationMethod) model.VerificationMethod {
	if cfg.DefaultMethod != "" && slices.Contains(enrolled, cfg.DefaultMethod) && slices.Contains(allowed, cfg.DefaultMethod) {
		return cfg.DefaultMethod
	}
	for _, m := range []model.VerificationMethod{model.MethodPasskey, model.MethodSMS, model.MethodEmailOTP, model.MethodAuthenticatorApp} {
		if slices.Contains(enrolled, m) && slices.Contains(allowed, m) {
			return m
		}
	}
	return ""
}

// PermittedMethods returns the methods that may complete an action's
// challenge and its default method: those track recorded on the action,
// else the action configuration's as the winning rule amends them, limited
// to the methods this server offers.
func (s *Service) PermittedMethods(ctx context.Context, t model.Tenant, a model.Action) ([]model.VerificationMethod, model.VerificationMethod, error) {
	cfg, err := s.store.ActionConfig(ctx, t.ID, a.Code)
	if err != nil && !isNotFound(err) {
		return nil, "", err
	}
	if a.PriorityRuleID != "" {
		r, err := s.store.Rule(ctx, t.ID, a.Code, a.PriorityRuleID)
		if err != nil && !isNotFound(err) {
			return nil, "", err
		}
		if err == nil {
			cfg = withRuleSettings(cfg, &r)
		}
	}
	methods := a.AllowedMethods
	if len(methods) == 0 {
		methods = s.offeredOf(allowedMethods(cfg))
	}
	return methods, cfg.DefaultMethod, nil
}

// CompleteOnCreate makes a planned track create its action completed by
// the passkey, when the tracked state is one a challenge may complete and
// the action permits passkeys: its history then holds the tracked state
// followed by CHALLENGE_SUCCEEDED, as if completed right after the track.
func (p *TrackPlan) CompleteOnCreate(authID string) {
	a := &p.action
	if (a.State != model.StateChallengeRequired && a.State != model.StateAllow) || methodPermitted(*a, model.MethodPasskey) != nil {
		return
	}
	p.earlier = []model.ActionState{a.State}
	a.State, a.VerificationMethod, a.VerifiedAuthenticatorID = model.StateChallengeSucceeded, model.MethodPasskey, authID
	a.StateSource = model.SourceChallenge
}

// User is the user as the planned track leaves them.
func (p *TrackPlan) User() model.User { return p.user }

// trackFacts assembles what rule conditions see at track time.
func trackFacts(u model.User, e model.Enrolment, in TrackInput, deviceCount int, deviceKnown bool) *rules.Facts {
	f := &rules.Facts{
		User: rules.UserFacts{UserID: u.ID, Email: u.Email, EmailDomain: rules.EmailDomain(u.Email),
			Username: u.Username, Custom: u.Custom},
		Device: rules.DeviceFacts{ID: in.DeviceID, UserDeviceCount: deviceCount,
			IsNew: in.DeviceID != "" && !deviceKnown},
		IP:     rules.IPFacts{Address: in.IPAddress},
		Action: rules.ActionFacts{Code: in.ActionCode, Custom: in.Custom},
	}
	for _, m := range e.Methods {
		f.User.EnrolledMethods = append(f.User.EnrolledMethods, string(m))
	}
	f.User.IsEnrolled = len(f.User.EnrolledMethods) > 0
	f.User.PasskeyCount = e.Passkeys
	f.User.HasPasskey = f.User.PasskeyCount > 0
	if in.UserAgent != "" {
		ua := devices.ParseUserAgent(in.UserAgent)
		f.Device.Platform, f.Device.Browser, f.Device.IsBot = ua.OSName, ua.BrowserName, ua.IsBot
	}
	return f
}
