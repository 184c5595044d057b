package policy

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/rules"
	"github.com/uplift-dev/uplift/internal/uplift"
)

// Outcome is what track decided for an action: the outcome, the rules
// that matched and the winner, whose settings replace the action's.
type Outcome struct {
	Outcome        model.Outcome
	RuleIDs        []string
	PriorityRuleID string
	// Winner is the winning rule; nil when none matched.
	Winner *model.Rule
}

// DecideOutcome evaluates the action's active rules against the track
// facts. Among the rules that match, the lowest priority number wins (the
// older rule on a tie) and supplies the outcome; with none, the action's
// default applies.
func (s *Service) DecideOutcome(ctx context.Context, q Queries, cfg model.ActionConfig, facts *rules.Facts) (Outcome, error) {
	set, err := s.ruleSet(ctx, q, cfg)
	if err != nil || len(set.prepared) == 0 {
		return Outcome{Outcome: cfg.DefaultOutcome}, err
	}
	facts.Lists = set.lists
	matched, winner := rules.Select(set.prepared, facts)
	if winner < 0 {
		return Outcome{Outcome: cfg.DefaultOutcome, RuleIDs: matched}, nil
	}
	w := set.stored[winner]
	return Outcome{Outcome: w.Outcome, RuleIDs: matched, PriorityRuleID: w.ID, Winner: &w}, nil
}

// ruleSet is an action's rules prepared for evaluation, with the value
// lists they use. It is read-only once built.
type ruleSet struct {
	stored   []model.Rule
	prepared []rules.Rule
	lists    map[string]rules.List
}

// ruleSet returns the action's prepared rules for its current rules
// version, building them once per version.
func (s *Service) ruleSet(ctx context.Context, q Queries, cfg model.ActionConfig) (*ruleSet, error) {
	key := cfg.TenantID + "/" + cfg.Code + "@" + strconv.FormatInt(cfg.RulesVersion, 10)
	if set := s.prepared.get(key); set != nil {
		return set, nil
	}
	stored, err := q.Rules(ctx, cfg.TenantID, cfg.Code)
	if err != nil {
		return nil, err
	}
	set := &ruleSet{stored: stored, prepared: make([]rules.Rule, len(stored))}
	var listNames []string
	for i, r := range stored {
		set.prepared[i] = rules.Rule{ID: r.ID, Priority: r.Priority, Active: r.IsActive}
		if !r.IsActive {
			continue
		}
		if set.prepared[i].Condition, err = rules.Compile(r.Conditions); err != nil {
			// Conditions are validated when saved; one that no longer
			// compiles (after an upgrade) never matches, and says so.
			s.log.WarnContext(ctx, "rule condition does not compile", "rule", r.ID, "err", err)
			continue
		}
		listNames = append(listNames, set.prepared[i].Condition.Lists()...)
	}
	if set.lists, err = loadLists(ctx, q, cfg.TenantID, listNames); err != nil {
		return nil, err
	}
	s.prepared.put(key, set)
	return set, nil
}

// loadLists loads and prepares the named value lists; inactive and
// missing lists are left out, so they match nothing.
func loadLists(ctx context.Context, q Queries, tenantID string, names []string) (map[string]rules.List, error) {
	out := make(map[string]rules.List, len(names))
	for _, name := range names {
		if _, done := out[name]; done {
			continue
		}
		l, err := q.ValueList(ctx, tenantID, name)
		if errors.Is(err, model.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if l.IsActive {
			out[name] = prepareList(l)
		}
	}
	return out, nil
}

// prepareList turns a stored value list into the form conditions use.
func prepareList(l model.ValueList) rules.List {
	switch l.ItemType {
	case model.ListCIDR:
		pl, _ := rules.NewCIDRList(l.Items) // items were validated when saved
		return pl
	case model.ListNumber:
		nums := make([]float64, 0, len(l.Items))
		for _, it := range l.Items {
			if n, err := strconv.ParseFloat(it, 64); err == nil {
				nums = append(nums, n)
			}
		}
		return rules.NewNumberList(nums)
	}
	return rules.NewStringList(l.Items)
}

// preparedCache keeps prepared rule sets by tenant, action and rules
// version, so conditions are compiled and lists loaded once per change
// however many actions they judge. Any instance rebuilds what it lacks
// from the database; a full cache starts over.
type preparedCache struct {
	mu   sync.Mutex
	sets map[string]*ruleSet
}

const preparedCacheSize = 10000

func (c *preparedCache) get(key string) *ruleSet {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sets[key]
}

func (c *preparedCache) put(key string, set *ruleSet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sets == nil || len(c.sets) >= preparedCacheSize {
		c.sets = map[string]*ruleSet{}
	}
	c.sets[key] = set
}

// PromptSwitches reads the three switches of the uplift prompt for a
// tracked action: the tenant-wide one (on unless the passkey configuration
// disables it), the action configuration's, and the winning rule's
// (inherit when no rule won or the rule has since been deleted). The
// action's and the rule's are off with disablePromptToEnroll, on with
// PASSKEY among promptToEnrollVerificationMethods, and inherit otherwise;
// uplift.Effective applies their precedence.
func (s *Service) PromptSwitches(ctx context.Context, t model.Tenant, a model.Action) (tenant bool, action, rule uplift.Switch, err error) {
	tenant = !t.Passkey.DisableEnrollmentPrompt
	cfg, err := s.store.ActionConfig(ctx, t.ID, a.Code)
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		return false, uplift.Inherit, uplift.Inherit, err
	}
	action = ActionSwitch(cfg)
	if a.PriorityRuleID != "" {
		r, err := s.store.Rule(ctx, t.ID, a.Code, a.PriorityRuleID)
		if err != nil && !errors.Is(err, model.ErrNotFound) {
			return false, uplift.Inherit, uplift.Inherit, err
		}
		rule = RuleSwitch(r)
	}
	return tenant, action, rule, nil
}

// ActionSwitch is an action configuration's switch of the uplift prompt.
func ActionSwitch(c model.ActionConfig) uplift.Switch {
	return uplift.SwitchFrom(c.DisablePromptToEnroll, promptsPasskey(c.PromptToEnrollMethods))
}

// RuleSwitch is a rule's switch of the uplift prompt, used when it wins.
func RuleSwitch(r model.Rule) uplift.Switch {
	return uplift.SwitchFrom(r.DisablePromptToEnroll, promptsPasskey(r.PromptToEnrollMethods))
}

func promptsPasskey(methods []model.VerificationMethod) bool {
	for _, m := range methods {
		if m == model.MethodPasskey {
			return true
		}
	}
	return false
}
