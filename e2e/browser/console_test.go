package browser_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/uplift-dev/uplift/internal/model"
)

// The first admin of a tenant signs in with the passkey made from the
// invitation, signs out, and signs in again with it.
func TestConsoleFirstAdminSignsInWithPasskey(t *testing.T) {
	e := newHostedEnv(t)

	// Without a session the console sends the browser to its sign-in page.
	visitor := e.newDevice(platform)
	visitor.open(e.api + "/console/settings")
	visitor.waitForURL(e.api + "/console/signin?next=")
	visitor.find("button", "Sign in with passkey")

	a := e.newAdmin("Ada Admin")
	if got := a.credentials(a.platform); len(got) != 1 || got[0].RpID != "localhost" {
		t.Fatalf("the admin's authenticator holds %v, want one passkey for localhost", got)
	}
	if !strings.Contains(a.text(), "Ada Admin") || !strings.Contains(a.text(), e.tenant.Name) {
		t.Errorf("the console does not name the admin and tenant:\n%s", a.text())
	}

	a.press("button", "Sign out")
	a.waitForURL(e.api + "/console/signin")
	a.open(e.api + "/console/users")
	a.waitForURL(e.api + "/console/signin?next=")
	a.press("button", "Sign in with passkey")
	a.waitForURL(e.api + "/console/users")
	a.find("heading", "Users")

	// A passkey the console does not know is refused with a message.
	stranger := e.newDevice(platform)
	stranger.open(e.api + "/console/signin")
	stranger.press("button", "Sign in with passkey")
	(&admin{stranger}).waitFor(func() bool {
		return strings.Contains(stranger.text(), "cannot sign in") || strings.Contains(stranger.text(), "cancelled")
	}, "a refusal")
	if strings.HasPrefix(stranger.url(), e.api+"/console/signin") == false {
		t.Errorf("a browser without an admin passkey got to %s", stranger.url())
	}
}

// Turning the prompt off and on and changing its frequency in the console
// takes effect in the next hosted sign-in.
func TestConsolePromptSettingsReachHostedSignIn(t *testing.T) {
	e := newHostedEnv(t)
	a := e.newAdmin("Ada Admin")
	email := e.emailUser("bob")
	user := e.newDevice(platform)

	save := func(prompt bool, frequency string) {
		t.Helper()
		a.visit("/console/settings", "Settings")
		a.setChecked("Prompt users to add a passkey after they sign in", prompt)
		a.choose("Prompt frequency", frequency)
		a.press("button", "Save settings")
		a.notice("Settings saved.")
		if a.checked("Prompt users to add a passkey after they sign in") != prompt {
			t.Fatalf("the prompt switch did not stay %v", prompt)
		}
	}

	save(false, "Every challenge")
	if user.signInWithEmailCode(e.trackSignIn("bob", "signIn", nil), email) {
		t.Fatal("prompted with the prompt switched off in the console")
	}
	e.checkReason("console off", "bob", "signIn", user, "prompt_disabled")

	save(true, "Every challenge")
	if !user.signInWithEmailCode(e.trackSignIn("bob", "signIn", nil), email) {
		t.Fatalf("no prompt with the prompt switched on:\n%s", user.text())
	}
	user.press("button", "Not now")
	user.waitForApp()

	save(true, "Once a week")
	if user.signInWithEmailCode(e.trackSignIn("bob", "signIn", nil), email) {
		t.Fatal("prompted again within a week of Not now")
	}
	e.checkReason("console weekly", "bob", "signIn", user, "frequency_not_elapsed")
	e.clock.Advance(7 * 24 * time.Hour)
	if !user.signInWithEmailCode(e.trackSignIn("bob", "signIn", nil), email) {
		t.Fatalf("no prompt a week after Not now:\n%s", user.text())
	}
	e.checkReason("console weekly, a week later", "bob", "signIn", user, "eligible")
}

// managementRule reads a rule of an action through the Management API.
func (e *hostedEnv) managementRules(action string) []map[string]any {
	e.t.Helper()
	var out []map[string]any
	b, _ := json.Marshal(e.serverAPIAny("GET", "/v1/management/action-configurations/"+action+"/rules"))
	json.Unmarshal(b, &out)
	return out
}

// An admin creates an action and a rule with the condition builder, edits
// the rule, and the rule decides the next hosted sign-in.
func TestConsoleRuleEditor(t *testing.T) {
	e := newHostedEnv(t)
	a := e.newAdmin("Ada Admin")

	a.visit("/console/actions", "Actions")
	a.fill("Action code", "transfer")
	a.press("button", "Create action")
	a.notice("Action created.")
	a.waitFor(func() bool { return strings.Contains(a.heading(), "transfer") }, "the action's page")
	a.press("link", "New rule")
	a.find("button", "Save rule")

	a.fill("Name", "New devices")
	a.fillRole("spinbutton", "Priority", "10")
	a.setChecked("Active", true)
	a.choose("Outcome", a.optionLabel("Outcome", "CHALLENGE"))
	a.choose("Prompt users to add a passkey", "On")
	a.chooseValue("Fact 1", "device.isNew")
	a.chooseValue("Operator 1", "==")
	a.fill("Value 1", "true")
	want := map[string]any{"and": []any{map[string]any{"==": []any{map[string]any{"var": "device.isNew"}, true}}}}
	a.waitFor(func() bool { return sameJSON(a.value("textbox", "Condition (JSONLogic)"), want) }, "the builder's JSONLogic")
	a.press("button", "Save rule")
	a.notice("Rule created.")

	rules := e.managementRules("transfer")
	if len(rules) != 1 || rules[0]["name"] != "New devices" || rules[0]["priority"] != float64(10) ||
		!sameJSONValue(rules[0]["conditions"], want) {
		t.Fatalf("rules through the Management API = %v", rules)
	}
	ruleID, _ := rules[0]["ruleId"].(string)

	// Editing: the builder shows the stored condition; the JSONLogic is
	// edited by hand, with a typo first.
	a.visit("/console/actions/transfer/rules/"+ruleID, "New devices")
	if got := a.value("combobox", "Fact 1"); got != "device.isNew" {
		t.Errorf("the builder's first fact = %q, want device.isNew", got)
	}
	a.fillRole("spinbutton", "Priority", "5")
	a.fill("Condition (JSONLogic)", `{"==":[{"var":"device.isnew"},true]}`)
	a.press("button", "Save rule")
	a.notice(`did you mean "device.isNew"?`)
	if got := a.value("textbox", "Condition (JSONLogic)"); !strings.Contains(got, "device.isnew") {
		t.Errorf("the rejected condition was not kept: %q", got)
	}
	a.fill("Condition (JSONLogic)", `{"==":[{"var":"device.isNew"},true]}`)
	a.press("button", "Save rule")
	a.notice("Rule saved.")
	rules = e.managementRules("transfer")
	if len(rules) != 1 || rules[0]["priority"] != float64(5) {
		t.Fatalf("after editing, rules = %v", rules)
	}

	// The rule's prompt switch decides: the tenant's prompt is off, and a
	// sign-in on a new device wins the rule.
	e.setPasskeyConfig(map[string]any{"disableEnrollmentPrompt": true})
	email := e.emailUser("bob")
	user := e.newDevice(platform)
	if !user.signInWithEmailCode(e.trackSignIn("bob", "transfer", map[string]any{"deviceId": "new-device-1"}), email) {
		t.Fatalf("the rule's prompt switch did not show the prompt:\n%s", user.text())
	}
	e.checkReason("rule from the console", "bob", "transfer", user, "eligible")
}

// The dashboard's funnel matches the uplift events a scripted run stored.
func TestConsoleDashboardShowsTheFunnel(t *testing.T) {
	e := newHostedEnv(t)
	a := e.newAdmin("Ada Admin")
	users := []struct {
		id      string
		devices []webauthn.AuthenticatorTransport
		accept  bool
	}{
		{"u-accepts", []webauthn.AuthenticatorTransport{platform}, true},
		{"u-dismisses", []webauthn.AuthenticatorTransport{platform}, false},
		{"u-no-platform", nil, false},
	}
	for _, u := range users {
		email := e.emailUser(u.id)
		d := e.newDevice(u.devices...)
		if shown := d.signInWithEmailCode(e.trackSignIn(u.id, "signIn", nil), email); shown {
			if u.accept {
				d.createPasskeyFromPrompt()
			} else {
				d.press("button", "Not now")
				d.waitForApp()
			}
		}
	}
	// What the database holds.
	want := map[string]int{}
	reasons := map[string]int{}
	for _, u := range users {
		evs, err := e.st.UpliftEvents(context.Background(), e.tenant.ID, u.id, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			want[string(ev.Kind)]++
			if ev.Kind == model.UpliftEvaluated {
				reasons[ev.Reason]++
			}
		}
	}
	if want["accepted"] != 1 || want["dismissed"] != 1 || reasons["device_unsupported"] != 1 {
		t.Fatalf("the scripted run stored %v (reasons %v)", want, reasons)
	}

	a.visit("/console/", "Dashboard")
	got := a.dashboardJSON()
	for _, kind := range []string{"evaluated", "shown", "accepted", "dismissed", "failed"} {
		if n := int(got.Funnel[kind]); n != want[kind] {
			t.Errorf("dashboard %s = %d, database %d", kind, n, want[kind])
		}
	}
	if int(got.Funnel["eligible"]) != reasons["eligible"] {
		t.Errorf("dashboard eligible = %v, database %d", got.Funnel["eligible"], reasons["eligible"])
	}
	for _, r := range got.Reasons {
		if r.Count != reasons[r.Reason] {
			t.Errorf("dashboard reason %s = %d, database %d", r.Reason, r.Count, reasons[r.Reason])
		}
	}
	// The page shows the same counts: the funnel's table, which screen
	// readers read in place of the chart, and the chart's own labels.
	steps, err := chromedp.Run(a.ctx, chromedp.Evaluate[map[string]string](`(() => {
		const t = [...document.querySelectorAll("table")].find(t => t.caption && t.caption.textContent.trim() === "Passkey prompt funnel");
		return t ? Object.fromEntries([...t.tBodies[0].rows].map(r => [r.cells[0].textContent.trim(), r.cells[1].textContent.trim()])) : {};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	wantSteps := map[string]int{"Evaluated": want["evaluated"], "Eligible": reasons["eligible"], "Shown": want["shown"],
		"Accepted": want["accepted"], "Dismissed": want["dismissed"], "Failed": want["failed"]}
	for label, n := range wantSteps {
		if steps[label] != fmt.Sprint(n) {
			t.Errorf("the funnel on the page says %s = %q, the database %d (page: %v)", label, steps[label], n, steps)
		}
	}
	chart, err := chromedp.Run(a.ctx, chromedp.Evaluate[string](
		`[...document.querySelectorAll(".chart-figure svg text")].map(t => t.textContent.trim()).join("|")`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(chart, fmt.Sprintf("Evaluated|%d", want["evaluated"])) {
		t.Errorf("the funnel chart's labels %q do not show %d evaluations", chart, want["evaluated"])
	}
}

// dashboardFigures is the part of GET /console/api/dashboard the tests read.
type dashboardFigures struct {
	Funnel  map[string]float64 `json:"funnel"`
	Reasons []struct {
		Reason string `json:"reason"`
		Count  int    `json:"count"`
	} `json:"reasons"`
}

// dashboardJSON fetches the dashboard's figures with the admin's session.
func (a *admin) dashboardJSON() dashboardFigures {
	a.t.Helper()
	raw, err := chromedp.Run(a.ctx, chromedp.Evaluate[string](
		`fetch("/console/api/dashboard", {credentials: "same-origin"}).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		a.t.Fatal(err)
	}
	var out dashboardFigures
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		a.t.Fatalf("dashboard JSON %s: %v", raw, err)
	}
	return out
}

// Every console page passes axe-core with no serious or critical
// violation and fits 360 pixels, in light and dark mode, and is written
// as a screenshot at 360 and 1280 pixels in both.
func TestConsoleAccessibility(t *testing.T) {
	requireFiles(t, axePath)
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	e := newHostedEnv(t)
	dir := filepath.Join(filepath.Dir(artifactsDir(t)), "console")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	visitor := e.newDevice(platform)
	vc := schemeCheck{pageCheck{t: t, d: visitor, axe: string(axe), dir: dir}}
	visitor.open(e.api + "/console/signin")
	visitor.find("button", "Sign in with passkey")
	vc.check("signin")
	link, err := e.admin.CreateAdminInvite(context.Background(), e.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	visitor.open(link.URL)
	visitor.find("button", "Create passkey")
	vc.check("invite")

	a := e.newAdmin("Ada Admin")
	c := schemeCheck{pageCheck{t: t, d: a.device, axe: string(axe), dir: dir}}
	email := e.emailUser("bob")
	user := e.newDevice(platform)
	if user.signInWithEmailCode(e.trackSignIn("bob", "signIn", nil), email) {
		user.press("button", "Not now")
		user.waitForApp()
	}
	e.serverAPI("POST", "/v1/management/action-configurations/signIn/rules", map[string]any{
		"name": "New devices", "isActive": true, "priority": 1, "type": "CHALLENGE",
		"conditions": map[string]any{"==": []any{map[string]any{"var": "device.isNew"}, true}}})
	ruleID, _ := e.managementRules("signIn")[0]["ruleId"].(string)
	exp := e.serverAPI("POST", "/v1/management/experiments", map[string]any{"name": "Prompt copy", "variants": []any{
		map[string]any{"heading": "Sign in faster", "explanation": "Use your fingerprint or face next time."},
		map[string]any{"heading": "No more codes", "explanation": "A passkey replaces the code we email you."}}})
	expID, _ := exp["experimentId"].(string)
	e.serverAPI("PATCH", "/v1/management/theme", map[string]any{"name": "Acme Bank", "primaryColor": "#0b6e4f",
		"logo": map[string]any{"contentType": "image/png", "data": base64.StdEncoding.EncodeToString(logoPNG(t))}})

	for _, p := range []struct{ name, path, heading string }{
		{"dashboard", "/console/", "Dashboard"},
		{"settings", "/console/settings", "Settings"},
		{"actions", "/console/actions", "Actions"},
		{"action", "/console/actions/signIn", "signIn"},
		{"rule-new", "/console/actions/signIn/rules/new", "New rule"},
		{"rule", "/console/actions/signIn/rules/" + ruleID, "New devices"},
		{"users", "/console/users", "Users"},
		{"user", "/console/users/bob", "bob"},
		{"keys", "/console/keys", "API keys"},
		{"prices", "/console/settings/prices", "Message prices"},
		{"experiments", "/console/experiments", "Experiments"},
		{"experiment", "/console/experiments/" + expID, "Prompt copy"},
		{"branding", "/console/branding", "Branding"},
		{"webhooks", "/console/webhooks", "Webhooks"},
	} {
		a.visit(p.path, p.heading)
		c.check(p.name)
	}
	a.visit("/console/keys", "API keys")
	a.press("button", "Create API key")
	a.notice("It will not be shown again")
	c.check("key-created")
	a.visit("/console/users/nobody", "Not found")
	c.check("not-found")
}
