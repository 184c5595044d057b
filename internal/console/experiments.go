package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/admin"
	"github.com/uplift-dev/uplift/internal/experiments"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/stats"
)

// experimentsPath is the Experiments page.
const experimentsPath = admin.ConsolePath + "/experiments"

// experimentRow is one experiment in the list.
type experimentRow struct {
	Name, Status, URL string
	Variants          int
	Created, Ended    time.Time
}

// variantField is one variant's part of the create form.
type variantField struct {
	Index                        int
	Label                        string
	Heading, Explanation, Weight string
	Required                     bool
}

// experimentForm is the create form as submitted.
type experimentForm struct {
	Name     string
	Variants []variantField
}

// experimentsView is what experiments.html shows.
type experimentsView struct {
	Experiments []experimentRow
	Running     bool
	Form        experimentForm
	Problems    fieldErrors
}

// variantFigures is one variant's row of the results table.
type variantFigures struct {
	Label, Heading, Explanation string
	Weight                      int
	Shown, Accepted             int
	Rate, Interval              string
	PromptsShown, Returned      int
	Guardrail, GuardrailCS      string
	Winner                      bool
}

// experimentView is what experiment.html shows.
type experimentView struct {
	Name, Status        string
	Running             bool
	Created, Ended      time.Time
	Verdict             string
	HasWinner           bool
	WinnerLabel         string
	Variants            []variantFigures
	StopURL, PromoteURL string
}

func emptyExperimentForm() experimentForm {
	f := experimentForm{}
	for i := range experiments.MaxVariants {
		f.Variants = append(f.Variants, variantField{Index: i, Label: string(rune('A' + i)), Weight: "1",
			Required: i < experiments.MinVariants})
	}
	return f
}

// readExperimentForm reads the create form: variants whose heading and
// explanation are both blank are left out.
func readExperimentForm(r *http.Request) (experimentForm, experiments.CreateInput, fieldErrors) {
	f := experimentForm{Name: r.PostFormValue("name")}
	in := experiments.CreateInput{Name: f.Name}
	p := fieldErrors{}
	for i := range experiments.MaxVariants {
		n := strconv.Itoa(i)
		v := variantField{Index: i, Label: string(rune('A' + i)), Heading: r.PostFormValue("heading" + n),
			Explanation: r.PostFormValue("explanation" + n), Weight: strings.TrimSpace(r.PostFormValue("weight" + n)),
			Required: i < experiments.MinVariants}
		f.Variants = append(f.Variants, v)
		if v.Heading == "" && v.Explanation == "" && i >= experiments.MinVariants {
			continue
		}
		w, err := strconv.Atoi(v.Weight)
		if v.Weight == "" {
			w, err = 1, nil
		}
		if err != nil {
			p["weight"+n] = "Enter a whole number from 1 to " + strconv.Itoa(experiments.MaxWeight) + "."
		}
		in.Variants = append(in.Variants, experiments.VariantInput{Heading: v.Heading, Explanation: v.Explanation, Weight: w})
	}
	return f, in, p
}

// placeExperimentRefusal puts the message of a refused experiment next to
// the form field it names ("variants[1].heading ..." is heading1).
func placeExperimentRefusal(err error, p fieldErrors) {
	msg := refusal(err)
	field := "form"
	if rest, ok := strings.CutPrefix(msg, "variants["); ok {
		if i := strings.Index(rest, "]."); i > 0 {
			if name, _, ok := strings.Cut(rest[i+2:], " "); ok {
				field = name + rest[:i]
			}
		}
	} else if strings.HasPrefix(msg, "name ") {
		field = "name"
	}
	p[field] = msg
}

// Experiments lists the tenant's experiments on the prompt's copy, with
// the form that starts one.
func (c *Console) Experiments(w http.ResponseWriter, r *http.Request, s *Session) error {
	return c.renderExperiments(w, r, s, http.StatusOK, emptyExperimentForm(), nil)
}

// CreateExperiment starts an experiment through the same checks as the
// Management API's.
func (c *Console) CreateExperiment(w http.ResponseWriter, r *http.Request, s *Session) error {
	f, in, p := readExperimentForm(r)
	if len(p) == 0 {
		e, err := c.experiments.Create(r.Context(), s.Tenant.ID, in)
		if err == nil {
			c.log.InfoContext(r.Context(), "console: experiment started", "tenant", s.Tenant.ID, "experiment", e.ID, "admin", s.Admin.ID)
			redirect(w, r, experimentsPath+"/"+url.PathEscape(e.ID), "experiment-created")
			return nil
		}
		if !errors.Is(err, model.ErrInvalid) && !errors.Is(err, model.ErrConflict) {
			return err
		}
		placeExperimentRefusal(err, p)
	}
	return c.renderExperiments(w, r, s, http.StatusBadRequest, f, p)
}

func (c *Console) renderExperiments(w http.ResponseWriter, r *http.Request, s *Session, status int, f experimentForm, p fieldErrors) error {
	es, err := c.experiments.List(r.Context(), s.Tenant.ID)
	if err != nil {
		return err
	}
	v := experimentsView{Form: f, Problems: p}
	for _, e := range es {
		v.Running = v.Running || e.Status == model.ExperimentRunning
		v.Experiments = append(v.Experiments, experimentRow{Name: e.Name, Status: statusText(e.Status),
			URL: experimentsPath + "/" + url.PathEscape(e.ID), Variants: len(e.Variants), Created: e.CreatedAt, Ended: e.EndedAt})
	}
	view := View{Title: "Experiments", Section: "experiments", Data: v}
	if len(p) > 0 {
		view.Error = "The experiment was not started. Fix the fields marked below and try again."
		if msg, ok := p["form"]; ok {
			view.Error = "The experiment was not started. " + msg
		}
	}
	c.render(w, r, status, "experiments", s, view)
	return nil
}

func statusText(st model.ExperimentStatus) string {
	switch st {
	case model.ExperimentRunning:
		return "Running"
	case model.ExperimentStopped:
		return "Stopped"
	case model.ExperimentPromoted:
		return "Promoted"
	}
	return string(st)
}

// ratePercent writes a rate as a percentage with one decimal.
func ratePercent(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) + " %" }

// interval writes a confidence sequence as a range of percentages.
func interval(i stats.Interval) string {
	return fmt.Sprintf("%s – %s", strconv.FormatFloat(100*i.Lo, 'f', 1, 64), ratePercent(i.Hi))
}

// Experiment shows one experiment: each variant's figures with their
// 95 % confidence sequences, the verdict, and Stop and Promote while it
// runs.
func (c *Console) Experiment(w http.ResponseWriter, r *http.Request, s *Session) error {
	return c.renderExperiment(w, r, s, http.StatusOK, "")
}

func (c *Console) renderExperiment(w http.ResponseWriter, r *http.Request, s *Session, status int, problem string) error {
	e, err := c.experiments.Get(r.Context(), s.Tenant.ID, r.PathValue("experimentId"))
	if err != nil {
		return err
	}
	res, err := c.experiments.Results(r.Context(), e)
	if err != nil {
		return err
	}
	base := experimentsPath + "/" + url.PathEscape(e.ID)
	v := experimentView{Name: e.Name, Status: statusText(e.Status), Running: e.Status == model.ExperimentRunning,
		Created: e.CreatedAt, Ended: e.EndedAt, Verdict: res.Verdict(), HasWinner: res.Winner >= 0,
		StopURL: base + "/stop", PromoteURL: base + "/promote"}
	for i, vr := range res.Variants {
		v.Variants = append(v.Variants, variantFigures{Label: vr.Label, Heading: vr.Heading, Explanation: vr.Explanation,
			Weight: vr.Weight, Shown: vr.UsersShown, Accepted: vr.UsersAccepted,
			Rate: ratePercent(vr.Acceptance), Interval: interval(vr.AcceptanceCS),
			PromptsShown: vr.PromptsShown, Returned: vr.PromptsReturned,
			Guardrail: ratePercent(vr.Guardrail), GuardrailCS: interval(vr.GuardrailCS),
			Winner: i == res.Winner || (e.WinnerVariantID != "" && vr.ID == e.WinnerVariantID)})
		if i == res.Winner {
			v.WinnerLabel = vr.Label
		}
	}
	c.render(w, r, status, "experiment", s, View{Title: "Experiment: " + e.Name, Section: "experiments", Error: problem, Data: v})
	return nil
}

// StopExperiment ends a running experiment without a winner.
func (c *Console) StopExperiment(w http.ResponseWriter, r *http.Request, s *Session) error {
	id := r.PathValue("experimentId")
	_, err := c.experiments.Stop(r.Context(), s.Tenant.ID, id)
	if errors.Is(err, model.ErrConflict) {
		return c.renderExperiment(w, r, s, http.StatusConflict, refusal(err))
	}
	if err != nil {
		return err
	}
	c.log.InfoContext(r.Context(), "console: experiment stopped", "tenant", s.Tenant.ID, "experiment", id, "admin", s.Admin.ID)
	redirect(w, r, experimentsPath+"/"+url.PathEscape(id), "experiment-stopped")
	return nil
}

// PromoteExperiment ends a running experiment whose winner is known at
// 95 % and makes the winner's copy the prompt's; without a winner it
// shows the page again with the refusal.
func (c *Console) PromoteExperiment(w http.ResponseWriter, r *http.Request, s *Session) error {
	id := r.PathValue("experimentId")
	_, err := c.experiments.Promote(r.Context(), s.Tenant.ID, id)
	if errors.Is(err, model.ErrConflict) {
		return c.renderExperiment(w, r, s, http.StatusConflict, "Nothing was promoted: "+refusal(err)+".")
	}
	if err != nil {
		return err
	}
	c.log.InfoContext(r.Context(), "console: experiment promoted", "tenant", s.Tenant.ID, "experiment", id, "admin", s.Admin.ID)
	redirect(w, r, experimentsPath+"/"+url.PathEscape(id), "experiment-promoted")
	return nil
}
