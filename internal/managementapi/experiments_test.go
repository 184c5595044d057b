package managementapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/model"
)

// recordVariantEvents stores, for n users of the variant, a shown prompt
// each, and an accepted one for the first accepted of them, as the hosted
// prompt records them.
func recordVariantEvents(t *testing.T, e *apitest.Env, tenantID, variantID string, n, accepted int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		user := fmt.Sprintf("%s-user-%d", variantID[:8], i)
		if _, err := e.Store.CreateUserIfMissing(ctx, model.User{TenantID: tenantID, ID: user, CreatedAt: e.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
		kinds := []model.UpliftEventKind{model.UpliftShown}
		if i < accepted {
			kinds = append(kinds, model.UpliftAccepted)
		}
		for _, k := range kinds {
			if err := e.Store.RecordUpliftEvent(ctx, model.UpliftEvent{ID: e.App.Experiments.NewID(), TenantID: tenantID,
				UserID: user, IdempotencyKey: "ik-" + user, ActionCode: "signIn", Kind: k, Variant: variantID,
				At: e.Clock.Now()}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func twoVariants() map[string]any {
	return map[string]any{"name": "Heading test", "variants": []any{
		map[string]any{"heading": "Create a passkey", "explanation": "Sign in with your face.", "weight": 1},
		map[string]any{"heading": "Skip the code", "explanation": "One touch next time."},
	}}
}

func TestExperiments(t *testing.T) {
	e := apitest.New(t)
	tenant, key := e.Tenant("Shop")
	_, otherKey := e.Tenant("Other")

	created := e.Do(key, "POST", base+"/experiments", twoVariants())
	if created.Status != http.StatusCreated || created.Str("status") != "running" {
		t.Fatalf("create: %d %s", created.Status, created.Body)
	}
	id := created.Str("experimentId")
	vs := created.JSON["variants"].([]any)
	if len(vs) != 2 || vs[1].(map[string]any)["label"] != "B" || vs[1].(map[string]any)["weight"] != float64(1) {
		t.Fatalf("variants: %s", created.Body)
	}
	a, b := vs[0].(map[string]any)["variantId"].(string), vs[1].(map[string]any)["variantId"].(string)
	if again := e.Do(key, "POST", base+"/experiments", twoVariants()); again.Status != http.StatusConflict {
		t.Errorf("a second running experiment: %d %s; want 409", again.Status, again.Body)
	}
	list := e.Do(key, "GET", base+"/experiments", nil).MustOK(t)
	if len(list.List) != 1 || list.List[0].(map[string]any)["experimentId"] != id {
		t.Errorf("list: %s", list.Body)
	}
	if other := e.Do(otherKey, "GET", base+"/experiments", nil).MustOK(t); len(other.List) != 0 {
		t.Errorf("another tenant lists %s", other.Body)
	}

	// Another tenant's key finds nothing of it.
	for _, r := range [][2]string{{"GET", ""}, {"POST", "/stop"}, {"POST", "/promote"}} {
		if res := e.Do(otherKey, r[0], base+"/experiments/"+id+r[1], nil); res.Status != http.StatusNotFound {
			t.Errorf("%s %s with another tenant's key: %d %s; want 404", r[0], r[1], res.Status, res.Body)
		}
	}

	// Without events: no difference, and nothing to promote.
	got := e.Do(key, "GET", base+"/experiments/"+id, nil).MustOK(t)
	if v := got.JSON["verdict"].(map[string]any); v["summary"] != "No difference yet" || v["winnerVariantId"] != nil {
		t.Errorf("verdict without events: %s", got.Body)
	}
	if res := e.Do(key, "POST", base+"/experiments/"+id+"/promote", nil); res.Status != http.StatusConflict ||
		res.Str("error") != "no_winner" {
		t.Errorf("promote without a winner: %d %s; want 409 no_winner", res.Status, res.Body)
	}

	// A: 10 of 100 accept; B: 60 of 100. B wins.
	recordVariantEvents(t, e, tenant.ID, a, 100, 10)
	recordVariantEvents(t, e, tenant.ID, b, 100, 60)
	got = e.Do(key, "GET", base+"/experiments/"+id, nil).MustOK(t)
	rv := got.JSON["variants"].([]any)
	va, vb := rv[0].(map[string]any), rv[1].(map[string]any)
	if va["shown"] != float64(100) || va["accepted"] != float64(10) || vb["accepted"] != float64(60) ||
		vb["acceptanceRate"] != 0.6 {
		t.Errorf("figures: %s", got.Body)
	}
	iv := vb["acceptanceInterval"].(map[string]any)
	if lo, hi := iv["lower"].(float64), iv["upper"].(float64); !(lo < 0.6 && 0.6 < hi && lo > 0.4 && hi < 0.8) {
		t.Errorf("B's interval [%v, %v]; want around 0.6", lo, hi)
	}
	if g := vb["guardrailInterval"].(map[string]any); g["lower"] != float64(0) || vb["promptsShown"] != float64(100) {
		t.Errorf("guardrail without returns: %s", got.Body)
	}
	if v := got.JSON["verdict"].(map[string]any); v["summary"] != "Variant B wins at 95 %" || v["winnerVariantId"] != b ||
		!strings.Contains(v["method"].(string), "Johari") {
		t.Errorf("verdict: %v", v)
	}
	done := e.Do(key, "POST", base+"/experiments/"+id+"/promote", nil).MustOK(t)
	if done.Str("status") != "promoted" || done.Str("winnerVariantId") != b {
		t.Errorf("promote: %s", done.Body)
	}
	cfg := e.Do(key, "GET", base+"/authenticator-configurations/passkey", nil).MustOK(t)
	if cfg.Str("enrollmentPromptHeading") != "Skip the code" || cfg.Str("enrollmentPromptExplanation") != "One touch next time." {
		t.Errorf("promoted copy not the tenant's: %s", cfg.Body)
	}
	if res := e.Do(key, "POST", base+"/experiments/"+id+"/stop", nil); res.Status != http.StatusConflict {
		t.Errorf("stopping a promoted experiment: %d %s; want 409", res.Status, res.Body)
	}

	// A new experiment can start once none runs; stop ends it.
	next := e.Do(key, "POST", base+"/experiments", twoVariants())
	if next.Status != http.StatusCreated {
		t.Fatalf("create after promote: %d %s", next.Status, next.Body)
	}
	if stopped := e.Do(key, "POST", base+"/experiments/"+next.Str("experimentId")+"/stop", nil).MustOK(t); stopped.Str("status") != "stopped" ||
		stopped.Str("endedAt") == "" {
		t.Errorf("stop: %s", stopped.Body)
	}
}

func TestExperimentsRefuseBadInput(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("Shop")
	v := func(heading string, weight any) string {
		return fmt.Sprintf(`{"heading":%q,"explanation":"Sign in faster.","weight":%v}`, heading, weight)
	}
	ok := v("Create a passkey", 1)
	for _, tt := range []struct{ name, body, field string }{
		{"one variant", `{"name":"x","variants":[` + ok + `]}`, "variants"},
		{"five variants", `{"name":"x","variants":[` + strings.Repeat(ok+",", 4) + ok + `]}`, "variants"},
		{"weight 0", `{"name":"x","variants":[` + ok + "," + v("B", 0) + `]}`, "variants[1].weight"},
		{"negative weight", `{"name":"x","variants":[` + v("A", -3) + "," + ok + `]}`, "variants[0].weight"},
		{"overlong heading", `{"name":"x","variants":[` + ok + "," + v(strings.Repeat("h", 101), 1) + `]}`, "variants[1].heading"},
		{"NUL in heading", `{"name":"x","variants":[{"heading":"a\u0000b","explanation":"e"},` + ok + `]}`, "variants[0].heading"},
		{"control in explanation", `{"name":"x","variants":[` + ok + `,{"heading":"B","explanation":"a\u0007"}]}`, "variants[1].explanation"},
		{"no heading", `{"name":"x","variants":[` + ok + "," + v("", 1) + `]}`, "variants[1].heading"},
		{"no name", `{"variants":[` + ok + "," + ok + `]}`, "name"},
		{"NUL in name", `{"name":"\u0000","variants":[` + ok + "," + ok + `]}`, "name"},
		{"unknown field", `{"name":"x","colour":"red","variants":[` + ok + "," + ok + `]}`, "colour"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := e.With(t).Do(key, "POST", base+"/experiments", []byte(tt.body))
			if res.Status != http.StatusBadRequest || !strings.Contains(res.Str("errorDescription"), tt.field) {
				t.Errorf("status %d %s; want 400 naming %s", res.Status, res.Body, tt.field)
			}
		})
	}
	if list := e.Do(key, "GET", base+"/experiments", nil).MustOK(t); len(list.List) != 0 {
		t.Errorf("a refused experiment was stored: %s", list.Body)
	}
	if res := e.Do(key, "GET", base+"/experiments/no-such-id", nil); res.Status != http.StatusNotFound {
		t.Errorf("unknown id: %d %s", res.Status, res.Body)
	}
}

func TestPasskeyConfigPromptCopy(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("Shop")
	path := base + "/authenticator-configurations/passkey"
	if got := e.Do(key, "GET", path, nil).MustOK(t); got.Str("enrollmentPromptHeading") != "" {
		t.Errorf("default heading %q; want empty (the built-in text)", got.Str("enrollmentPromptHeading"))
	}
	up := e.Do(key, "PATCH", path, map[string]any{"enrollmentPromptHeading": "Faster sign-in",
		"enrollmentPromptExplanation": "Use your fingerprint next time."}).MustOK(t)
	if up.Str("enrollmentPromptHeading") != "Faster sign-in" || up.Str("enrollmentPromptExplanation") != "Use your fingerprint next time." {
		t.Errorf("after PATCH: %s", up.Body)
	}
	cp, variant, err := e.App.Prompt.PromptCopy(context.Background(), up.Str("authenticatorId")[:strings.Index(up.Str("authenticatorId"), ":")], "u1")
	if err != nil || variant != "" || cp.Heading != "Faster sign-in" {
		t.Errorf("the prompt shows %+v (%q, %v); want the tenant's heading", cp, variant, err)
	}
	for _, tt := range []struct{ name, body, field string }{
		{"overlong heading", `{"enrollmentPromptHeading":"` + strings.Repeat("x", 101) + `"}`, "enrollmentPromptHeading"},
		{"NUL in explanation", `{"enrollmentPromptExplanation":"a\u0000"}`, "enrollmentPromptExplanation"},
		{"newline in heading", `{"enrollmentPromptHeading":"a\nb"}`, "enrollmentPromptHeading"},
		{"overlong explanation", `{"enrollmentPromptExplanation":"` + strings.Repeat("x", 301) + `"}`, "enrollmentPromptExplanation"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := e.With(t).Do(key, "PATCH", path, []byte(tt.body))
			if res.Status != http.StatusBadRequest || !strings.Contains(res.Str("errorDescription"), tt.field) {
				t.Errorf("status %d %s; want 400 naming %s", res.Status, res.Body, tt.field)
			}
		})
	}
	// null puts the built-in text back; other fields leave the copy be.
	e.Do(key, "PATCH", path, map[string]any{"enrollmentPromptInterval": 60}).MustOK(t)
	if got := e.Do(key, "GET", path, nil).MustOK(t); got.Str("enrollmentPromptHeading") != "Faster sign-in" {
		t.Errorf("an unrelated PATCH changed the copy: %s", got.Body)
	}
	if got := e.Do(key, "PATCH", path, []byte(`{"enrollmentPromptHeading":null}`)).MustOK(t); got.Str("enrollmentPromptHeading") != "" ||
		got.Str("enrollmentPromptExplanation") == "" {
		t.Errorf("null heading: %s", got.Body)
	}
}
