package browser_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/model"
)

// User agents of the analytics fixture's devices.
const (
	macChrome      = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36"
	windowsFirefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0"
)

// analyticsFixture stores known events, actions and authenticators for two
// users, step by step, and returns nothing: the test below says what the
// dashboard must make of them.
func (e *hostedEnv) analyticsFixture(now time.Time) {
	e.t.Helper()
	ctx := context.Background()
	st := e.st
	for _, u := range []string{"ana-1", "ana-2"} {
		if _, err := st.CreateUserIfMissing(ctx, model.User{TenantID: e.tenant.ID, ID: u, CreatedAt: now, UpdatedAt: now}); err != nil {
			e.t.Fatal(err)
		}
	}
	for _, d := range []model.Device{{ID: "ana-mac", UserAgent: macChrome}, {ID: "ana-win", UserAgent: windowsFirefox}} {
		d.TenantID, d.LastSeenAt = e.tenant.ID, now
		if err := st.TouchDevice(ctx, d); err != nil {
			e.t.Fatal(err)
		}
	}
	n := 0
	event := func(user, device, platform, action string, kind model.UpliftEventKind, reason string, at time.Time) {
		n++
		if err := st.RecordUpliftEvent(ctx, model.UpliftEvent{ID: fmt.Sprint("ana-ev-", n), TenantID: e.tenant.ID, UserID: user,
			DeviceID: device, ActionCode: action, Kind: kind, Reason: reason, Platform: platform, At: at}); err != nil {
			e.t.Fatal(err)
		}
	}
	step := func(i int) time.Time { return now.Add(time.Duration(i-20) * time.Minute) }
	// ana-1 on a Mac: asked twice, accepted the second time.
	event("ana-1", "ana-mac", "macOS", "signIn", model.UpliftEvaluated, "eligible", step(1))
	event("ana-1", "ana-mac", "macOS", "signIn", model.UpliftShown, "", step(2))
	event("ana-1", "ana-mac", "macOS", "signIn", model.UpliftDismissed, "", step(3))
	event("ana-1", "ana-mac", "macOS", "signIn", model.UpliftEvaluated, "eligible", step(4))
	event("ana-1", "ana-mac", "macOS", "signIn", model.UpliftShown, "", step(5))
	event("ana-1", "ana-mac", "macOS", "signIn", model.UpliftAccepted, "", step(6))
	// ana-2 on Windows: asked three times, accepted the third.
	for i, kind := range []model.UpliftEventKind{model.UpliftShown, model.UpliftDismissed, model.UpliftShown,
		model.UpliftDismissed, model.UpliftShown, model.UpliftAccepted} {
		if kind == model.UpliftShown {
			event("ana-2", "ana-win", "Windows", "signIn", model.UpliftEvaluated, "eligible", step(7+2*i))
		}
		event("ana-2", "ana-win", "Windows", "signIn", kind, "", step(8+2*i))
	}
	// Ten days ago: in the last 30 days, not the last 7.
	event("ana-1", "ana-mac", "macOS", "payment", model.UpliftEvaluated, "eligible", now.AddDate(0, 0, -10))

	// ana-1 has text messages as default method, ana-2 only email; two
	// passkey sign-ins of ana-1 save two texts, one of ana-2 an email.
	for _, a := range []model.Authenticator{
		{ID: "ana-sms", TenantID: e.tenant.ID, UserID: "ana-1", Method: model.MethodSMS, PhoneNumber: "+64210000009", IsDefault: true, CreatedAt: now},
		{ID: "ana-email", TenantID: e.tenant.ID, UserID: "ana-2", Method: model.MethodEmailOTP, Email: "ana-2@example.com", CreatedAt: now},
	} {
		if err := st.CreateAuthenticator(ctx, a); err != nil {
			e.t.Fatal(err)
		}
	}
	for i, user := range []string{"ana-1", "ana-1", "ana-2"} {
		// Sign-ins in the last minutes, never ahead of now: an action
		// ahead of a run just before midnight (UTC) would fall on the day
		// after the dashboard's period.
		at := now.Add(time.Duration(i-3) * time.Minute)
		if _, _, err := st.CreateAction(ctx, model.Action{TenantID: e.tenant.ID, UserID: user, Code: "signIn",
			IdempotencyKey: fmt.Sprint("ana-key-", i), State: model.StateChallengeSucceeded, VerificationMethod: model.MethodPasskey,
			CreatedAt: at, UpdatedAt: at, StateUpdatedAt: at}); err != nil {
			e.t.Fatal(err)
		}
	}
	e.serverAPI("PATCH", "/v1/management/message-prices", map[string]any{"currency": "EUR", "textMessagePrice": 7, "emailPrice": 1})
}

// table reads the rows of the table marked data-table=id, cell by cell.
func (a *admin) table(id string) [][]string {
	a.t.Helper()
	rows, err := chromedp.Run(a.ctx, chromedp.Evaluate[[][]string](fmt.Sprintf(`(() => {
		const t = document.querySelector('[data-table=%q]');
		return t ? [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.textContent.trim())) : [];
	})()`, id)))
	if err != nil {
		a.t.Fatal(err)
	}
	return rows
}

// TestConsoleDashboardAnalytics stores known events and checks the
// dashboard's attempt curve, breakdowns and savings against them, then
// changes the period (no button) and runs axe-core at 1280 and 360 px.
func TestConsoleDashboardAnalytics(t *testing.T) {
	requireFiles(t, axePath)
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	e := newHostedEnv(t)
	a := e.newAdmin("Ada Admin")
	e.analyticsFixture(time.Now())
	a.visit("/console/", "Dashboard")

	tables := []struct {
		id   string
		want [][]string
	}{
		{"attempts", [][]string{
			{"1st", "2", "0", "2", "0", "0%"},
			{"2nd", "2", "1", "1", "0", "50%"},
			{"3rd", "1", "1", "0", "0", "100%"},
			{"4th or later", "0", "0", "0", "0", "—"},
		}},
		// Busiest first: as many evaluations, more prompts shown on Windows.
		{"by-os", [][]string{
			{"Windows", "3", "3", "3", "1", "2", "0", "33%"},
			{"macOS", "3", "3", "2", "1", "1", "0", "50%"},
		}},
		{"by-browser", [][]string{
			{"Firefox", "3", "3", "3", "1", "2", "0", "33%"},
			{"Chrome", "3", "3", "2", "1", "1", "0", "50%"},
		}},
		{"by-action", [][]string{
			{"signIn", "5", "5", "5", "2", "3", "0", "40%"},
			{"payment", "1", "1", "0", "0", "0", "0", "—"},
		}},
		{"savings", [][]string{
			{"Text messages", "2", "EUR 0.07", "EUR 0.14"},
			{"Emails", "1", "EUR 0.01", "EUR 0.01"},
		}},
	}
	for _, tt := range tables {
		if diff := cmp.Diff(a.table(tt.id), tt.want); diff != "" {
			t.Errorf("table %s (-page +fixture):\n%s", tt.id, diff)
		}
	}
	total, err := chromedp.Run(a.ctx, chromedp.Evaluate[string](`document.querySelector("[data-figure=savings-total]").textContent.trim()`))
	if err != nil || total != "EUR 0.15" {
		t.Errorf("savings card = %q, %v; want EUR 0.15", total, err)
	}
	// The attempt curve's accessible name carries the same figures.
	label, err := chromedp.Run(a.ctx, chromedp.Evaluate[string](
		`[...document.querySelectorAll("svg[role=img]")].map(s => s.getAttribute("aria-label")).find(l => l.startsWith("Acceptance")) || ""`))
	if err != nil || !strings.Contains(label, "2nd 50% (1 of 2)") || !strings.Contains(label, "3rd 100% (1 of 1)") {
		t.Errorf("attempt chart's name = %q, %v", label, err)
	}

	dir := filepath.Join(filepath.Dir(artifactsDir(t)), "console")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := pageCheck{t: t, d: a.device, axe: string(axe), dir: dir}
	for _, width := range []int64{1280, 360} {
		if err := chromedp.Do(a.ctx, chromedp.EmulateViewport(width, 900)); err != nil {
			t.Fatal(err)
		}
		c.check(fmt.Sprintf("dashboard-analytics-%d", width))
		// One drawing of each chart shows, as wide as its card.
		fits, err := chromedp.Run(a.ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll(".chart-figure")].every(f => {
			const shown = [...f.querySelectorAll("svg")].filter(s => s.getBoundingClientRect().width > 0);
			return shown.length === 1 && Math.abs(shown[0].getBoundingClientRect().width - f.getBoundingClientRect().width) < 2;
		})`))
		if err != nil || !fits {
			t.Errorf("at %d px the charts do not fill their cards (%v)", width, err)
		}
	}

	// The period changes the figures at once: no Show button to press.
	if hidden, _ := chromedp.Run(a.ctx, chromedp.Evaluate[bool](`document.querySelector("[data-autosubmit-button]").hidden`)); !hidden {
		t.Error("the Show button is still there with script")
	}
	a.choose("Period", "Last 7 days")
	a.waitFor(func() bool { return len(a.table("by-action")) == 1 }, "the 7-day breakdown")
	if got := a.table("by-action"); got[0][0] != "signIn" {
		t.Errorf("7 days by action = %v", got)
	}
	url, _ := chromedp.Run(a.ctx, chromedp.Evaluate[string](`location.search`))
	if url != "?period=7" {
		t.Errorf("the address says %q, want ?period=7", url)
	}
	c.check("dashboard-analytics-7days")
}
