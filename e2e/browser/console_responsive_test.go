package browser_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// schemeCheck runs the checks every console page must pass, in light and
// dark mode alike: at 360 and 1280 pixels wide, axe-core finds no serious
// or critical violation, the page does not scroll sideways, and a
// screenshot named page-width-scheme.png is written; then every control
// is reached by Tab (at 1280, in light mode).
type schemeCheck struct {
	pageCheck
}

func (c schemeCheck) check(name string) {
	c.t.Helper()
	for _, scheme := range []string{"light", "dark"} {
		setScheme(c.t, c.d.ctx, scheme)
		for _, width := range []int64{360, 1280} {
			if err := chromedp.Do(c.d.ctx, chromedp.EmulateViewport(width, 800)); err != nil {
				c.t.Fatal(err)
			}
			c.axeAt(fmt.Sprintf("%s at %d px, %s", name, width, scheme))
			png, err := chromedp.Run(c.d.ctx, chromedp.FullScreenshot(100))
			if err != nil {
				c.t.Fatalf("%s: screenshot at %d px, %s: %v", name, width, scheme, err)
			}
			if err := os.WriteFile(filepath.Join(c.dir, fmt.Sprintf("%s-%d-%s.png", name, width, scheme)), png, 0o644); err != nil {
				c.t.Fatal(err)
			}
			scroll, err := chromedp.Run(c.d.ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
			if err != nil || scroll > width {
				c.t.Errorf("%s page at %d px, %s, is %d px wide (%v): it scrolls sideways", name, width, scheme, scroll, err)
			}
		}
	}
	setScheme(c.t, c.d.ctx, "light")
	c.keyboard(name)
}

// axeAt runs axe-core on the page as it is laid out now.
func (c schemeCheck) axeAt(what string) {
	c.t.Helper()
	if _, err := chromedp.Run(c.d.ctx, chromedp.Evaluate[any](c.axe+";1")); err != nil {
		c.t.Fatalf("%s: load axe-core: %v", what, err)
	}
	vs, err := chromedp.Run(c.d.ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ["violations"]}).then(r =>
		r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help, nodes: v.nodes.length})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		c.t.Fatalf("%s: run axe-core: %v", what, err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			c.t.Errorf("%s: %s violation %s (%s) on %d elements", what, v.Impact, v.ID, v.Help, v.Nodes)
		}
	}
}

// At 360 pixels the console's navigation folds behind a Menu button that
// says whether it is open, works from the keyboard (Enter opens, Escape
// closes and returns to it) and runs no inline script; tables of records
// become cards whose cells carry their column's name; in dark mode the
// page is dark.
func TestConsoleAtPhoneWidth(t *testing.T) {
	e := newHostedEnv(t)
	a := e.newAdmin("Ada Admin")
	e.emailUser("bob")
	e.trackSignIn("bob", "signIn", nil)
	if err := chromedp.Do(a.ctx, chromedp.EmulateViewport(360, 800)); err != nil {
		t.Fatal(err)
	}
	a.visit("/console/users", "Users")
	a.find("button", "Menu")
	expanded := func() string {
		return evalIn[string](a.device, `document.querySelector(".menu-toggle").getAttribute("aria-expanded")`)
	}
	visible := func() bool {
		return evalIn[bool](a.device, `!!document.querySelector("nav a[href='/console/keys']").offsetParent`)
	}
	if expanded() != "false" || visible() {
		t.Fatalf("at 360 px the menu starts open (aria-expanded %s, links visible %v)", expanded(), visible())
	}
	a.press("button", "Menu")
	if expanded() != "true" || !visible() {
		t.Fatalf("Enter on Menu: aria-expanded %s, links visible %v", expanded(), visible())
	}
	a.find("link", "API keys")
	if err := chromedp.Do(a.ctx, chromedp.KeyEvent(kb.Escape)); err != nil {
		t.Fatal(err)
	}
	if expanded() != "false" || visible() {
		t.Errorf("Escape: aria-expanded %s, links visible %v", expanded(), visible())
	}
	if focused := evalIn[string](a.device, `document.activeElement.textContent.trim()`); focused != "Menu" {
		t.Errorf("after Escape the focus is on %q, want the Menu button", focused)
	}
	// Keyboard only: Tab from the Menu button into the open menu.
	a.press("button", "Menu")
	if err := chromedp.Do(a.ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
		t.Fatal(err)
	}
	if focused := evalIn[string](a.device, `document.activeElement.textContent.trim()`); focused != "Dashboard" {
		t.Errorf("Tab after opening the menu reaches %q, want Dashboard", focused)
	}

	// The users table is a list of cards, each cell labelled.
	display := evalIn[string](a.device, `getComputedStyle(document.querySelector("table.list tbody tr")).display`)
	label := evalIn[string](a.device, `getComputedStyle(document.querySelector("table.list tbody td"), "::before").content`)
	if display != "block" || !strings.Contains(label, "User id") {
		t.Errorf("at 360 px a user row is displayed %q with the label %q; want a card labelled User id", display, label)
	}
	// Still a table to assistive technology, with its headers.
	if _, err := a.poll("columnheader", "User id", 0); err != nil {
		t.Errorf("the table's header is gone from the accessibility tree: %v", err)
	}
	if _, err := a.poll("cell", "bob", 0); err != nil {
		t.Errorf("the rows are no longer cells to assistive technology: %v", err)
	}
	if err := chromedp.Do(a.ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	if display := evalIn[string](a.device, `getComputedStyle(document.querySelector("table.list tbody tr")).display`); display != "table-row" {
		t.Errorf("at 1280 px a row is displayed %q, want table-row", display)
	}
	if hidden := evalIn[bool](a.device, `!document.querySelector(".menu-toggle").offsetParent`); !hidden {
		t.Error("at 1280 px the Menu button shows")
	}

	// Dark mode: the page's background is dark and its text light.
	setScheme(t, a.ctx, "dark")
	bg := evalIn[string](a.device, `getComputedStyle(document.documentElement).backgroundColor`)
	ink := evalIn[string](a.device, `getComputedStyle(document.body).color`)
	if bg != "rgb(15, 17, 21)" || ink != "rgb(230, 233, 238)" {
		t.Errorf("dark mode: background %s, text %s", bg, ink)
	}
	// No inline script or style anywhere: the policy would block them.
	if n := evalIn[int](a.device, `document.querySelectorAll("script:not([src]), [style], [onclick]").length`); n != 0 {
		t.Errorf("%d elements with inline script or style", n)
	}
}
