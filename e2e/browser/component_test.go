package browser_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/sdk"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/testclock"
)

// componentAppScript is the app page's own script: it records the
// component's events and any CSP violation, then adds the component
// with the Uplift URL and the token the page's query names.
const componentAppScript = `
window.violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.violations.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber);
});
window.upliftEvents = [];
for (const type of ["uplift:accepted", "uplift:dismissed", "uplift:hidden"]) {
  document.addEventListener(type, (e) => window.upliftEvents.push({type: e.type, detail: e.detail}));
}
const q = new URLSearchParams(location.search);
const prompt = document.createElement("uplift-passkey-prompt");
prompt.setAttribute("base-url", q.get("api"));
prompt.setAttribute("token", q.get("token"));
document.querySelector("main").append(prompt);
`

// componentPage is the app's account page. Its CSP allows scripts and
// styles from itself and Uplift only: nothing inline.
const componentPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Your account</title>
<script type="module" src="%s%s"></script>
<script type="module" src="/app.js"></script>
</head>
<body>
<main>
<h1>Your account</h1>
<p>You are signed in.</p>
</main>
</body>
</html>`

// startComponentEnv starts Uplift and, on a second port (another origin,
// which the tenant expects), an app whose page embeds the web component.
func startComponentEnv(t *testing.T) *hostedEnv {
	t.Helper()
	requireBrowser(t)
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "uplift.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	apiLn, apiURL := listen(t)
	appLn, appURL := listen(t)
	clock := testclock.New(time.Now().UTC())
	inbox := notify.NewInbox(nil, 0, clock.Now)
	lg := slog.New(slog.DiscardHandler)
	uplift := app.New(app.Options{Store: st, Log: lg, PublicURL: apiURL, Now: clock.Now, Email: inbox})
	tn, secret, err := uplift.Tenancy.CreateTenant(ctx, tenancy.NewTenant{Name: "Component test", RPName: "Example app",
		RPID: "localhost", Origins: []string{appURL}})
	if err != nil {
		t.Fatal(err)
	}
	serve(t, apiLn, server.New(uplift, lg, server.WithPublicURL(apiURL)).Handler())

	mux := http.NewServeMux()
	csp := fmt.Sprintf("default-src 'self'; script-src 'self' %[1]s; style-src 'self' %[1]s; connect-src 'self' %[1]s; img-src 'self'", apiURL)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", csp)
		fmt.Fprintf(w, componentPage, apiURL, sdk.ComponentPath)
	})
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, componentAppScript)
	})
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	serve(t, appLn, mux)

	e := &hostedEnv{env: &env{t: t, api: apiURL, app: appURL, tenant: tn, secret: secret, clock: clock},
		st: st, svc: uplift.Actions, admin: uplift.Admin, inbox: inbox}
	e.setPasskeyConfig(map[string]any{"recoveryMethods": []string{}})
	return e
}

// pageErrors collects what the browser reports as going wrong on the
// device's page: console errors, uncaught exceptions and error log
// entries (a refused script or style is one).
type pageErrors struct {
	mu   sync.Mutex
	list []string
}

func watchErrors(d *device) *pageErrors {
	pe := &pageErrors{}
	err := chromedp.Listen(d.ctx, func(ev any) {
		var s string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				s = "console.error " + strings.Join(args, " ")
			}
		case *runtime.EventExceptionThrown:
			s = "exception " + ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				s += " " + ev.ExceptionDetails.Exception.Description
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				s = "log " + ev.Entry.Text + " " + ev.Entry.URL
			}
		}
		if s != "" {
			pe.mu.Lock()
			pe.list = append(pe.list, s)
			pe.mu.Unlock()
		}
	})
	if err != nil {
		d.t.Fatal(err)
	}
	if _, err := chromedp.Call(d.ctx, log.Enable, cdp.Empty{}); err != nil {
		d.t.Fatal(err)
	}
	return pe
}

func (pe *pageErrors) errors() []string {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	return slices.Clone(pe.list)
}

// componentEvent is one of the component's events as the page saw it.
type componentEvent struct {
	Type   string         `json:"type"`
	Detail map[string]any `json:"detail"`
}

// openAccountPage tracks an action for the user with scope
// add:authenticators on the device id, as the app does once its own
// sign-in succeeded, and opens the app's page with the token.
func (d *device) openAccountPage(userID, deviceID string) {
	d.t.Helper()
	tok := d.e.serverAPI("POST", "/v1/users/"+userID+"/actions/signIn",
		map[string]any{"scope": "add:authenticators", "deviceId": deviceID})["token"].(string)
	d.open(d.e.app + "/?" + url.Values{"api": {d.e.api}, "token": {tok}}.Encode())
}

// componentEvents waits until the page has seen n of the component's
// events and returns them.
func (d *device) componentEvents(n int) []componentEvent {
	d.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		evs, err := chromedp.Run(d.ctx, chromedp.Evaluate[[]componentEvent](`window.upliftEvents || []`))
		if err != nil {
			d.t.Fatal(err)
		}
		if len(evs) >= n {
			return evs
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("the page saw %d of the component's events, want %d: %v", len(evs), n, evs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkNoViolations fails the test on any CSP violation or page error.
func (d *device) checkNoViolations(pe *pageErrors) {
	d.t.Helper()
	vs, err := chromedp.Run(d.ctx, chromedp.Evaluate[[]string](`window.violations || ["the app's script did not run"]`))
	if err != nil {
		d.t.Fatal(err)
	}
	if len(vs) > 0 {
		d.t.Errorf("CSP violations: %v", vs)
	}
	if errs := pe.errors(); len(errs) > 0 {
		d.t.Errorf("page errors: %v", errs)
	}
}

// promptText is the component's rendered text ("" when it renders
// nothing).
func (d *device) promptText() string {
	d.t.Helper()
	s, err := chromedp.Run(d.ctx, chromedp.Evaluate[string](`(() => {
		const el = document.querySelector("uplift-passkey-prompt");
		return el && el.shadowRoot ? el.shadowRoot.textContent : "";
	})()`))
	if err != nil {
		d.t.Fatal(err)
	}
	return s
}

// TestComponentCreatesPasskey: on the app's own origin, under a CSP that
// allows scripts and styles from the app and Uplift only, the component
// shows the prompt with the hosted pages' names to a user the app
// signed in; Create passkey makes a platform passkey for that user,
// uplift:accepted fires, and the diagnosis for the device says
// passkey_on_device. Nothing breaks the CSP.
func TestComponentCreatesPasskey(t *testing.T) {
	e := startComponentEnv(t)
	d := e.newDevice(platform)
	pe := watchErrors(d)
	d.openAccountPage("ada", "ada-laptop")

	d.find("heading", "Create a passkey")
	d.find("button", "Not now")
	if d.has("button", "Don't ask again") {
		t.Error("Don't ask again is offered, though the tenant does not allow it")
	}
	d.press("button", "Create passkey")
	evs := d.componentEvents(1)
	if evs[0].Type != "uplift:accepted" || evs[0].Detail["userId"] != "ada" || evs[0].Detail["userAuthenticatorId"] == "" {
		t.Fatalf("events = %+v, want uplift:accepted for ada", evs)
	}
	if n := len(d.credentials(d.platform)); n != 1 {
		t.Errorf("the platform authenticator holds %d passkeys, want 1", n)
	}
	ps := e.passkeys("ada")
	if len(ps) != 1 || ps[0].DeviceID != "ada-laptop" || ps[0].Attachment != "platform" {
		t.Errorf("ada's passkeys = %+v, want one platform passkey made on ada-laptop", ps)
	}
	if dg := e.diagnosis("ada", "ada-laptop", "signIn"); dg["reason"] != "passkey_on_device" {
		t.Errorf("diagnosis = %v, want passkey_on_device", dg)
	}
	kinds := e.eventKinds("ada", "ada-laptop")
	if kinds[model.UpliftEvaluated] != 1 || kinds[model.UpliftShown] != 1 || kinds[model.UpliftAccepted] != 1 {
		t.Errorf("uplift events = %v", kinds)
	}
	d.find("heading", "Passkey created")
	d.find("button", "Continue")
	d.checkNoViolations(pe)

	// The next time, the component renders nothing and says why.
	d.openAccountPage("ada", "ada-laptop")
	evs = d.componentEvents(1)
	if evs[0].Type != "uplift:hidden" || evs[0].Detail["reason"] != "passkey_on_device" {
		t.Errorf("events = %+v, want uplift:hidden passkey_on_device", evs)
	}
	if s := d.promptText(); s != "" {
		t.Errorf("the component renders %q", s)
	}
	d.checkNoViolations(pe)
}

// TestComponentNotNow: Not now in the component is recorded before
// uplift:dismissed fires; the next decision honours the tenant's
// frequency, and the dismissal is in the diagnosis and in the funnel by
// where shown.
func TestComponentNotNow(t *testing.T) {
	e := startComponentEnv(t)
	e.setPasskeyConfig(map[string]any{"enrollmentPromptInterval": 86400})
	d := e.newDevice(platform)
	pe := watchErrors(d)
	d.openAccountPage("bob", "bob-phone")
	d.press("button", "Not now")
	evs := d.componentEvents(1)
	if evs[0].Type != "uplift:dismissed" || evs[0].Detail["reason"] != "not_now" {
		t.Fatalf("events = %+v, want uplift:dismissed not_now", evs)
	}
	if s := d.promptText(); s != "" {
		t.Errorf("after Not now the component renders %q", s)
	}
	dg := e.diagnosis("bob", "bob-phone", "signIn")
	if dg["reason"] != "frequency_not_elapsed" || dg["dismissals"] != float64(1) || dg["lastDismissedAt"] == nil {
		t.Errorf("diagnosis = %v; want the dismissal holding the prompt back", dg)
	}

	d.openAccountPage("bob", "bob-phone")
	evs = d.componentEvents(1)
	if evs[0].Type != "uplift:hidden" || evs[0].Detail["reason"] != "frequency_not_elapsed" {
		t.Errorf("the next time: %+v, want uplift:hidden frequency_not_elapsed", evs)
	}
	e.clock.Advance(24*time.Hour + time.Minute)
	d.openAccountPage("bob", "bob-phone")
	d.find("heading", "Create a passkey")
	d.checkNoViolations(pe)
	// The component reports the prompt shown just after drawing it.
	for deadline := time.Now().Add(waitTimeout); e.eventKinds("bob", "bob-phone")[model.UpliftShown] < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("the second prompt was not reported shown: %v", e.eventKinds("bob", "bob-phone"))
		}
		time.Sleep(50 * time.Millisecond)
	}

	report := e.serverAPI("GET", "/v1/management/analytics/breakdowns", nil)
	rows, _ := report["rows"].([]any)
	var found map[string]any
	for _, r := range rows {
		if m := r.(map[string]any); m["dimension"] == "surface" && m["value"] == "Web component" {
			found = m
		}
	}
	if found == nil || found["evaluated"] != float64(3) || found["shown"] != float64(2) || found["dismissed"] != float64(1) {
		t.Errorf("the funnel by where shown = %v; want the component's 3 decisions, 2 prompts and 1 dismissal", found)
	}
}

// TestComponentDeviceUnsupported: on a device without a platform
// authenticator the component renders nothing and fires uplift:hidden
// with device_unsupported.
func TestComponentDeviceUnsupported(t *testing.T) {
	e := startComponentEnv(t)
	d := e.newDevice()
	pe := watchErrors(d)
	d.openAccountPage("cy", "cy-desktop")
	evs := d.componentEvents(1)
	if evs[0].Type != "uplift:hidden" || evs[0].Detail["reason"] != "device_unsupported" {
		t.Errorf("events = %+v, want uplift:hidden device_unsupported", evs)
	}
	if s := d.promptText(); s != "" {
		t.Errorf("the component renders %q", s)
	}
	if got := e.lastReason("cy", "cy-desktop"); got != "device_unsupported" {
		t.Errorf("stored decision %s", got)
	}
	d.checkNoViolations(pe)
}

// TestComponentAccessibility: axe-core finds no serious or critical
// violation in the component, light and dark, 360 and 1280 pixels wide
// (screenshots are artifacts); Tab reaches each of its buttons and none
// makes the page scroll sideways.
func TestComponentAccessibility(t *testing.T) {
	requireFiles(t, axePath)
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	e := startComponentEnv(t)
	e.setPasskeyConfig(map[string]any{"enrollmentPromptAllowOptOut": true})
	d := e.newDevice(platform)
	pe := watchErrors(d)
	d.openAccountPage("di", "di-laptop")
	d.find("button", "Don't ask again")
	d.checkNoViolations(pe) // before axe, whose own checks the CSP does not concern
	dir := artifactsDir(t)
	if _, err := chromedp.Run(d.ctx, chromedp.Evaluate[any](string(axe)+";1")); err != nil {
		t.Fatalf("load axe-core: %v", err)
	}
	for _, scheme := range []string{"light", "dark"} {
		// Reduced motion: no transition between the schemes for axe to
		// catch half-way.
		if _, err := chromedp.Call(d.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme},
				{Name: "prefers-reduced-motion", Value: "reduce"}}}); err != nil {
			t.Fatal(err)
		}
		for _, width := range []int64{360, 1280} {
			if err := chromedp.Do(d.ctx, chromedp.EmulateViewport(width, 800)); err != nil {
				t.Fatal(err)
			}
			vs, err := chromedp.Run(d.ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ["violations"]}).then(r =>
				r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help, nodes: v.nodes.length})))`, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("run axe-core: %v", err)
			}
			t.Logf("axe-core, %s, %d px: %d violations %v", scheme, width, len(vs), vs)
			for _, v := range vs {
				if v.Impact == "serious" || v.Impact == "critical" {
					t.Errorf("%s at %d px: %s violation %s (%s) on %d elements", scheme, width, v.Impact, v.ID, v.Help, v.Nodes)
				}
			}
			png, err := chromedp.Run(d.ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("component-%s-%d.png", scheme, width)), png, 0o644); err != nil {
				t.Fatal(err)
			}
			if scroll, _ := chromedp.Run(d.ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`)); scroll > width {
				t.Errorf("%s at %d px: the page is %d px wide", scheme, width, scroll)
			}
		}
	}

	// Keyboard: Tab moves through the disclosure and the three buttons
	// in order.
	var reached []string
	for range 5 {
		if err := chromedp.Do(d.ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatal(err)
		}
		s, err := chromedp.Run(d.ctx, chromedp.Evaluate[string](`(() => {
			const host = document.activeElement;
			const inner = host && host.shadowRoot && host.shadowRoot.activeElement;
			return inner ? inner.textContent : "";
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if s != "" {
			reached = append(reached, s)
		}
	}
	want := []string{"What's a passkey?", "Create passkey", "Not now", "Don't ask again"}
	if !slices.Equal(reached, want) {
		t.Errorf("Tab reaches %q, want %q", reached, want)
	}
	// Don't ask again by keyboard: the choice holds on every device.
	d.press("button", "Don't ask again")
	if evs := d.componentEvents(1); evs[0].Type != "uplift:dismissed" || evs[0].Detail["reason"] != "opted_out" {
		t.Errorf("events = %+v, want uplift:dismissed opted_out", evs)
	}
	if dg := e.diagnosis("di", "another-device", "signIn"); dg["optedOutAt"] == nil {
		t.Errorf("diagnosis on another device = %v, want the opt-out", dg)
	}
}

// TestComponentNotAuthenticated: a token tracked without the
// add:authenticators scope, for a user who has a way in and has not
// completed the action's challenge, gets no prompt: the component
// renders nothing, fires uplift:hidden with not_authenticated, and
// nothing is recorded.
func TestComponentNotAuthenticated(t *testing.T) {
	e := startComponentEnv(t)
	e.emailUser("eve")
	d := e.newDevice(platform)
	pe := watchErrors(d)
	tok := e.serverAPI("POST", "/v1/users/eve/actions/signIn", map[string]any{"deviceId": "eve-laptop"})["token"].(string)
	d.open(e.app + "/?" + url.Values{"api": {e.api}, "token": {tok}}.Encode())
	evs := d.componentEvents(1)
	if evs[0].Type != "uplift:hidden" || evs[0].Detail["reason"] != "not_authenticated" {
		t.Errorf("events = %+v, want uplift:hidden not_authenticated", evs)
	}
	if s := d.promptText(); s != "" {
		t.Errorf("the component renders %q", s)
	}
	if kinds := e.eventKinds("eve", "eve-laptop"); len(kinds) != 0 {
		t.Errorf("uplift events = %v, want none", kinds)
	}
	// The 403 is the answer the component expects, which the browser
	// reports as a failed resource load; nothing else may go wrong.
	var other []string
	for _, s := range pe.errors() {
		if !strings.Contains(s, "403") {
			other = append(other, s)
		}
	}
	if len(other) > 0 {
		t.Errorf("page errors: %v", other)
	}
}
