// Package prompt is the passkey uplift prompt around the pure decision of
// package uplift: it loads a decision's facts, stores every decision and
// what the person did with the prompt as uplift events, explains the
// decision for any user and device, and sums the events up for the
// adoption dashboard.
package prompt

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/uplift-dev/uplift/internal/devices"
	"github.com/uplift-dev/uplift/internal/ids"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/uplift"
)

// Policy says how the prompt's three switches stand for an action: the
// tenant's, the action configuration's and the winning rule's.
type Policy interface {
	PromptSwitches(ctx context.Context, t model.Tenant, a model.Action) (tenant bool, action, rule uplift.Switch, err error)
}

// Methods says which verification methods this server can challenge
// users with (email and text codes need a sender).
type Methods interface {
	MethodOffered(m model.VerificationMethod) bool
}

// Service decides, records and explains the uplift prompt.
type Service struct {
	ids.Source
	store   Store
	log     *slog.Logger
	policy  Policy
	methods Methods
	events  model.Events
	// variants names a user's prompt experiment variant (variants.go).
	variants Variants
}

// New returns the prompt's service over st, asking policy for the prompt's
// switches and methods for the methods a user can recover with. It
// reports decisions and what the prompt did to events (nil: nowhere).
func New(st Store, log *slog.Logger, src ids.Source, policy Policy, methods Methods, events model.Events) *Service {
	if events == nil {
		events = model.NoEvents{}
	}
	return &Service{Source: src, store: st, log: log, policy: policy, methods: methods, events: events}
}

// Capability keys the hosted pages report for a device. A missing key
// means unknown, which counts as unsupported.
const (
	CapPublicKeyCredential   = "publicKeyCredential"
	CapPlatformAuthenticator = "isUserVerifyingPlatformAuthenticatorAvailable"
	CapConditionalMediation  = "isConditionalMediationAvailable"
	CapClientCapabilities    = "clientCapabilities"
)

// upliftInput loads the facts of the uplift decision for a user's action on
// a device. authenticated says whether the user has just completed a
// challenge or enrolment in this action.
func (s *Service) upliftInput(ctx context.Context, t model.Tenant, a model.Action, deviceID string, authenticated bool) (uplift.Input, model.Device, error) {
	in := uplift.Input{Authenticated: authenticated, Now: s.Now(),
		Interval:       time.Duration(t.Passkey.EnrollmentPromptInterval) * time.Second,
		Backoff:        t.Passkey.EnrollmentPromptBackoff,
		MaxDismissals:  t.Passkey.EnrollmentPromptMaxDismissals,
		RolloutPercent: t.Passkey.EnrollmentPromptRolloutPercent,
		RolloutBucket:  RolloutBucket(t.ID, a.UserID)}
	var err error
	if in.TenantPromptEnabled, in.ActionPrompt, in.RulePrompt, err = s.policy.PromptSwitches(ctx, t, a); err != nil {
		return in, model.Device{}, err
	}
	optedOut, err := s.store.UpliftOptOut(ctx, t.ID, a.UserID)
	if err != nil {
		return in, model.Device{}, err
	}
	in.OptedOut = !optedOut.IsZero()
	for _, m := range t.Passkey.RecoveryMethods {
		in.RecoveryMethods = append(in.RecoveryMethods, string(m))
	}
	auths, err := s.store.Authenticators(ctx, t.ID, a.UserID)
	if err != nil {
		return in, model.Device{}, err
	}
	// A method counts for recovery only if this server can challenge with
	// it: an email authenticator cannot get the user back in while email
	// codes are not configured.
	for _, m := range offered(s.methods, model.EnrolmentOf(auths).Methods) {
		in.VerifiedMethods = append(in.VerifiedMethods, string(m))
	}
	if deviceID == "" {
		return in, model.Device{}, nil // an unknown device reported nothing
	}
	d, err := s.store.Device(ctx, t.ID, deviceID)
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		return in, d, err
	}
	in.PlatformAuthenticator = d.Capabilities[CapPublicKeyCredential] == true && d.Capabilities[CapPlatformAuthenticator] == true
	if in.PasskeyOnDevice, err = s.store.PasskeyOnDevice(ctx, t.ID, a.UserID, deviceID); err != nil {
		return in, d, err
	}
	if in.Dismissals, in.LastDismissal, err = s.store.UpliftDismissals(ctx, t.ID, a.UserID, deviceID); err != nil {
		return in, d, err
	}
	return in, d, nil
}

// EvaluateUplift decides whether to show the uplift prompt after an action
// on a device, and records the decision as an evaluated event with its
// reason. The user counts as authenticated when the action's challenge
// succeeded.
func (s *Service) EvaluateUplift(ctx context.Context, t model.Tenant, a model.Action, deviceID string) (uplift.Decision, error) {
	variant, err := s.variantOf(ctx, t.ID, a.UserID)
	if err != nil {
		return uplift.Decision{}, err
	}
	return s.evaluate(ctx, t, a, deviceID, model.SurfaceHosted, a.State == model.StateChallengeSucceeded, variant)
}

// evaluate decides and records the decision made for surface, with the
// user's experiment variant.
func (s *Service) evaluate(ctx context.Context, t model.Tenant, a model.Action, deviceID string,
	surface model.PromptSurface, authenticated bool, variant string) (uplift.Decision, error) {
	in, d, err := s.upliftInput(ctx, t, a, deviceID, authenticated)
	if err != nil {
		return uplift.Decision{}, err
	}
	dec := uplift.Decide(in)
	s.events.UpliftDecision(string(dec.Reason))
	err = s.store.RecordUpliftEvent(ctx, model.UpliftEvent{Variant: variant, Surface: surface,
		ID: s.NewID(), TenantID: t.ID, UserID: a.UserID, DeviceID: deviceID, IdempotencyKey: a.IdempotencyKey,
		ActionCode: a.Code, Kind: model.UpliftEvaluated, Reason: string(dec.Reason),
		Platform: devices.ParseUserAgent(d.UserAgent).OSName, At: in.Now,
	})
	return dec, err
}

// RecordUplift records what happened with the prompt after a decision:
// shown, accepted, dismissed (cancelling the system dialog counts), or
// failed with a cause. It returns once the event is stored, so a dismissal
// is in force before the response that reports it.
func (s *Service) RecordUplift(ctx context.Context, t model.Tenant, a model.Action, deviceID string, kind model.UpliftEventKind, cause string) error {
	return s.RecordUpliftOn(ctx, t, a, deviceID, model.SurfaceHosted, kind, cause)
}

// RecordUpliftOn is RecordUplift for a prompt shown on surface.
func (s *Service) RecordUpliftOn(ctx context.Context, t model.Tenant, a model.Action, deviceID string,
	surface model.PromptSurface, kind model.UpliftEventKind, cause string) error {
	switch kind {
	case model.UpliftShown, model.UpliftAccepted, model.UpliftDismissed, model.UpliftFailed:
	case model.UpliftOptedOut:
		return s.optOut(ctx, t, a, deviceID, surface)
	default:
		return model.Invalid("unknown uplift event %q", kind)
	}
	s.events.PromptOutcome(kind)
	platform := ""
	if d, err := s.store.Device(ctx, t.ID, deviceID); err == nil {
		platform = devices.ParseUserAgent(d.UserAgent).OSName
	}
	variant, err := s.variantOf(ctx, t.ID, a.UserID)
	if err != nil {
		return err
	}
	return s.recordOutcome(ctx, model.UpliftEvent{
		ID: s.NewID(), TenantID: t.ID, UserID: a.UserID, DeviceID: deviceID, IdempotencyKey: a.IdempotencyKey,
		ActionCode: a.Code, Kind: kind, Cause: cause, Platform: platform, Variant: variant, Surface: surface, At: s.Now(),
	})
}

// MarkDeviceHoldsPasskey records that a registration on the device failed
// because its authenticator already holds one of the user's passkeys, so
// the prompt stops appearing there.
func (s *Service) MarkDeviceHoldsPasskey(ctx context.Context, t model.Tenant, userID, deviceID string) error {
	if deviceID == "" {
		return model.Invalid("a device id is required")
	}
	return s.store.MarkDeviceHoldsPasskey(ctx, t.ID, deviceID, userID, s.Now())
}

// Diagnosis explains the uplift decision for a user on a device as it
// would be right after a successful challenge there.
type Diagnosis struct {
	Decision      uplift.Decision
	Interval      time.Duration
	LastDismissal time.Time
	// Dismissals counts the user's "Not now" on the device; Wait is how
	// long the last one holds the prompt back (the interval, doubled per
	// dismissal with back-off).
	Dismissals int
	Wait       time.Duration
	// MaxDismissals and Backoff are the tenant's settings in force.
	MaxDismissals int
	Backoff       bool
	// RolloutPercent is the tenant's share; RolloutBucket the user's
	// bucket, in the rollout when below it.
	RolloutPercent, RolloutBucket int
	// OptedOutAt is when the user chose "Don't ask again"; zero if not.
	OptedOutAt time.Time
	// PromptOn is the effective switch and PromptFrom the level it
	// comes from.
	PromptOn   bool
	PromptFrom uplift.Level
	// NextEligibleAt is when the prompt may appear again: now when it
	// would show, the end of the interval when a dismissal holds it back,
	// and zero when something other than time hides it.
	NextEligibleAt time.Time
	// Events are the user's latest uplift events on the device, newest
	// first: the decisions made and what became of the prompts, wherever
	// they were shown.
	Events []model.UpliftEvent
}

// DiagnosisEvents is how many of the latest events a diagnosis lists.
const DiagnosisEvents = 20

// DiagnoseUplift answers "why did this user not see the prompt?" for a
// device and, optionally, an action code. The rule switch is the one of the
// rule that won the user's latest action of that code.
func (s *Service) DiagnoseUplift(ctx context.Context, t model.Tenant, userID, deviceID, actionCode string) (Diagnosis, error) {
	if _, err := s.store.User(ctx, t.ID, userID); err != nil {
		return Diagnosis{}, err
	}
	a := model.Action{TenantID: t.ID, UserID: userID, Code: actionCode, State: model.StateChallengeSucceeded}
	if actionCode != "" {
		latest, err := s.store.QueryActions(ctx, t.ID, userID, storeActionQuery(actionCode))
		if err != nil {
			return Diagnosis{}, err
		}
		if len(latest) > 0 {
			a.PriorityRuleID = latest[0].PriorityRuleID
		}
	}
	in, _, err := s.upliftInput(ctx, t, a, deviceID, true)
	if err != nil {
		return Diagnosis{}, err
	}
	dg := Diagnosis{Decision: uplift.Decide(in), Interval: in.Interval, LastDismissal: in.LastDismissal,
		Dismissals: in.Dismissals, Wait: uplift.Wait(in.Interval, in.Backoff, in.Dismissals),
		MaxDismissals: in.MaxDismissals, Backoff: in.Backoff,
		RolloutPercent: in.RolloutPercent, RolloutBucket: in.RolloutBucket}
	dg.PromptOn, dg.PromptFrom = uplift.Effective(in.TenantPromptEnabled, in.ActionPrompt, in.RulePrompt)
	if in.OptedOut {
		if dg.OptedOutAt, err = s.store.UpliftOptOut(ctx, t.ID, userID); err != nil {
			return Diagnosis{}, err
		}
	}
	switch dg.Decision.Reason {
	case uplift.ReasonEligible:
		dg.NextEligibleAt = in.Now
	case uplift.ReasonFrequencyNotElapsed:
		dg.NextEligibleAt = dg.Decision.NextEligibleAt
	}
	if dg.Events, err = s.store.DeviceUpliftEvents(ctx, t.ID, userID, deviceID, DiagnosisEvents); err != nil {
		return Diagnosis{}, err
	}
	return dg, nil
}

func storeActionQuery(code string) model.ActionQuery {
	return model.ActionQuery{Codes: []string{code}, Limit: 1}
}

// offered returns the methods of ms this server can challenge users with.
func offered(m Methods, ms []model.VerificationMethod) []model.VerificationMethod {
	out := make([]model.VerificationMethod, 0, len(ms))
	for _, v := range ms {
		if m.MethodOffered(v) {
			out = append(out, v)
		}
	}
	return out
}
