package managementapi

import (
	"net/http"

	"github.com/uplift-dev/uplift/internal/experiments"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/stats"
)

// Experiments serves the experiments on the uplift prompt's copy at
// /v1/management/experiments.
type Experiments struct {
	svc *experiments.Service
}

// NewExperiments returns the experiments endpoints over svc.
func NewExperiments(svc *experiments.Service) *Experiments { return &Experiments{svc: svc} }

// methods names the sequential methods behind the intervals and the
// verdict, for callers that report them.
const methods = "confidence sequences: beta-binomial mixture for each rate (Robbins 1970; Howard et al. 2021), " +
	"mSPRT for differences (Johari et al. 2022), Bonferroni across pairs"

type variantJSON struct {
	VariantID   string `json:"variantId"`
	Label       string `json:"label"`
	Heading     string `json:"heading"`
	Explanation string `json:"explanation"`
	Weight      int    `json:"weight"`
}

type experimentJSON struct {
	ExperimentID    string        `json:"experimentId"`
	Name            string        `json:"name"`
	Status          string        `json:"status"`
	WinnerVariantID string        `json:"winnerVariantId,omitempty"`
	Variants        []variantJSON `json:"variants"`
	CreatedAt       string        `json:"createdAt"`
	EndedAt         string        `json:"endedAt,omitempty"`
}

type intervalJSON struct {
	Lower float64 `json:"lower"`
	Upper float64 `json:"upper"`
}

func toIntervalJSON(i stats.Interval) intervalJSON { return intervalJSON{Lower: i.Lo, Upper: i.Hi} }

// variantResultJSON is a variant with its figures: users shown its prompt
// and who accepted it, the acceptance rate with its 95 % confidence
// sequence, and the guardrail (prompts after which the user reached the
// app, of prompts shown) with its own.
type variantResultJSON struct {
	variantJSON
	Shown              int          `json:"shown"`
	Accepted           int          `json:"accepted"`
	AcceptanceRate     float64      `json:"acceptanceRate"`
	AcceptanceInterval intervalJSON `json:"acceptanceInterval"`
	PromptsShown       int          `json:"promptsShown"`
	PromptsReturned    int          `json:"promptsReturned"`
	GuardrailRate      float64      `json:"guardrailRate"`
	GuardrailInterval  intervalJSON `json:"guardrailInterval"`
}

type verdictJSON struct {
	Summary         string  `json:"summary"`
	WinnerVariantID string  `json:"winnerVariantId,omitempty"`
	ConfidenceLevel float64 `json:"confidenceLevel"`
	Method          string  `json:"method"`
}

type experimentResultsJSON struct {
	experimentJSON
	Variants []variantResultJSON `json:"variants"`
	Verdict  verdictJSON         `json:"verdict"`
}

func toVariantJSON(v model.Variant) variantJSON {
	return variantJSON{VariantID: v.ID, Label: v.Label, Heading: v.Heading, Explanation: v.Explanation, Weight: v.Weight}
}

func toExperimentJSON(e model.Experiment) experimentJSON {
	out := experimentJSON{ExperimentID: e.ID, Name: e.Name, Status: string(e.Status), WinnerVariantID: e.WinnerVariantID,
		CreatedAt: jsonapi.Time(e.CreatedAt), EndedAt: jsonapi.Time(e.EndedAt), Variants: []variantJSON{}}
	for _, v := range e.Variants {
		out.Variants = append(out.Variants, toVariantJSON(v))
	}
	return out
}

func (h *Experiments) withResults(r *http.Request, e model.Experiment) (experimentResultsJSON, error) {
	res, err := h.svc.Results(r.Context(), e)
	if err != nil {
		return experimentResultsJSON{}, err
	}
	out := experimentResultsJSON{experimentJSON: toExperimentJSON(e), Variants: []variantResultJSON{},
		Verdict: verdictJSON{Summary: res.Verdict(), WinnerVariantID: res.WinnerID(),
			ConfidenceLevel: 1 - experiments.Alpha, Method: methods}}
	for _, v := range res.Variants {
		out.Variants = append(out.Variants, variantResultJSON{variantJSON: toVariantJSON(v.Variant),
			Shown: v.UsersShown, Accepted: v.UsersAccepted,
			AcceptanceRate: v.Acceptance, AcceptanceInterval: toIntervalJSON(v.AcceptanceCS),
			PromptsShown: v.PromptsShown, PromptsReturned: v.PromptsReturned,
			GuardrailRate: v.Guardrail, GuardrailInterval: toIntervalJSON(v.GuardrailCS)})
	}
	return out, nil
}

// List answers GET /v1/management/experiments: the tenant's experiments,
// newest first, without figures.
func (h *Experiments) List(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	es, err := h.svc.List(r.Context(), t.ID)
	if err != nil {
		return err
	}
	out := []experimentJSON{}
	for _, e := range es {
		out = append(out, toExperimentJSON(e))
	}
	return jsonapi.Write(w, http.StatusOK, out)
}

// experimentInput is the body of POST /v1/management/experiments. A
// variant's weight left out is 1.
type experimentInput struct {
	Name     string `json:"name" text:"100"`
	Variants []struct {
		Heading     string `json:"heading" text:"100"`
		Explanation string `json:"explanation" text:"300"`
		Weight      *int   `json:"weight"`
	} `json:"variants"`
}

// Create answers POST /v1/management/experiments: the experiment starts
// at once; a tenant with one running gets 409.
func (h *Experiments) Create(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	var in experimentInput
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	c := experiments.CreateInput{Name: in.Name}
	for _, v := range in.Variants {
		weight := 1
		if v.Weight != nil {
			weight = *v.Weight
		}
		c.Variants = append(c.Variants, experiments.VariantInput{Heading: v.Heading, Explanation: v.Explanation, Weight: weight})
	}
	e, err := h.svc.Create(r.Context(), t.ID, c)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusCreated, toExperimentJSON(e))
}

func (h *Experiments) experiment(r *http.Request, t model.Tenant) (model.Experiment, error) {
	return h.svc.Get(r.Context(), t.ID, r.PathValue("experimentId"))
}

// Get answers GET /v1/management/experiments/{experimentId}: the
// experiment with each variant's figures and the verdict.
func (h *Experiments) Get(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	e, err := h.experiment(r, t)
	if err != nil {
		return err
	}
	out, err := h.withResults(r, e)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, out)
}

// Stop answers POST /v1/management/experiments/{experimentId}/stop: the
// experiment ends without a winner and the prompt shows the tenant's
// copy again; an ended experiment is a conflict.
func (h *Experiments) Stop(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	e, err := h.svc.Stop(r.Context(), t.ID, r.PathValue("experimentId"))
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, toExperimentJSON(e))
}

// Promote answers POST /v1/management/experiments/{experimentId}/promote:
// the experiment ends and its winner's copy becomes the tenant's prompt
// copy; without a winner at 95 % yet it is a conflict (409 no_winner).
func (h *Experiments) Promote(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	e, err := h.svc.Promote(r.Context(), t.ID, r.PathValue("experimentId"))
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, toExperimentJSON(e))
}
