// Package policy holds what an admin decides for a tenant's actions:
// action configurations, their rules and value lists, the passkey
// settings, and the outcome and prompt switches they give an action.
package policy

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/uplift-dev/uplift/internal/i18n"
	"github.com/uplift-dev/uplift/internal/ids"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/rules"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// Service edits and applies a tenant's policy.
type Service struct {
	ids.Source
	store    Store
	log      *slog.Logger
	tenancy  *tenancy.Service
	prepared *preparedCache
}

// New returns the policy service over st; tn's cache learns of every
// change.
func New(st Store, log *slog.Logger, src ids.Source, tn *tenancy.Service) *Service {
	return &Service{Source: src, store: st, log: log, tenancy: tn, prepared: &preparedCache{}}
}

// challengeMethods are the methods an action or rule may permit.
var challengeMethods = []model.VerificationMethod{
	model.MethodPasskey, model.MethodEmailOTP, model.MethodSMS, model.MethodAuthenticatorApp,
}

// recoveryMethodChoices are the methods that may count as recovery methods.
var recoveryMethodChoices = []model.VerificationMethod{
	model.MethodEmailOTP, model.MethodSMS, model.MethodAuthenticatorApp,
}

// checkMethods validates a method list and its default against allowed.
func checkMethods(field string, methods []model.VerificationMethod, def model.VerificationMethod, allowed []model.VerificationMethod) error {
	seen := map[model.VerificationMethod]bool{}
	for _, m := range methods {
		if !slices.Contains(allowed, m) {
			return model.Invalid("%s: %q is not one of %s", field, m, model.JoinMethods(allowed))
		}
		if seen[m] {
			return model.Invalid("%s lists %s twice", field, m)
		}
		seen[m] = true
	}
	if def != "" {
		if !slices.Contains(allowed, def) {
			return model.Invalid("defaultVerificationMethod: %q is not one of %s", def, model.JoinMethods(allowed))
		}
		if len(methods) > 0 && !seen[def] {
			return model.Invalid("defaultVerificationMethod %s is not among the %s", def, field)
		}
	}
	return nil
}

func checkPrompt(methods []model.VerificationMethod) error {
	for _, m := range methods {
		if m != model.MethodPasskey {
			return model.Invalid("promptToEnrollVerificationMethods may only contain PASSKEY, not %q", m)
		}
	}
	if len(methods) > 1 {
		return model.Invalid("promptToEnrollVerificationMethods lists PASSKEY twice")
	}
	return nil
}

// CheckActionConfig validates an action configuration for tenant t.
func CheckActionConfig(t model.Tenant, c model.ActionConfig) error {
	if !model.ValidActionCode(c.Code) {
		return model.Invalid("actionCode must match ^[a-zA-Z0-9_-]{1,64}$")
	}
	if !c.DefaultOutcome.Valid() {
		return model.Invalid("defaultUserActionResult must be ALLOW, CHALLENGE, REVIEW or BLOCK")
	}
	if err := checkMethods("verificationMethods", c.VerificationMethods, c.DefaultMethod, challengeMethods); err != nil {
		return err
	}
	if err := checkPrompt(c.PromptToEnrollMethods); err != nil {
		return err
	}
	if c.RedirectURL != "" && !tenancy.RedirectAllowed(t, c.RedirectURL) {
		return model.Invalid("redirectUrl %q is not below any of the tenant's allowed redirect URLs", model.Excerpt(c.RedirectURL))
	}
	return nil
}

// CreateActionConfig stores a new action configuration.
func (s *Service) CreateActionConfig(ctx context.Context, t model.Tenant, c model.ActionConfig) (model.ActionConfig, error) {
	c.TenantID = t.ID
	if c.DefaultOutcome == "" {
		c.DefaultOutcome = model.OutcomeChallenge
	}
	if err := CheckActionConfig(t, c); err != nil {
		return c, err
	}
	c.CreatedAt, c.UpdatedAt = s.Now(), s.Now()
	err := s.store.CreateActionConfig(ctx, c)
	s.tenancy.ForgetTenant(t.ID)
	return c, err
}

// UpdateActionConfig applies change to a stored action configuration and
// stores the result if it is valid.
func (s *Service) UpdateActionConfig(ctx context.Context, t model.Tenant, code string, change func(*model.ActionConfig)) (model.ActionConfig, error) {
	var c model.ActionConfig
	err := s.store.InTx(ctx, func(q Queries) error {
		var err error
		if c, err = q.ActionConfig(ctx, t.ID, code); err != nil {
			return err
		}
		change(&c)
		c.TenantID, c.Code = t.ID, code
		if err := CheckActionConfig(t, c); err != nil {
			return err
		}
		c.UpdatedAt = s.Now()
		return q.UpdateActionConfig(ctx, c)
	})
	s.tenancy.ForgetTenant(t.ID)
	return c, err
}

// DeleteActionConfig removes an action configuration with its rules.
func (s *Service) DeleteActionConfig(ctx context.Context, tenantID, code string) error {
	err := s.store.DeleteActionConfig(ctx, tenantID, code)
	s.tenancy.ForgetTenant(tenantID)
	return err
}

// CheckRule validates a rule and its conditions.
func CheckRule(r model.Rule) error {
	if n := utf8.RuneCountInString(strings.TrimSpace(r.Name)); n == 0 || n > 100 || !model.ValidText(r.Name, false) {
		return model.Invalid("name must be 1 to 100 characters, without control characters")
	}
	if utf8.RuneCountInString(r.Description) > 1000 || !model.ValidText(r.Description, true) {
		return model.Invalid("description must be at most 1000 characters, without control characters")
	}
	if r.Priority < 0 || r.Priority > 99 {
		return model.Invalid("priority must be from 0 to 99, got %d", r.Priority)
	}
	if !r.Outcome.Valid() {
		return model.Invalid("type must be ALLOW, CHALLENGE, REVIEW or BLOCK")
	}
	if err := checkMethods("verificationMethods", r.VerificationMethods, r.DefaultMethod, challengeMethods); err != nil {
		return err
	}
	if err := checkPrompt(r.PromptToEnrollMethods); err != nil {
		return err
	}
	if len(r.Conditions) == 0 {
		return model.Invalid("conditions are required")
	}
	if err := compileConditions(r.Conditions); err != nil {
		return model.Invalid("conditions: %s", err.Error())
	}
	return nil
}

// CreateRule stores a new rule on an existing action configuration.
func (s *Service) CreateRule(ctx context.Context, t model.Tenant, r model.Rule) (model.Rule, error) {
	r.TenantID, r.ID = t.ID, s.NewID()
	if err := CheckRule(r); err != nil {
		return r, err
	}
	r.CreatedAt, r.UpdatedAt = s.Now(), s.Now()
	err := s.store.InTx(ctx, func(q Queries) error {
		if _, err := q.ActionConfig(ctx, t.ID, r.ActionCode); err != nil {
			return err
		}
		return q.CreateRule(ctx, r)
	})
	s.tenancy.ForgetTenant(t.ID)
	return r, err
}

// UpdateRule applies change to a stored rule and stores the result if it
// is valid.
func (s *Service) UpdateRule(ctx context.Context, t model.Tenant, code, id string, change func(*model.Rule)) (model.Rule, error) {
	var r model.Rule
	err := s.store.InTx(ctx, func(q Queries) error {
		var err error
		if r, err = q.Rule(ctx, t.ID, code, id); err != nil {
			return err
		}
		change(&r)
		r.TenantID, r.ActionCode, r.ID = t.ID, code, id
		if err := CheckRule(r); err != nil {
			return err
		}
		r.UpdatedAt = s.Now()
		return q.UpdateRule(ctx, r)
	})
	s.tenancy.ForgetTenant(t.ID)
	return r, err
}

// DeleteRule removes a rule.
func (s *Service) DeleteRule(ctx context.Context, tenantID, code, id string) error {
	err := s.store.DeleteRule(ctx, tenantID, code, id)
	s.tenancy.ForgetTenant(tenantID)
	return err
}

var aliasPattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// maxListItems bounds a value list so rule evaluation stays cheap.
const maxListItems = 10000

// CheckValueList validates a value list and normalises its items.
func CheckValueList(l *model.ValueList) error {
	if !aliasPattern.MatchString(l.Alias) {
		return model.Invalid("alias must match ^[a-zA-Z0-9_-]{1,64}$")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(l.Name)); n == 0 || n > 100 || !model.ValidText(l.Name, false) {
		return model.Invalid("name must be 1 to 100 characters, without control characters")
	}
	switch l.ItemType {
	case model.ListString, model.ListNumber, model.ListCIDR:
	default:
		return model.Invalid("itemType must be string, number or cidr")
	}
	if len(l.Items) > maxListItems {
		return model.Invalid("a value list holds at most %d items", maxListItems)
	}
	for i, it := range l.Items {
		switch l.ItemType {
		case model.ListString:
			if it == "" || len(it) > 256 || !model.ValidText(it, false) {
				return model.Invalid("valueListItems[%d] must be 1 to 256 characters, without control characters", i)
			}
		case model.ListNumber:
			if _, err := strconv.ParseFloat(it, 64); err != nil {
				return model.Invalid("valueListItems[%d] is not a number", i)
			}
		case model.ListCIDR:
			p, err := rules.ParseCIDR(it)
			if err != nil {
				return model.Invalid("valueListItems[%d] %q is not an IP address or CIDR range", i, model.Excerpt(it))
			}
			l.Items[i] = p.String()
		}
	}
	return nil
}

// SaveValueList creates or replaces a value list.
func (s *Service) SaveValueList(ctx context.Context, t model.Tenant, l model.ValueList, create bool) (model.ValueList, error) {
	l.TenantID = t.ID
	if err := CheckValueList(&l); err != nil {
		return l, err
	}
	err := s.store.InTx(ctx, func(q Queries) error {
		old, err := q.ValueList(ctx, t.ID, l.Alias)
		switch {
		case err == nil && create:
			return model.Errorf(model.ErrConflict, "conflict", "value list %q already exists", l.Alias)
		case err == nil:
			l.CreatedAt = old.CreatedAt
		case !create:
			return err
		default:
			l.CreatedAt = s.Now()
		}
		l.UpdatedAt = s.Now()
		return q.SaveValueList(ctx, l)
	})
	s.tenancy.ForgetTenant(t.ID)
	return l, err
}

// DeleteValueList removes a value list.
func (s *Service) DeleteValueList(ctx context.Context, tenantID, alias string) error {
	err := s.store.DeleteValueList(ctx, tenantID, alias)
	s.tenancy.ForgetTenant(tenantID)
	return err
}

// PasskeySettings is the tenant's passkey configuration as the
// Management API edits it.
type PasskeySettings struct {
	RPID    string
	RPName  string
	Origins []string
	Passkey model.PasskeyConfig
}

// maxPromptInterval bounds the uplift prompt's frequency (ten years).
const maxPromptInterval = 10 * 365 * 24 * 3600

// MaxPromptDismissals bounds enrollmentPromptMaxDismissals.
const MaxPromptDismissals = 1000

// UpdatePasskeySettings applies change to the tenant's passkey settings
// and stores them if they are valid.
func (s *Service) UpdatePasskeySettings(ctx context.Context, tenantID string, change func(*PasskeySettings)) (model.Tenant, error) {
	var t model.Tenant
	err := s.store.InTx(ctx, func(q Queries) error {
		var err error
		if t, err = q.Tenant(ctx, tenantID); err != nil {
			return err
		}
		ps := PasskeySettings{RPID: t.RPID, RPName: t.RPName, Origins: slices.Clone(t.Origins), Passkey: t.Passkey}
		change(&ps)
		if err := checkPasskeySettings(&ps); err != nil {
			return err
		}
		t.RPID, t.RPName, t.Origins, t.Passkey = ps.RPID, ps.RPName, ps.Origins, ps.Passkey
		return q.UpdateTenant(ctx, t)
	})
	s.tenancy.ForgetTenant(tenantID)
	return t, err
}

func checkPasskeySettings(ps *PasskeySettings) error {
	p := ps.Passkey
	if p.EnrollmentPromptInterval < 0 || p.EnrollmentPromptInterval > maxPromptInterval {
		return model.Invalid("enrollmentPromptInterval must be from 0 to %d seconds", maxPromptInterval)
	}
	if p.EnrollmentPromptRolloutPercent < 0 || p.EnrollmentPromptRolloutPercent > 100 {
		return model.Invalid("enrollmentPromptRolloutPercent must be from 0 to 100, got %d", p.EnrollmentPromptRolloutPercent)
	}
	if p.EnrollmentPromptMaxDismissals < 0 || p.EnrollmentPromptMaxDismissals > MaxPromptDismissals {
		return model.Invalid("enrollmentPromptMaxDismissals must be from 0 (no limit) to %d, got %d",
			MaxPromptDismissals, p.EnrollmentPromptMaxDismissals)
	}
	if err := checkMethods("recoveryMethods", p.RecoveryMethods, "", recoveryMethodChoices); err != nil {
		return err
	}
	switch p.UserVerification {
	case model.UVRequired, model.UVPreferred, model.UVDiscouraged:
	default:
		return model.Invalid("userVerificationRequirement must be required, preferred or discouraged")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(ps.RPName)); n == 0 || n > 100 || !model.ValidText(ps.RPName, false) {
		return model.Invalid("the relying party name must be 1 to 100 characters, without control characters")
	}
	if len(ps.Origins) == 0 || len(ps.Origins) > 20 {
		return model.Invalid("expectedOrigins must list 1 to 20 origins")
	}
	for i, o := range ps.Origins {
		norm, err := tenancy.NormalizeOrigin(o)
		if err != nil {
			return err
		}
		ps.Origins[i] = norm
	}
	if l := ps.Passkey.DefaultLocale; l != "" && !i18n.Supported(l) {
		return model.Invalid("defaultLocale must be one of %s, or empty for English",
			strings.Join(i18n.Languages(), ", "))
	}
	related, err := tenancy.CheckRelatedOrigins(ps.Passkey.RelatedOrigins)
	if err != nil {
		return err
	}
	ps.Passkey.RelatedOrigins = related
	return tenancy.ValidRPID(ps.RPID, ps.Origins)
}

// compileConditions checks a rule's conditions: a JSONLogic object that
// rules.Compile accepts.
func compileConditions(raw []byte) error {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return errors.New("must be a JSONLogic object such as {\"==\":[{\"var\":\"device.isNew\"},true]}")
	}
	_, err := rules.Compile(raw)
	return err
}
