package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// TestWhereShown: prompts shown outside the hosted pages appear in the
// dashboard's breakdown by where shown and, named so, in the user's
// events.
func TestWhereShown(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	ctx := context.Background()
	h.addUser(h.secret, "ada", "ada@example.com", "")
	tn, err := h.env.App.Tenancy.Tenant(ctx, h.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	ik := h.env.Do(h.secret, "POST", "/v1/users/ada/actions/signIn", map[string]any{"deviceId": "laptop",
		"scope": "add:authenticators"}).MustOK(t).Str("idempotencyKey")
	a := model.Action{TenantID: tn.ID, UserID: "ada", Code: "signIn", IdempotencyKey: ik}
	for _, ev := range []struct {
		surface model.PromptSurface
		kind    model.UpliftEventKind
	}{
		{model.SurfaceHosted, model.UpliftShown}, {model.SurfaceComponent, model.UpliftShown},
		{model.SurfaceComponent, model.UpliftDismissed}, {model.SurfaceAPI, model.UpliftShown},
	} {
		h.env.Clock.Advance(time.Second)
		if err := h.env.App.Prompt.RecordUpliftOn(ctx, tn, a, "laptop", ev.surface, ev.kind, ""); err != nil {
			t.Fatal(err)
		}
	}

	d := h.get("/console/", s).text()
	i := strings.Index(d, `id="by-surface"`)
	if i < 0 {
		t.Fatal("the dashboard has no breakdown by where shown")
	}
	table := d[i:]
	if end := strings.Index(table, "</table>"); end > 0 {
		table = table[:end]
	}
	for _, name := range []string{"Hosted pages", "Web component", "API"} {
		if !strings.Contains(table, name) {
			t.Errorf("the breakdown by where shown lacks %q:\n%s", name, table)
		}
	}
	u := h.get("/console/users/ada", s).text()
	for _, what := range []string{"Shown (web component)", "Dismissed (web component)", "Shown (app's own prompt)"} {
		if !strings.Contains(u, what) {
			t.Errorf("the user's page does not say %q", what)
		}
	}
}
