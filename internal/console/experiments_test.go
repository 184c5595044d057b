package console_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/model"
)

// startExperiment starts a two-variant experiment through the console's
// form and returns its page's path.
func startExperiment(t *testing.T, h *harness, session string) string {
	t.Helper()
	p := h.post("/console/experiments", session, url.Values{"name": {"Heading test"},
		"heading0": {"Create a passkey"}, "explanation0": {"Sign in with your face."}, "weight0": {"1"},
		"heading1": {"Skip the code"}, "explanation1": {"One touch next time."}, "weight1": {"3"}})
	loc := p.header.Get("Location")
	if p.status != 303 || !strings.HasPrefix(loc, "/console/experiments/") {
		t.Fatalf("start experiment: %d %q %.400s", p.status, loc, p.body)
	}
	return strings.SplitN(loc, "?", 2)[0]
}

// figuresOnPage reads the results table: for each variant's label, its
// plain cells in order (weight, shown, accepted, rate, range, prompts
// shown, reached the app, guardrail, range).
func figuresOnPage(t *testing.T, body string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	cell := regexp.MustCompile(`<td(?: data-label="[^"]*")?>([^<]*)</td>`)
	for _, row := range strings.Split(body, `<th scope="row">`)[1:] {
		label := row[:1]
		row = row[:strings.Index(row, "</tr>")]
		for _, m := range cell.FindAllStringSubmatch(row, -1) {
			out[label] = append(out[label], m[1])
		}
	}
	return out
}

func TestExperimentPageCountsMatchTheDatabase(t *testing.T) {
	h := newHarness(t)
	session := h.admin()
	path := startExperiment(t, h, session)
	ctx := context.Background()
	exps, err := h.env.App.Experiments.List(ctx, h.tenant.ID)
	if err != nil || len(exps) != 1 {
		t.Fatalf("experiments: %v %v", exps, err)
	}
	exp := exps[0]

	// 90 users, each with one to three prompts in their assigned variant;
	// some accept, most reach the app after some prompts.
	users := map[string]string{}
	for i := range 90 {
		user := fmt.Sprintf("user-%02d", i)
		variant := exp.Assign(user).ID
		users[user] = variant
		if _, err := h.env.Store.CreateUserIfMissing(ctx, model.User{TenantID: h.tenant.ID, ID: user, CreatedAt: h.env.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
		record := func(ik string, k model.UpliftEventKind) {
			if err := h.env.Store.RecordUpliftEvent(ctx, model.UpliftEvent{ID: h.env.App.Experiments.NewID(), TenantID: h.tenant.ID,
				UserID: user, IdempotencyKey: ik, ActionCode: "signIn", Kind: k, Variant: variant, At: h.env.Clock.Now()}); err != nil {
				t.Fatal(err)
			}
		}
		for j := range 1 + i%3 {
			ik := fmt.Sprintf("%s-%d", user, j)
			record(ik, model.UpliftShown)
			record(ik, model.UpliftDismissed)
			if (i+j)%4 != 0 {
				record(ik, model.UpliftReturned)
			}
		}
		if i%5 == 0 {
			record(user+"-0", model.UpliftAccepted)
		}
	}

	// The database's events, counted one user at a time.
	type tally struct{ shown, accepted, prompts, returned int }
	want := map[string]*tally{}
	for _, v := range exp.Variants {
		want[v.Label] = &tally{}
	}
	label := map[string]string{}
	for _, v := range exp.Variants {
		label[v.ID] = v.Label
	}
	for user, variant := range users {
		evs, err := h.env.Store.UpliftEvents(ctx, h.tenant.ID, user, 100)
		if err != nil {
			t.Fatal(err)
		}
		c := want[label[variant]]
		var shown, accepted bool
		for _, ev := range evs {
			switch ev.Kind {
			case model.UpliftShown:
				shown = true
				c.prompts++
			case model.UpliftAccepted:
				accepted = true
			case model.UpliftReturned:
				c.returned++
			}
		}
		if shown {
			c.shown++
		}
		if accepted {
			c.accepted++
		}
	}

	p := h.get(path, session)
	if p.status != 200 {
		t.Fatalf("experiment page: %d", p.status)
	}
	figures := figuresOnPage(t, p.body)
	for l, w := range want {
		got := figures[l]
		if len(got) != 9 {
			t.Fatalf("variant %s: cells %q", l, got)
		}
		if got[1] != strconv.Itoa(w.shown) || got[2] != strconv.Itoa(w.accepted) ||
			got[5] != strconv.Itoa(w.prompts) || got[6] != strconv.Itoa(w.returned) {
			t.Errorf("variant %s on the page: shown %s, accepted %s, prompts %s, returned %s; the database has %+v",
				l, got[1], got[2], got[5], got[6], *w)
		}
		rate := strconv.FormatFloat(100*float64(w.accepted)/float64(w.shown), 'f', 1, 64) + " %"
		if got[3] != rate || !strings.Contains(got[4], " – ") {
			t.Errorf("variant %s: rate %q in %q; want %q", l, got[3], got[4], rate)
		}
	}
	if want["A"].shown+want["B"].shown != 90 {
		t.Errorf("the database holds %d users shown; want 90", want["A"].shown+want["B"].shown)
	}
	// The dashboard's funnel by variant names them by experiment and label.
	if d := h.get("/console/", session); !strings.Contains(d.body, "Heading test: A") || !strings.Contains(d.body, "Heading test: B") {
		t.Errorf("the dashboard's breakdown by variant does not name the experiment's variants")
	}
	if !strings.Contains(p.body, "No difference yet") || strings.Contains(p.body, "Promote variant") {
		t.Errorf("equal variants: want no difference and no Promote button")
	}
	// Promote without a winner is refused and the experiment runs on.
	if p := h.post(path+"/promote", session, nil); p.status != 409 || !strings.Contains(p.body, "Nothing was promoted") {
		t.Errorf("promote without a winner: %d", p.status)
	}
	if e, _ := h.env.App.Experiments.Get(ctx, h.tenant.ID, exp.ID); e.Status != model.ExperimentRunning {
		t.Errorf("after a refused promote the experiment is %s", e.Status)
	}
	if p := h.get("/console/experiments", session); !strings.Contains(p.body, "Heading test") || !strings.Contains(p.body, path) {
		t.Errorf("the list does not show the experiment")
	}
}

func TestExperimentPromoteAndStop(t *testing.T) {
	h := newHarness(t)
	session := h.admin()
	path := startExperiment(t, h, session)
	ctx := context.Background()
	exps, _ := h.env.App.Experiments.List(ctx, h.tenant.ID)
	exp := exps[0]

	// Another tenant's admin sees nothing of it and cannot promote it.
	other, _ := h.env.Tenant("Other")
	_, eve := h.enrol(other.ID, "Eve Admin")
	if p := h.get(path, eve); p.status != 404 || strings.Contains(p.body, "Skip the code") {
		t.Errorf("another tenant's admin opens the experiment: %d", p.status)
	}
	if p := h.get("/console/experiments", eve); strings.Contains(p.body, "Heading test") {
		t.Errorf("another tenant's admin lists the experiment")
	}

	// B: 50 of 60 users accept; A: 5 of 60. B wins.
	for _, v := range exp.Variants {
		accepted := 5
		if v.Label == "B" {
			accepted = 50
		}
		for i := range 60 {
			user := fmt.Sprintf("%s-%d", v.Label, i)
			if _, err := h.env.Store.CreateUserIfMissing(ctx, model.User{TenantID: h.tenant.ID, ID: user, CreatedAt: h.env.Clock.Now()}); err != nil {
				t.Fatal(err)
			}
			kinds := []model.UpliftEventKind{model.UpliftShown}
			if i < accepted {
				kinds = append(kinds, model.UpliftAccepted)
			}
			for _, k := range kinds {
				if err := h.env.Store.RecordUpliftEvent(ctx, model.UpliftEvent{ID: h.env.App.Experiments.NewID(), TenantID: h.tenant.ID,
					UserID: user, IdempotencyKey: "ik-" + user, Kind: k, Variant: v.ID, At: h.env.Clock.Now()}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	p := h.get(path, session)
	if !strings.Contains(p.body, "Variant B wins at 95 %") || !strings.Contains(p.body, "Promote variant B") {
		t.Fatalf("want B to win on the page")
	}
	if p := h.post(path+"/promote", eve, nil); p.status != 404 {
		t.Errorf("another tenant's admin promotes: %d", p.status)
	}
	if p := h.post(path+"/promote", session, url.Values{"csrf": {"forged"}}); p.status != 403 {
		t.Errorf("promote with a forged CSRF field: %d; want 403", p.status)
	}
	if e, _ := h.env.App.Experiments.Get(ctx, h.tenant.ID, exp.ID); e.Status != model.ExperimentRunning {
		t.Fatalf("a refused promote ended the experiment: %s", e.Status)
	}
	if p := h.post(path+"/promote", session, nil); p.status != 303 {
		t.Fatalf("promote: %d %.300s", p.status, p.body)
	}
	cp, variant, err := h.env.App.Prompt.PromptCopy(ctx, h.tenant.ID, "someone")
	if err != nil || variant != "" || cp.Heading != "Skip the code" {
		t.Errorf("after promote the prompt shows %+v of %q (%v)", cp, variant, err)
	}
	if p := h.get("/console/settings", session); !strings.Contains(p.body, `value="Skip the code"`) {
		t.Errorf("the settings page does not show the promoted heading")
	}

	// A second experiment, stopped: the prompt goes back to the copy.
	next := startExperiment(t, h, session)
	if p := h.post(next+"/stop", session, nil); p.status != 303 {
		t.Fatalf("stop: %d", p.status)
	}
	if p := h.post(next+"/stop", session, nil); p.status != 409 {
		t.Errorf("stop twice: %d; want 409", p.status)
	}
	if cp, _, _ := h.env.App.Prompt.PromptCopy(ctx, h.tenant.ID, "someone"); cp.Heading != "Skip the code" {
		t.Errorf("after stop the prompt shows %+v", cp)
	}
}

func TestExperimentFormRefusals(t *testing.T) {
	h := newHarness(t)
	session := h.admin()
	for _, tt := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"one variant", url.Values{"name": {"x"}, "heading0": {"A"}, "explanation0": {"a"}}, "heading1"},
		{"weight 0", url.Values{"name": {"x"}, "heading0": {"A"}, "explanation0": {"a"}, "heading1": {"B"},
			"explanation1": {"b"}, "weight1": {"0"}}, "weight1"},
		{"weight not a number", url.Values{"name": {"x"}, "heading0": {"A"}, "explanation0": {"a"}, "heading1": {"B"},
			"explanation1": {"b"}, "weight0": {"many"}}, "weight0"},
		{"overlong heading", url.Values{"name": {"x"}, "heading0": {strings.Repeat("h", 101)}, "explanation0": {"a"},
			"heading1": {"B"}, "explanation1": {"b"}}, "heading0"},
		{"no name", url.Values{"heading0": {"A"}, "explanation0": {"a"}, "heading1": {"B"}, "explanation1": {"b"}}, "name"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := h.post("/console/experiments", session, tt.form)
			if p.status != 400 || !strings.Contains(p.body, `id="`+tt.field+`-error"`) {
				t.Errorf("status %d; want 400 with an error at %s:\n%.2000s", p.status, tt.field, p.body)
			}
		})
	}
	if es, _ := h.env.App.Experiments.List(context.Background(), h.tenant.ID); len(es) != 0 {
		t.Errorf("a refused form started %d experiments", len(es))
	}
	// NUL in a field is refused before the handler.
	if p := h.post("/console/experiments", session, url.Values{"name": {"a\x00"}}); p.status != 400 {
		t.Errorf("NUL: %d", p.status)
	}
}

func TestSettingsPromptCopy(t *testing.T) {
	h := newHarness(t)
	session := h.admin()
	form := h.settingsForm()
	form.Set("promptHeading", "Faster sign-in")
	form.Set("promptExplanation", "Use your fingerprint next time.")
	if p := h.post("/console/settings", session, form); p.status != 303 {
		t.Fatalf("save: %d %.500s", p.status, p.body)
	}
	cp, variant, err := h.env.App.Prompt.PromptCopy(context.Background(), h.tenant.ID, "someone")
	if err != nil || variant != "" || cp.Heading != "Faster sign-in" || cp.Explanation != "Use your fingerprint next time." {
		t.Errorf("the prompt shows %+v (%v)", cp, err)
	}
	if p := h.get("/console/settings", session); !strings.Contains(p.body, `value="Faster sign-in"`) {
		t.Errorf("the settings page does not show the heading")
	}
	form.Set("promptHeading", strings.Repeat("h", 101))
	if p := h.post("/console/settings", session, form); p.status != 400 || fieldErrorOf(p.body, "promptHeading") == "" {
		t.Errorf("overlong heading: %d, error %q", p.status, fieldErrorOf(p.body, "promptHeading"))
	}
	form.Set("promptHeading", "")
	form.Set("promptExplanation", "")
	if p := h.post("/console/settings", session, form); p.status != 303 {
		t.Fatalf("save empty: %d", p.status)
	}
	if cp, _, _ := h.env.App.Prompt.PromptCopy(context.Background(), h.tenant.ID, "someone"); cp.Heading != model.DefaultPromptHeading {
		t.Errorf("emptied copy shows %+v; want the built-in text", cp)
	}
}
