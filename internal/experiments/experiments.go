// Package experiments runs experiments on the uplift prompt's copy: two
// to four variants of its heading and explanation, each user assigned one
// for good by a hash of the experiment and the user (model.Experiment's
// Assign), every decision and outcome recorded with its variant, and the
// variants' acceptance compared with the confidence sequences of package
// stats. Promoting the winner ends the experiment and makes its copy the
// tenant's prompt copy.
package experiments

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/uplift-dev/uplift/internal/ids"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/stats"
)

// Limits of an experiment's fields.
const (
	MinVariants    = 2
	MaxVariants    = 4
	MaxWeight      = 1000
	MaxName        = 100
	MaxHeading     = 100
	MaxExplanation = 300
	// Alpha is the error level of every interval and verdict: 95 %.
	Alpha = 0.05
)

// Service creates, ends and reports experiments, and tells the prompt
// which copy a user sees.
type Service struct {
	ids.Source
	store Store
	ttl   time.Duration

	mu    sync.Mutex
	cache map[string]setup
}

// setup is a tenant's prompt copy and running experiment as read at readAt.
type setup struct {
	copy    model.PromptCopy
	running *model.Experiment
	readAt  time.Time
}

// New returns the service over st. A tenant's prompt copy and running
// experiment are used as read for ttl, the tenant cache's time (0 means
// nothing is cached), so every instance honours a change within it as
// it does the tenant's other settings.
func New(st Store, src ids.Source, ttl time.Duration) *Service {
	return &Service{Source: src, store: st, ttl: ttl, cache: map[string]setup{}}
}

// VariantInput is one variant as created.
type VariantInput struct {
	Heading     string
	Explanation string
	Weight      int
}

// CreateInput is a new experiment.
type CreateInput struct {
	Name     string
	Variants []VariantInput
}

func textProblem(field, s string, limit int) error {
	if s == "" {
		return model.Invalid("%s is required", field)
	}
	if p := (model.TextRule{Max: limit}).Problem(s); p != "" {
		return model.Invalid("%s %s", field, p)
	}
	return nil
}

// Check reports what is wrong with in, naming the field.
func (in CreateInput) Check() error {
	if err := textProblem("name", in.Name, MaxName); err != nil {
		return err
	}
	if len(in.Variants) < MinVariants || len(in.Variants) > MaxVariants {
		return model.Invalid("variants must hold %d to %d variants", MinVariants, MaxVariants)
	}
	for i, v := range in.Variants {
		f := "variants[" + strconv.Itoa(i) + "]."
		if err := textProblem(f+"heading", v.Heading, MaxHeading); err != nil {
			return err
		}
		if err := textProblem(f+"explanation", v.Explanation, MaxExplanation); err != nil {
			return err
		}
		if v.Weight < 1 || v.Weight > MaxWeight {
			return model.Invalid("%sweight must be a whole number from 1 to %d", f, MaxWeight)
		}
	}
	return nil
}

// Create starts an experiment; a tenant with one running gets a conflict.
func (s *Service) Create(ctx context.Context, tenantID string, in CreateInput) (model.Experiment, error) {
	if err := in.Check(); err != nil {
		return model.Experiment{}, err
	}
	e := model.Experiment{ID: s.NewID(), TenantID: tenantID, Name: in.Name, Status: model.ExperimentRunning,
		CreatedAt: s.Now()}
	for i, v := range in.Variants {
		e.Variants = append(e.Variants, model.Variant{ID: s.NewID(), Label: string(rune('A' + i)),
			PromptCopy: model.PromptCopy{Heading: v.Heading, Explanation: v.Explanation}, Weight: v.Weight})
	}
	err := s.store.InTx(ctx, func(q Queries) error { return q.CreateExperiment(ctx, e) })
	if err != nil {
		return model.Experiment{}, err
	}
	s.forget(tenantID)
	return e, nil
}

// List lists the tenant's experiments, newest first.
func (s *Service) List(ctx context.Context, tenantID string) ([]model.Experiment, error) {
	return s.store.Experiments(ctx, tenantID)
}

// Get returns one of the tenant's experiments.
func (s *Service) Get(ctx context.Context, tenantID, id string) (model.Experiment, error) {
	return s.store.Experiment(ctx, tenantID, id)
}

// Stop ends a running experiment without a winner: the prompt goes back
// to the tenant's copy.
func (s *Service) Stop(ctx context.Context, tenantID, id string) (model.Experiment, error) {
	if err := s.store.EndExperiment(ctx, tenantID, id, model.ExperimentStopped, "", s.Now()); err != nil {
		return model.Experiment{}, err
	}
	s.forget(tenantID)
	return s.store.Experiment(ctx, tenantID, id)
}

// Promote ends a running experiment whose results name a winner and makes
// the winner's copy the tenant's prompt copy, in one transaction. Without
// a winner yet it is a conflict.
func (s *Service) Promote(ctx context.Context, tenantID, id string) (model.Experiment, error) {
	e, err := s.store.Experiment(ctx, tenantID, id)
	if err != nil {
		return e, err
	}
	if e.Status != model.ExperimentRunning {
		return e, model.Errorf(model.ErrConflict, "experiment_ended", "the experiment has ended already")
	}
	res, err := s.Results(ctx, e)
	if err != nil {
		return e, err
	}
	if res.Winner < 0 {
		return e, model.Errorf(model.ErrConflict, "no_winner", "no variant wins at 95 %% yet")
	}
	w := e.Variants[res.Winner]
	err = s.store.InTx(ctx, func(q Queries) error {
		if err := q.EndExperiment(ctx, tenantID, id, model.ExperimentPromoted, w.ID, s.Now()); err != nil {
			return err
		}
		return q.SetPromptCopy(ctx, tenantID, w.PromptCopy)
	})
	if err != nil {
		return e, err
	}
	s.forget(tenantID)
	return s.store.Experiment(ctx, tenantID, id)
}

// VariantResult is one variant's figures.
type VariantResult struct {
	model.Variant
	model.VariantCounts
	// Acceptance is UsersAccepted of UsersShown, with its confidence
	// sequence at 95 %.
	Acceptance   float64
	AcceptanceCS stats.Interval
	// Guardrail is the share of prompts after which the user reached the
	// app (PromptsReturned of PromptsShown), with its confidence sequence.
	Guardrail   float64
	GuardrailCS stats.Interval
}

// Results are an experiment's figures and verdict.
type Results struct {
	Variants []VariantResult
	// Winner is the index of the variant whose acceptance is higher than
	// every other's at 95 %, or -1: no difference yet.
	Winner int
}

// Results counts the experiment's events by variant and compares the
// variants' acceptance. The unit is the user, as users are what is
// assigned: a variant's acceptance is the share of the users shown its
// prompt who created a passkey from it.
func (s *Service) Results(ctx context.Context, e model.Experiment) (Results, error) {
	counts, err := s.store.ExperimentCounts(ctx, e.TenantID, e.ID)
	if err != nil {
		return Results{}, err
	}
	byID := map[string]model.VariantCounts{}
	for _, c := range counts {
		byID[c.VariantID] = c
	}
	arms := make([]stats.Counts, len(e.Variants))
	r := Results{Variants: make([]VariantResult, len(e.Variants))}
	for i, v := range e.Variants {
		c := byID[v.ID]
		c.VariantID = v.ID
		arms[i] = stats.Counts{N: c.UsersShown, X: min(c.UsersAccepted, c.UsersShown)}
		g := stats.Counts{N: c.PromptsShown, X: min(c.PromptsReturned, c.PromptsShown)}
		r.Variants[i] = VariantResult{Variant: v, VariantCounts: c,
			Guardrail: g.Rate(), GuardrailCS: stats.RateCS(g, Alpha)}
	}
	verdict := stats.Compare(arms, Alpha)
	for i, a := range verdict.Arms {
		r.Variants[i].Acceptance, r.Variants[i].AcceptanceCS = a.Rate, a.CS
	}
	r.Winner = verdict.Winner
	return r, nil
}

// setupOf returns the tenant's prompt copy and running experiment, from
// the cache while fresh.
func (s *Service) setupOf(ctx context.Context, tenantID string) (setup, error) {
	now := s.Now()
	s.mu.Lock()
	c, ok := s.cache[tenantID]
	s.mu.Unlock()
	if ok && now.Sub(c.readAt) >= 0 && now.Sub(c.readAt) < s.ttl {
		return c, nil
	}
	cp, err := s.store.PromptCopy(ctx, tenantID)
	if err != nil {
		return setup{}, err
	}
	c = setup{copy: cp, readAt: now}
	e, running, err := s.store.RunningExperiment(ctx, tenantID)
	if err != nil {
		return setup{}, err
	}
	if running {
		c.running = &e
	}
	if s.ttl > 0 {
		s.mu.Lock()
		s.cache[tenantID] = c
		s.mu.Unlock()
	}
	return c, nil
}

func (s *Service) forget(tenantID string) {
	s.mu.Lock()
	delete(s.cache, tenantID)
	s.mu.Unlock()
}

// PromptFor returns the copy the user's prompt shows and the variant it
// comes from ("" when no experiment runs): the assigned variant's while
// an experiment runs, else the tenant's copy, else the built-in text.
func (s *Service) PromptFor(ctx context.Context, tenantID, userID string) (model.PromptCopy, string, error) {
	c, err := s.setupOf(ctx, tenantID)
	if err != nil {
		return model.PromptCopy{}, "", err
	}
	if c.running != nil {
		v := c.running.Assign(userID)
		return v.PromptCopy, v.ID, nil
	}
	cp := c.copy
	if cp.Heading == "" {
		cp.Heading = model.DefaultPromptHeading
	}
	if cp.Explanation == "" {
		cp.Explanation = model.DefaultPromptExplanation
	}
	return cp, "", nil
}

// VariantOf returns the id of the user's variant in the tenant's running
// experiment, "" when none runs.
func (s *Service) VariantOf(ctx context.Context, tenantID, userID string) (string, error) {
	_, v, err := s.PromptFor(ctx, tenantID, userID)
	return v, err
}

// RecordReturn records that the user reached the app after the action,
// when the prompt was shown in it: once per action, with the variant it
// was shown with. This is the guardrail's numerator.
func (s *Service) RecordReturn(ctx context.Context, t model.Tenant, a model.Action, deviceID string) error {
	shown, variant, returned, err := s.store.UpliftShownIn(ctx, t.ID, a.UserID, a.IdempotencyKey)
	if err != nil || !shown || returned {
		return err
	}
	err = s.store.RecordUpliftEvent(ctx, model.UpliftEvent{ID: s.NewID(), TenantID: t.ID, UserID: a.UserID,
		DeviceID: deviceID, IdempotencyKey: a.IdempotencyKey, ActionCode: a.Code, Kind: model.UpliftReturned,
		Variant: variant, At: s.Now()})
	if err != nil {
		return fmt.Errorf("record return: %w", err)
	}
	return nil
}

// TenantCopy returns the tenant's own prompt copy as stored: empty fields
// show the built-in text.
func (s *Service) TenantCopy(ctx context.Context, tenantID string) (model.PromptCopy, error) {
	return s.store.PromptCopy(ctx, tenantID)
}

// CheckCopy reports what is wrong with a tenant's prompt copy, naming the
// field by the Management API's name. Empty fields are allowed: they show
// the built-in text.
func CheckCopy(c model.PromptCopy) error {
	if p := (model.TextRule{Max: MaxHeading}).Problem(c.Heading); c.Heading != "" && p != "" {
		return model.Invalid("enrollmentPromptHeading %s", p)
	}
	if p := (model.TextRule{Max: MaxExplanation}).Problem(c.Explanation); c.Explanation != "" && p != "" {
		return model.Invalid("enrollmentPromptExplanation %s", p)
	}
	return nil
}

// SetTenantCopy sets the tenant's prompt copy after CheckCopy. It shows
// whenever no experiment runs.
func (s *Service) SetTenantCopy(ctx context.Context, tenantID string, c model.PromptCopy) error {
	if err := CheckCopy(c); err != nil {
		return err
	}
	if err := s.store.SetPromptCopy(ctx, tenantID, c); err != nil {
		return err
	}
	s.forget(tenantID)
	return nil
}

// NoDifferenceYet is the verdict while no variant wins.
const NoDifferenceYet = "No difference yet"

// Verdict says the results in words: NoDifferenceYet, or which variant
// wins at 95 % ("Variant B wins at 95 %").
func (r Results) Verdict() string {
	if r.Winner < 0 || r.Winner >= len(r.Variants) {
		return NoDifferenceYet
	}
	return "Variant " + r.Variants[r.Winner].Label + " wins at 95 %"
}

// WinnerID is the winning variant's id, "" while no variant wins.
func (r Results) WinnerID() string {
	if r.Winner < 0 || r.Winner >= len(r.Variants) {
		return ""
	}
	return r.Variants[r.Winner].ID
}
