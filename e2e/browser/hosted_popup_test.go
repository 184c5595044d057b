package browser_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// popupApp is an app page on a site of its own, http://app.localhost:PORT
// (a different site from Uplift's http://localhost:PORT, so the hosted
// pages are a third-party frame there), whose origin the tenant expects;
// the same server also answers at http://127.0.0.1:PORT, an origin the
// tenant does not expect.
type popupApp struct {
	origin, foreign string
}

func startPopupApp(t *testing.T, e *hostedEnv) popupApp {
	t.Helper()
	ln, _ := listen(t)
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	page, err := os.ReadFile("testdata/page.html")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	mux.HandleFunc("GET /sdk.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		http.ServeFile(w, r, sdkPath)
	})
	serve(t, ln, mux)
	a := popupApp{origin: "http://app.localhost:" + port, foreign: "http://127.0.0.1:" + port}
	// The app's origin and Uplift's own, which passkeys made in the frame
	// carry.
	e.setPasskeyConfig(map[string]any{"expectedOrigins": []string{a.origin, e.api}})
	return a
}

// launch opens the app page at origin on the device and calls the SDK's
// launch(hostedURL, {mode}) there, leaving its result in window.launched.
func (d *device) launch(origin, hostedURL, mode string) {
	d.t.Helper()
	d.open(fmt.Sprintf("%s/?tenant=%s&api=%s", origin, d.e.tenant.ID, d.e.api))
	call := fmt.Sprintf(`window.messagesFromUplift = [];
window.addEventListener("message", (ev) => { if (ev.origin === %q) window.messagesFromUplift.push(ev.data); });
window.launched = null;
run(() => client.launch(%q, {mode: %q})).then((r) => { window.launched = r; });
true`, d.e.api, hostedURL, mode)
	// A person's click opens the window; the popup blocker lets it through.
	gesture := func(p *runtime.EvaluateParams) { yes := true; p.UserGesture = &yes }
	if _, err := chromedp.Run(d.ctx, chromedp.Evaluate[bool](call, gesture)); err != nil {
		d.t.Fatalf("launch: %v", err)
	}
}

// launched waits for launch's promise and returns what it resolved with.
func (d *device) launched() outcome {
	d.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		o, err := chromedp.Run(d.ctx, chromedp.Evaluate[*outcome](`window.launched`))
		if err != nil {
			d.t.Fatal(err)
		}
		if o != nil {
			return *o
		}
		if time.Now().After(deadline) {
			d.t.Fatal("launch did not settle")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// hostedTarget waits for the browser target (an iframe or a window of
// kind) showing the hosted pages and returns a device driving it.
func (d *device) hostedTarget(kind string) *device {
	d.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		ts, err := chromedp.Targets(d.ctx)
		if err != nil {
			d.t.Fatal(err)
		}
		for _, ti := range ts {
			if ti.Type == kind && strings.HasPrefix(ti.URL, d.e.api+"/login") {
				ctx, _ := chromedp.NewContext(d.ctx, chromedp.WithTargetID(ti.TargetID))
				return &device{e: d.e, t: d.t, ctx: ctx}
			}
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("no %s shows the hosted pages; targets: %s", kind, describeTargets(ts))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func describeTargets(ts []*target.Info) string {
	var s []string
	for _, ti := range ts {
		s = append(s, string(ti.Type)+" "+ti.URL)
	}
	return strings.Join(s, ", ")
}

// enterEmailCode asks for an email code on the hosted page and enters it.
func (d *device) enterEmailCode(email string) {
	d.t.Helper()
	d.press("button", "Email me a code")
	d.find("textbox", "Verification code")
	d.typeInto("Verification code", d.e.lastCode(email))
	d.press("button", "Verify")
}

// checkLaunchToken fails unless launch resolved with a token that
// validates as the user's successful email-code challenge.
func (e *hostedEnv) checkLaunchToken(mode string, o outcome) {
	e.t.Helper()
	tok, _ := o.Value["token"].(string)
	if !o.OK || tok == "" {
		e.t.Fatalf("launch in %s mode resolved with %+v, want a token", mode, o)
	}
	v := e.validate(tok)
	if v["isValid"] != true || v["state"] != "CHALLENGE_SUCCEEDED" || v["verificationMethod"] != "EMAIL_OTP" || v["userId"] != "ada" {
		e.t.Errorf("launch in %s mode: validate = %v; want a valid CHALLENGE_SUCCEEDED by EMAIL_OTP", mode, v)
	}
}

// TestLaunchInPopupMode: the app calls the browser SDK's launch with
// mode "popup"; the hosted pages load in the SDK's frame on the app's
// page, size it, the user completes an email code inside it, and the
// promise resolves with a token that validates.
func TestLaunchInPopupMode(t *testing.T) {
	e := newHostedEnv(t)
	app := startPopupApp(t, e)
	email := e.emailUser("ada")
	d := e.newDevice()
	d.launch(app.origin, e.trackSignIn("ada", "signIn", nil), "popup")
	frame := d.hostedTarget("iframe")
	frame.enterEmailCode(email)
	e.checkLaunchToken("popup", d.launched())

	msgs, err := chromedp.Run(d.ctx, chromedp.Evaluate[[]any](`window.messagesFromUplift`))
	if err != nil {
		t.Fatal(err)
	}
	var ready, sized bool
	for _, m := range msgs {
		if s, ok := m.(string); ok && strings.Contains(s, `"AUTHSIGNAL_READY"`) {
			ready = true
		}
		if h, ok := m.(map[string]any); ok && h["height"].(float64) > 100 {
			sized = true
		}
	}
	if !ready || !sized {
		t.Errorf("the frame sent %v; want the ready message and its height", msgs)
	}
	if n, _ := chromedp.Run(d.ctx, chromedp.Evaluate[int](`document.querySelectorAll("iframe").length`)); n != 0 {
		t.Errorf("%d frames left on the app's page after launch resolved", n)
	}
}

// TestLaunchInWindowMode: the same with mode "window", in a window the
// SDK opens, which closes once the token is handed over.
func TestLaunchInWindowMode(t *testing.T) {
	e := newHostedEnv(t)
	app := startPopupApp(t, e)
	email := e.emailUser("ada")
	d := e.newDevice()
	d.launch(app.origin, e.trackSignIn("ada", "signIn", nil), "window")
	win := d.hostedTarget("page")
	win.enterEmailCode(email)
	e.checkLaunchToken("window", d.launched())
}

// TestForeignOriginCannotFrame: a page on an origin the tenant does not
// expect launches the popup; the browser refuses to show the hosted page
// in its frame, so the page never runs there and sends nothing.
func TestForeignOriginCannotFrame(t *testing.T) {
	e := newHostedEnv(t)
	app := startPopupApp(t, e)
	e.emailUser("ada")
	d := e.newDevice()
	// The expected origin first: the frame shows the page, and says so.
	d.launch(app.origin, e.trackSignIn("ada", "signIn", nil), "popup")
	if !d.frameShowsHostedPage() {
		t.Fatal("the tenant's own origin cannot frame the hosted page")
	}
	d.launch(app.foreign, e.trackSignIn("ada", "signIn", nil), "popup")
	if d.frameShowsHostedPage() {
		t.Error("a page on an origin the tenant does not expect framed the hosted page")
	}
}

// frameShowsHostedPage waits for the SDK's frame to load and reports
// whether the hosted page is in it: a frame the browser blocked holds
// its error page instead.
func (d *device) frameShowsHostedPage() bool {
	d.t.Helper()
	frame := d.hostedTarget("iframe")
	deadline := time.Now().Add(waitTimeout)
	for {
		// Read once the document has loaded; "" until then.
		shows, err := chromedp.Run(frame.ctx, chromedp.Evaluate[string](`document.readyState === "complete"
  ? location.protocol + " " + (document.querySelector("main.card h1") ? "hosted page" : "other page") : ""`))
		if err == nil && shows != "" {
			d.t.Logf("the frame shows: %s", shows)
			return shows == "http: hosted page"
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("the frame did not load: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestForeignOpenerGetsNoToken: any page may open a window, so the
// frame's protection does not apply there; a page on an origin the
// tenant does not expect launches the window, the user completes the
// challenge in it, and the page receives no message, token or other.
func TestForeignOpenerGetsNoToken(t *testing.T) {
	e := newHostedEnv(t)
	app := startPopupApp(t, e)
	email := e.emailUser("ada")
	d := e.newDevice()
	d.launch(app.foreign, e.trackSignIn("ada", "signIn", nil), "window")
	win := d.hostedTarget("page")
	win.enterEmailCode(email)
	// Until the close page shows, and for a second after (it posts as it
	// loads), the opener must hear nothing.
	var closed time.Time
	for deadline := time.Now().Add(waitTimeout); closed.IsZero() || time.Since(closed) < time.Second; {
		msgs, err := chromedp.Run(d.ctx, chromedp.Evaluate[[]any](`window.messagesFromUplift`))
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) > 0 {
			t.Fatalf("a page on a foreign origin received %v", msgs)
		}
		if closed.IsZero() && win.has("heading", "Returning to the app") {
			closed = time.Now()
		}
		if closed.IsZero() && time.Now().After(deadline) {
			t.Fatalf("the window did not reach the close page:\n%s", win.text())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
