package browser_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/uplift-dev/uplift/internal/server"
)

const axePath = "js/node_modules/axe-core/axe.min.js"

// artifactsDir is where screenshots go: $UPLIFT_ARTIFACTS/hosted when
// set, else artifacts/hosted at the repository's root (ignored by git).
func artifactsDir(t *testing.T) string {
	t.Helper()
	root := os.Getenv("UPLIFT_ARTIFACTS")
	if root == "" {
		root = filepath.Join("..", "..", "artifacts")
	}
	dir, err := filepath.Abs(filepath.Join(root, "hosted"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// axeViolation is what axe-core reports of one failed rule.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  int    `json:"nodes"`
}

// pageCheck runs the checks every hosted page must pass.
type pageCheck struct {
	t   *testing.T
	d   *device
	axe string
	dir string
}

// check runs axe-core on the page (no serious or critical violation),
// takes screenshots 360 and 1280 pixels wide (no sideways scrolling at
// 360), and tabs through the page (every control reachable by keyboard).
func (c pageCheck) check(name string) {
	c.t.Helper()
	if _, err := chromedp.Run(c.d.ctx, chromedp.Evaluate[any](c.axe+";1")); err != nil {
		c.t.Fatalf("%s: load axe-core: %v", name, err)
	}
	vs, err := chromedp.Run(c.d.ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ["violations"]}).then(r =>
		r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help, nodes: v.nodes.length})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		c.t.Fatalf("%s: run axe-core: %v", name, err)
	}
	c.t.Logf("axe-core on the %s page: %d violations %v", name, len(vs), vs)
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			c.t.Errorf("%s page: %s violation %s (%s) on %d elements", name, v.Impact, v.ID, v.Help, v.Nodes)
		}
	}
	for _, width := range []int64{360, 1280} {
		c.screenshot(name, width)
	}
	c.keyboard(name)
}

func (c pageCheck) screenshot(name string, width int64) {
	c.t.Helper()
	if err := chromedp.Do(c.d.ctx, chromedp.EmulateViewport(width, 800)); err != nil {
		c.t.Fatal(err)
	}
	png, err := chromedp.Run(c.d.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.t.Fatalf("%s: screenshot at %d px: %v", name, width, err)
	}
	if err := os.WriteFile(filepath.Join(c.dir, fmt.Sprintf("%s-%d.png", name, width)), png, 0o644); err != nil {
		c.t.Fatal(err)
	}
	scroll, err := chromedp.Run(c.d.ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
	if err != nil || scroll > width {
		c.t.Errorf("%s page at %d px is %d px wide (%v): it scrolls sideways", name, width, scroll, err)
	}
}

// keyboard presses Tab through the page and checks that it reaches every
// visible control.
func (c pageCheck) keyboard(name string) {
	c.t.Helper()
	const describe = `(el => el ? (el.labels && el.labels.length ? el.labels[0].textContent : el.textContent).trim() : "")`
	controls, err := chromedp.Run(c.d.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(
		"a[href], button:not([disabled]), input:not([type=hidden]), select, textarea, [tabindex='0']")].filter(el => el.offsetParent !== null).map(`+describe+`)`))
	if err != nil {
		c.t.Fatal(err)
	}
	var reached []string
	for range len(controls) + 2 {
		if err := chromedp.Do(c.d.ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			c.t.Fatal(err)
		}
		el, err := chromedp.Run(c.d.ctx, chromedp.Evaluate[string](describe+`(document.activeElement)`))
		if err != nil {
			c.t.Fatal(err)
		}
		reached = append(reached, el)
	}
	for _, want := range controls {
		if !slices.Contains(reached, want) {
			c.t.Errorf("%s page: Tab never reaches %q (reached %q)", name, want, reached)
		}
	}
}

// Scenario 10: axe-core finds no serious or critical violation on the
// challenge, code, prompt and success pages (and the others on the way),
// each is usable 360 pixels wide and by keyboard alone; screenshots at 360
// and 1280 pixels are written as artifacts.
func TestHostedScenario10Accessibility(t *testing.T) {
	requireFiles(t, axePath)
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	// The confirmation waits while it is audited.
	e := startHostedEnv(t, false, server.WithConfirmation(time.Minute))
	email := e.emailUser("ada")
	d := e.newDevice(platform)
	c := pageCheck{t: t, d: d, axe: string(axe), dir: artifactsDir(t)}

	d.open(e.trackSignIn("ada", "signIn", nil))
	d.find("button", "Email me a code")
	c.check("challenge")
	d.press("button", "Email me a code")
	d.find("textbox", "Verification code")
	c.check("code")
	d.typeInto("Verification code", e.lastCode(email))
	d.press("button", "Verify")
	if !d.promptOrApp() {
		t.Fatal("no prompt")
	}
	c.check("prompt")
	d.press("button", "Create passkey")
	d.find("heading", "Passkey created")
	c.check("created")
	d.press("link", "Continue")
	d.waitForApp()

	d.open(e.trackSignIn("ada", "signIn", nil))
	d.find("button", "Sign in with passkey")
	d.press("link", "Use another method")
	d.find("heading", "Choose how to sign in")
	c.check("methods")

	// Without a redirect URL the success page says the person is signed in.
	noRedirect := e.serverAPI("POST", "/v1/users/ada/actions/signIn", map[string]any{})["url"].(string)
	d.open(noRedirect)
	d.press("button", "Sign in with passkey")
	d.find("heading", "You're signed in")
	c.check("signed-in")

	d.open(e.api + "/login?token=not-a-token")
	d.find("heading", "This sign-in link doesn't work")
	c.check("error")
	if !strings.Contains(d.text(), "Go back to the app") {
		t.Errorf("the error page does not say what to do: %s", d.text())
	}
}
