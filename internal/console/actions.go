package console

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/admin"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/policy"
	"github.com/uplift-dev/uplift/internal/uplift"
)

// policyOutcomes are the outcomes in display order with their names.
var policyOutcomes = []struct {
	value model.Outcome
	label string
}{
	{model.OutcomeAllow, "Allow"},
	{model.OutcomeChallenge, "Challenge"},
	{model.OutcomeReview, "Review"},
	{model.OutcomeBlock, "Block"},
}

func policyOutcomeLabel(o model.Outcome) string {
	for _, l := range policyOutcomes {
		if l.value == o {
			return l.label
		}
	}
	return string(o)
}

func outcomeSelect(selected model.Outcome) []selectOption {
	out := make([]selectOption, len(policyOutcomes))
	for i, l := range policyOutcomes {
		out[i] = selectOption{Value: string(l.value), Label: l.label, Selected: l.value == selected}
	}
	return out
}

// defaultMethodSelect are the choices of a default method, none first.
func defaultMethodSelect(selected model.VerificationMethod, none string) []selectOption {
	out := []selectOption{{Value: "", Label: none, Selected: selected == ""}}
	for _, m := range policy.ChallengeMethodChoices() {
		out = append(out, selectOption{Value: string(m), Label: methodName(m), Selected: m == selected})
	}
	return out
}

func policyMethodsText(ms []model.VerificationMethod, none string) string {
	if len(ms) == 0 {
		return none
	}
	labels := make([]string, len(ms))
	for i, m := range ms {
		labels[i] = methodName(m)
	}
	return strings.Join(labels, ", ")
}

func actionPagePath(code string) string { return admin.ConsolePath + "/actions/" + code }

// actionConfigRow is one line of the actions table.
type actionConfigRow struct {
	Code, Outcome, Methods, Prompt string
	// PromptOn is the prompt's effective state when no rule wins.
	PromptOn bool
	Rules    int
	LastUsed time.Time
}

// actionConfigsView is what actions.html shows.
type actionConfigsView struct {
	Rows     []actionConfigRow
	NewCode  string
	Problems fieldErrors
}

// Actions lists the tenant's action configurations and offers a new one.
func (c *Console) Actions(w http.ResponseWriter, r *http.Request, s *Session) error {
	return c.renderActions(w, r, s, http.StatusOK, "", nil)
}

// CreateAction creates an action configuration with the Management API's
// defaults and opens it.
func (c *Console) CreateAction(w http.ResponseWriter, r *http.Request, s *Session) error {
	code := strings.TrimSpace(r.PostFormValue("code"))
	cfg, err := c.policy.CreateActionConfig(r.Context(), s.Tenant, model.ActionConfig{Code: code})
	switch {
	case err == nil:
		redirect(w, r, actionPagePath(cfg.Code), "action-created")
		return nil
	case errors.Is(err, model.ErrInvalid), errors.Is(err, model.ErrConflict):
		return c.renderActions(w, r, s, http.StatusBadRequest, code, fieldErrors{"code": refusal(err)})
	}
	return err
}

func (c *Console) renderActions(w http.ResponseWriter, r *http.Request, s *Session, status int, code string, p fieldErrors) error {
	cfgs, err := c.policy.ActionConfigs(r.Context(), s.Tenant.ID)
	if err != nil {
		return err
	}
	v := actionConfigsView{NewCode: code, Problems: p}
	for _, cfg := range cfgs {
		rules, err := c.policy.Rules(r.Context(), s.Tenant.ID, cfg.Code)
		if err != nil {
			return err
		}
		v.Rows = append(v.Rows, actionConfigRow{Code: cfg.Code, Outcome: policyOutcomeLabel(cfg.DefaultOutcome),
			Methods: policyMethodsText(cfg.VerificationMethods, "All methods"), Prompt: actionEffective(s.Tenant, cfg),
			PromptOn: actionPromptOn(s.Tenant, cfg),
			Rules:    len(rules), LastUsed: cfg.LastActionCreatedAt})
	}
	view := View{Title: "Actions", Section: "actions", Data: v}
	if len(p) > 0 {
		view.Error = "The action was not created. Fix the action code and try again."
	}
	c.render(w, r, status, "actions", s, view)
	return nil
}

// actionConfigForm is the action configuration form as submitted or stored.
type actionConfigForm struct {
	Prompt        uplift.Switch
	Outcome       model.Outcome
	Methods       []model.VerificationMethod
	DefaultMethod model.VerificationMethod
	RedirectURL   string
}

func (f actionConfigForm) apply(cfg *model.ActionConfig) {
	cfg.DefaultOutcome, cfg.VerificationMethods, cfg.DefaultMethod = f.Outcome, slices.Clone(f.Methods), f.DefaultMethod
	cfg.DisablePromptToEnroll, cfg.PromptToEnrollMethods = switchFields(f.Prompt)
	cfg.RedirectURL = f.RedirectURL
}

// ruleTableRow is one line of an action's rules table.
type ruleTableRow struct {
	ID, Name, Outcome, Prompt string
	Priority                  int
	Active                    bool
}

// actionConfigView is what action.html shows.
type actionConfigView struct {
	Code           string
	Form           actionConfigForm
	Outcomes       []selectOption
	Methods        []checkOption
	DefaultMethods []selectOption
	// Prompt is the switch's select; Effective says the prompt's state
	// when no rule wins and where it comes from.
	Prompt    []selectOption
	Effective string
	Rules     []ruleTableRow
	Problems  fieldErrors
}

// actionConfig loads the path's action configuration of the session's
// tenant: any other code is not found.
func (c *Console) actionConfig(r *http.Request, s *Session) (model.ActionConfig, error) {
	code := r.PathValue("code")
	if !model.ValidActionCode(code) {
		return model.ActionConfig{}, model.NotFound("there is no such action")
	}
	cfg, err := c.policy.ActionConfig(r.Context(), s.Tenant.ID, code)
	if errors.Is(err, model.ErrNotFound) {
		return cfg, model.NotFound("there is no such action")
	}
	return cfg, err
}

// Action shows one action configuration and its rules.
func (c *Console) Action(w http.ResponseWriter, r *http.Request, s *Session) error {
	cfg, err := c.actionConfig(r, s)
	if err != nil {
		return err
	}
	f := actionConfigForm{Prompt: policy.ActionSwitch(cfg), Outcome: cfg.DefaultOutcome,
		Methods: cfg.VerificationMethods, DefaultMethod: cfg.DefaultMethod, RedirectURL: cfg.RedirectURL}
	return c.renderAction(w, r, s, http.StatusOK, cfg.Code, f, nil)
}

// SaveAction stores an action configuration through the same validation
// as the Management API.
func (c *Console) SaveAction(w http.ResponseWriter, r *http.Request, s *Session) error {
	cfg, err := c.actionConfig(r, s)
	if err != nil {
		return err
	}
	f := actionConfigForm{Prompt: postedSwitch(r, "prompt"), Outcome: model.Outcome(r.PostFormValue("outcome")),
		Methods: postedMethods(r, "methods"), DefaultMethod: model.VerificationMethod(r.PostFormValue("defaultMethod")),
		RedirectURL: strings.TrimSpace(r.PostFormValue("redirectUrl"))}
	_, err = c.policy.UpdateActionConfig(r.Context(), s.Tenant, cfg.Code, f.apply)
	if err == nil {
		redirect(w, r, actionPagePath(cfg.Code), "action-saved")
		return nil
	}
	if !errors.Is(err, model.ErrInvalid) {
		return err
	}
	good := func() model.ActionConfig {
		return model.ActionConfig{TenantID: s.Tenant.ID, Code: cfg.Code, DefaultOutcome: model.OutcomeChallenge}
	}
	check := func(a *model.ActionConfig) error { return policy.CheckActionConfig(s.Tenant, *a) }
	p := placeRefusals(good, check, []fieldProbe[model.ActionConfig]{
		{"outcome", func(a *model.ActionConfig) { a.DefaultOutcome = f.Outcome }},
		{"methods", func(a *model.ActionConfig) {
			a.VerificationMethods, a.DefaultMethod = slices.Clone(f.Methods), f.DefaultMethod
		}},
		{"prompt", func(a *model.ActionConfig) { a.DisablePromptToEnroll, a.PromptToEnrollMethods = switchFields(f.Prompt) }},
		{"redirectUrl", func(a *model.ActionConfig) { a.RedirectURL = f.RedirectURL }},
	})
	if len(p) == 0 {
		p["form"] = refusal(err)
	}
	return c.renderAction(w, r, s, http.StatusBadRequest, cfg.Code, f, p)
}

func (c *Console) renderAction(w http.ResponseWriter, r *http.Request, s *Session, status int, code string, f actionConfigForm, p fieldErrors) error {
	rules, err := c.policy.Rules(r.Context(), s.Tenant.ID, code)
	if err != nil {
		return err
	}
	slices.SortStableFunc(rules, func(a, b model.Rule) int { return a.Priority - b.Priority })
	v := actionConfigView{Code: code, Form: f, Outcomes: outcomeSelect(f.Outcome),
		Methods:        methodCheckboxes(policy.ChallengeMethodChoices(), f.Methods),
		DefaultMethods: defaultMethodSelect(f.DefaultMethod, "No preference"), Problems: p,
		Prompt: promptSwitchSelect(f.Prompt)}
	var cfg model.ActionConfig
	cfg.DisablePromptToEnroll, cfg.PromptToEnrollMethods = switchFields(f.Prompt)
	v.Effective = actionEffective(s.Tenant, cfg)
	for _, ru := range rules {
		v.Rules = append(v.Rules, ruleTableRow{ID: ru.ID, Name: ru.Name, Outcome: policyOutcomeLabel(ru.Outcome),
			Prompt: switchWord(policy.RuleSwitch(ru)), Priority: ru.Priority, Active: ru.IsActive})
	}
	view := View{Title: "Action: " + code, Section: "actions", Data: v}
	if len(p) > 0 {
		view.Error = notSavedText
		if msg, ok := p["form"]; ok {
			view.Error = notSavedText + " " + msg
		}
	}
	c.render(w, r, status, "action", s, view)
	return nil
}
