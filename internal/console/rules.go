package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/policy"
	"github.com/uplift-dev/uplift/internal/rules"
	"github.com/uplift-dev/uplift/internal/uplift"
)

// newRuleCondition is the condition a new rule starts with.
const newRuleCondition = `{"and":[{"==":[{"var":"device.isNew"},true]}]}`

// comparisonLabels name the operators the condition builder offers.
var comparisonLabels = []struct{ op, label string }{
	{"==", "equals"},
	{"!=", "does not equal"},
	{">", "greater than"},
	{">=", "at least"},
	{"<", "less than"},
	{"<=", "at most"},
	{"in", "contains"},
	{"in_list", "is in list"},
	{"in_cidr_list", "is in CIDR list"},
}

// conditionCatalog is what the condition builder knows: the facts of the
// rules package with the operators each offers, and the operators' names.
// It reaches the script as a JSON data block.
type conditionCatalog struct {
	Facts     []catalogFact     `json:"facts"`
	Operators []catalogOperator `json:"operators"`
}

type catalogFact struct {
	Name      string         `json:"name"`
	Kind      rules.FactKind `json:"kind"`
	Prefix    string         `json:"prefix,omitempty"`
	Operators []string       `json:"operators"`
}

type catalogOperator struct {
	Op    string `json:"op"`
	Label string `json:"label"`
}

var builderCatalog = newConditionCatalog()

func newConditionCatalog() conditionCatalog {
	var c conditionCatalog
	for _, f := range rules.Catalog() {
		c.Facts = append(c.Facts, catalogFact{Name: f.Name, Kind: f.Kind, Prefix: f.Prefix, Operators: f.Kind.Comparisons()})
	}
	for _, l := range comparisonLabels {
		c.Operators = append(c.Operators, catalogOperator{Op: l.op, Label: l.label})
	}
	return c
}

// ruleForm is the rule form as submitted or stored.
type ruleForm struct {
	Name, Description string
	// Priority is as typed, so a wrong value is shown back.
	Priority      string
	Active        bool
	Outcome       model.Outcome
	Prompt        uplift.Switch
	Methods       []model.VerificationMethod
	DefaultMethod model.VerificationMethod
	Conditions    string
}

func ruleFormOf(ru model.Rule) ruleForm {
	return ruleForm{Name: ru.Name, Description: ru.Description, Priority: strconv.Itoa(ru.Priority), Active: ru.IsActive,
		Outcome: ru.Outcome, Prompt: policy.RuleSwitch(ru),
		Methods: ru.VerificationMethods, DefaultMethod: ru.DefaultMethod, Conditions: conditionText(ru.Conditions)}
}

// conditionText lays a stored condition out for reading as the builder
// writes it: each part of a top-level "and" or "or" on a line of its own,
// everything compact. Text that is not JSON is returned as it is.
func conditionText(raw []byte) string {
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) == nil && len(top) == 1 {
		for _, op := range []string{"and", "or"} {
			var parts []json.RawMessage
			if json.Unmarshal(top[op], &parts) != nil || len(parts) == 0 {
				continue
			}
			lines := make([]string, len(parts))
			for i, p := range parts {
				lines[i] = compactJSON(p)
			}
			return `{"` + op + `":[` + "\n  " + strings.Join(lines, ",\n  ") + "\n]}"
		}
	}
	return compactJSON(raw)
}

func compactJSON(raw []byte) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return string(raw)
	}
	return buf.String()
}

func readRuleForm(r *http.Request) ruleForm {
	return ruleForm{
		Name: strings.TrimSpace(r.PostFormValue("name")), Description: strings.TrimSpace(r.PostFormValue("description")),
		Priority: strings.TrimSpace(r.PostFormValue("priority")), Active: r.PostFormValue("active") != "",
		Outcome: model.Outcome(r.PostFormValue("outcome")), Prompt: postedSwitch(r, "prompt"),
		Methods: postedMethods(r, "methods"), DefaultMethod: model.VerificationMethod(r.PostFormValue("defaultMethod")),
		Conditions: r.PostFormValue("conditions"),
	}
}

// priority reads the typed priority; the range is policy's to check.
func (f ruleForm) priority() (int, bool) {
	n, err := strconv.Atoi(f.Priority)
	return n, err == nil
}

// apply sets the rule's fields from the form.
func (f ruleForm) apply(ru *model.Rule, priority int) {
	ru.Name, ru.Description, ru.IsActive, ru.Priority, ru.Outcome = f.Name, f.Description, f.Active, priority, f.Outcome
	ru.VerificationMethods, ru.DefaultMethod = slices.Clone(f.Methods), f.DefaultMethod
	ru.DisablePromptToEnroll, ru.PromptToEnrollMethods = switchFields(f.Prompt)
	ru.Conditions = []byte(strings.TrimSpace(f.Conditions))
}

// goodRule is a rule that passes every check.
func goodRule() model.Rule {
	return model.Rule{Name: "rule", Outcome: model.OutcomeChallenge, Conditions: []byte(`{"!!":[true]}`)}
}

func checkRule(ru *model.Rule) error { return policy.CheckRule(*ru) }

// ruleProblems places the refusals of a rule form next to its fields;
// err, when the form got as far as policy, is shown above the form if no
// field explains it.
func ruleProblems(f ruleForm, err error) fieldErrors {
	priority, ok := f.priority()
	var in model.Rule
	f.apply(&in, priority)
	probes := []fieldProbe[model.Rule]{
		{"name", func(ru *model.Rule) { ru.Name = in.Name }},
		{"description", func(ru *model.Rule) { ru.Description = in.Description }},
		{"outcome", func(ru *model.Rule) { ru.Outcome = in.Outcome }},
		{"methods", func(ru *model.Rule) {
			ru.VerificationMethods, ru.DefaultMethod = in.VerificationMethods, in.DefaultMethod
		}},
		{"prompt", func(ru *model.Rule) {
			ru.DisablePromptToEnroll, ru.PromptToEnrollMethods = in.DisablePromptToEnroll, in.PromptToEnrollMethods
		}},
		{"conditions", func(ru *model.Rule) { ru.Conditions = in.Conditions }},
	}
	if ok {
		probes = append(probes, fieldProbe[model.Rule]{"priority", func(ru *model.Rule) { ru.Priority = in.Priority }})
	}
	p := placeRefusals(goodRule, checkRule, probes)
	if !ok {
		p["priority"] = "Priority must be a whole number from 0 to 99."
	}
	if len(p) == 0 && err != nil {
		p["form"] = refusal(err)
	}
	return p
}

// ruleView is what rule.html shows.
type ruleView struct {
	Code string
	// ID is empty for a new rule.
	ID             string
	Form           ruleForm
	Outcomes       []selectOption
	Methods        []checkOption
	DefaultMethods []selectOption
	Problems       fieldErrors
	Catalog        conditionCatalog
	// Prompt is the switch's select; Effective says the prompt's state
	// when this rule wins and where it comes from.
	Prompt    []selectOption
	Effective string
}

func rulePagePath(code, id string) string { return actionPagePath(code) + "/rules/" + id }

// storedRule loads the path's rule of the session's tenant: any other is
// not found.
func (c *Console) storedRule(r *http.Request, s *Session) (model.Rule, error) {
	cfg, err := c.actionConfig(r, s)
	if err != nil {
		return model.Rule{}, err
	}
	id := r.PathValue("ruleId")
	if !model.ValidUUID(id) {
		return model.Rule{}, model.NotFound("rule not found")
	}
	return c.policy.Rule(r.Context(), s.Tenant.ID, cfg.Code, id)
}

// NewRule shows an empty rule form for an action.
func (c *Console) NewRule(w http.ResponseWriter, r *http.Request, s *Session) error {
	cfg, err := c.actionConfig(r, s)
	if err != nil {
		return err
	}
	f := ruleForm{Priority: "10", Active: true, Outcome: model.OutcomeChallenge, Conditions: conditionText([]byte(newRuleCondition))}
	c.renderRule(w, r, s, http.StatusOK, "New rule", ruleView{Code: cfg.Code, Form: f})
	return nil
}

// CreateRule stores a new rule through the same validation as the
// Management API.
func (c *Console) CreateRule(w http.ResponseWriter, r *http.Request, s *Session) error {
	cfg, err := c.actionConfig(r, s)
	if err != nil {
		return err
	}
	f := readRuleForm(r)
	if priority, ok := f.priority(); ok {
		ru := model.Rule{ActionCode: cfg.Code}
		f.apply(&ru, priority)
		ru, err = c.policy.CreateRule(r.Context(), s.Tenant, ru)
		if err == nil {
			redirect(w, r, rulePagePath(cfg.Code, ru.ID), "rule-created")
			return nil
		}
		if !errors.Is(err, model.ErrInvalid) {
			return err
		}
	}
	c.renderRule(w, r, s, http.StatusBadRequest, "New rule", ruleView{Code: cfg.Code, Form: f, Problems: ruleProblems(f, err)})
	return nil
}

// Rule shows one rule of an action.
func (c *Console) Rule(w http.ResponseWriter, r *http.Request, s *Session) error {
	ru, err := c.storedRule(r, s)
	if err != nil {
		return err
	}
	c.renderRule(w, r, s, http.StatusOK, "Rule: "+ru.Name, ruleView{Code: ru.ActionCode, ID: ru.ID, Form: ruleFormOf(ru)})
	return nil
}

// SaveRule stores a changed rule through the same validation as the
// Management API.
func (c *Console) SaveRule(w http.ResponseWriter, r *http.Request, s *Session) error {
	ru, err := c.storedRule(r, s)
	if err != nil {
		return err
	}
	f := readRuleForm(r)
	if priority, ok := f.priority(); ok {
		_, err = c.policy.UpdateRule(r.Context(), s.Tenant, ru.ActionCode, ru.ID, func(stored *model.Rule) { f.apply(stored, priority) })
		if err == nil {
			redirect(w, r, rulePagePath(ru.ActionCode, ru.ID), "rule-saved")
			return nil
		}
		if !errors.Is(err, model.ErrInvalid) {
			return err
		}
	}
	c.renderRule(w, r, s, http.StatusBadRequest, "Rule: "+ru.Name,
		ruleView{Code: ru.ActionCode, ID: ru.ID, Form: f, Problems: ruleProblems(f, err)})
	return nil
}

// DeleteRule removes a rule, as the Management API's DELETE does.
func (c *Console) DeleteRule(w http.ResponseWriter, r *http.Request, s *Session) error {
	ru, err := c.storedRule(r, s)
	if err != nil {
		return err
	}
	if err := c.policy.DeleteRule(r.Context(), s.Tenant.ID, ru.ActionCode, ru.ID); err != nil {
		return err
	}
	redirect(w, r, actionPagePath(ru.ActionCode), "rule-deleted")
	return nil
}

func (c *Console) renderRule(w http.ResponseWriter, r *http.Request, s *Session, status int, title string, v ruleView) {
	v.Outcomes = outcomeSelect(v.Form.Outcome)
	v.Methods = methodCheckboxes(policy.ChallengeMethodChoices(), v.Form.Methods)
	v.DefaultMethods = defaultMethodSelect(v.Form.DefaultMethod, "The action's default")
	v.Catalog = builderCatalog
	v.Prompt = promptSwitchSelect(v.Form.Prompt)
	// A missing configuration inherits, as the decision treats it.
	cfg, _ := c.policy.ActionConfig(r.Context(), s.Tenant.ID, v.Code)
	on, from := uplift.Effective(!s.Tenant.Passkey.DisableEnrollmentPrompt, policy.ActionSwitch(cfg), v.Form.Prompt)
	v.Effective = effectiveWords(on, from, uplift.LevelRule)
	view := View{Title: title, Section: "actions", Data: v}
	if len(v.Problems) > 0 {
		view.Error = notSavedText
		if msg, ok := v.Problems["form"]; ok {
			view.Error = notSavedText + " " + msg
		}
	}
	c.render(w, r, status, "rule", s, view)
}

// conditionCheck is the answer of CheckCondition.
type conditionCheck struct {
	Valid bool   `json:"valid"`
	Error string `json:"error,omitempty"`
}

// CheckCondition tells the condition builder whether a condition would
// be accepted, with the message saving it would give.
func (c *Console) CheckCondition(w http.ResponseWriter, r *http.Request, s *Session) error {
	var in struct {
		Conditions json.RawMessage `json:"conditions" text:"free"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	ru := goodRule()
	ru.Conditions = in.Conditions
	if err := policy.CheckRule(ru); err != nil {
		if !errors.Is(err, model.ErrInvalid) {
			return err
		}
		return jsonapi.Write(w, http.StatusOK, conditionCheck{Error: refusal(err)})
	}
	return jsonapi.Write(w, http.StatusOK, conditionCheck{Valid: true})
}
