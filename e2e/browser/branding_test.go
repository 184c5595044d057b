package browser_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/uplift-dev/uplift/internal/branding"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// logoPNG is a 160×40 logo in two colours.
func logoPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 160, 40))
	for x := range 160 {
		for y := range 40 {
			c := color.RGBA{0x0b, 0x6e, 0x4f, 0xff}
			if x > 40 {
				c = color.RGBA{0xff, 0xff, 0xff, 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// patchTheme sends PATCH /v1/management/theme with the secret key and
// returns the status and the decoded answer.
func (e *hostedEnv) patchTheme(secret string, body any) (int, map[string]any) {
	e.t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("PATCH", e.api+"/v1/management/theme", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(secret+":")))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// eval runs a JavaScript expression in the device's page.
func evalIn[T any](d *device, expr string) T {
	d.t.Helper()
	v, err := chromedp.Run(d.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		d.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// setScheme makes the page see prefers-color-scheme: scheme, and reduced
// motion, so that axe-core never catches a colour halfway through a
// transition (the buttons' background changes in 0.15 s otherwise).
func setScheme(t *testing.T, ctx context.Context, scheme string) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme},
			{Name: "prefers-reduced-motion", Value: "reduce"}}}); err != nil {
		t.Fatal(err)
	}
}

// A tenant's logo, colour and name, set through the Management API, show
// on the hosted pages (under their strict policy: the logo loads, the
// colour is the buttons') and in the email the SMTP server receives; the
// favicon is Uplift's own until the tenant uploads one; dark mode gets
// the adapted colour. A colour failing contrast is refused with the
// reason, and another tenant's key changes nothing of this tenant's.
func TestBrandingOnHostedPagesAndEmail(t *testing.T) {
	e, mail := startMailEnv(t)
	logo := logoPNG(t)
	status, theme := e.patchTheme(e.secret, map[string]any{"name": "Acme Bank", "primaryColor": "#0b6e4f",
		"logo": map[string]any{"contentType": "image/png", "data": base64.StdEncoding.EncodeToString(logo)}})
	if status != 200 {
		t.Fatalf("PATCH theme: %d %v", status, theme)
	}
	logoURL, _ := theme["logoUrl"].(string)

	// Refused: a light colour, with its ratio; an SVG logo.
	status, refused := e.patchTheme(e.secret, map[string]any{"primaryColor": "#ffcc00"})
	if desc, _ := refused["errorDescription"].(string); status != 400 || refused["error"] != "insufficient_contrast" ||
		!strings.Contains(desc, "1.51:1") || !strings.Contains(desc, "4.5:1") {
		t.Errorf("a light colour: %d %v", status, refused)
	}
	svg := `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`
	if status, refused = e.patchTheme(e.secret, map[string]any{"logo": map[string]any{"contentType": "image/svg+xml",
		"data": base64.StdEncoding.EncodeToString([]byte(svg))}}); status != 400 || refused["error"] != "invalid_image" {
		t.Errorf("an SVG logo: %d %v", status, refused)
	}
	// Another tenant's key sets that tenant's theme only.
	_, otherSecret, err := e.uplift.Tenancy.CreateTenant(context.Background(), tenancy.NewTenant{Name: "Other", RPID: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := e.patchTheme(otherSecret, map[string]any{"name": "Evil Corp", "primaryColor": "#000000"}); status != 200 {
		t.Fatalf("the other tenant's PATCH: %d", status)
	}

	email := e.emailUser("ada")
	d := e.newDevice(platform)
	d.open(e.trackSignIn("ada", "signIn", nil))
	d.find("button", "Email me a code")

	// The page: name, logo (loaded despite the policy), colour, favicon.
	if got := evalIn[string](d, `document.querySelector(".app").textContent`); got != "Acme Bank" {
		t.Errorf("the page names %q, want Acme Bank", got)
	}
	if title := evalIn[string](d, `document.title`); !strings.Contains(title, "Acme Bank") || strings.Contains(title, "Evil") {
		t.Errorf("title %q", title)
	}
	waitTrue(t, d, `(() => { const i = document.querySelector("img.brand-logo"); return !!i && i.complete && i.naturalWidth === 160; })()`,
		"the logo loaded")
	if src := evalIn[string](d, `document.querySelector("img.brand-logo").src`); src != logoURL {
		t.Errorf("the logo's src is %s, want %s", src, logoURL)
	}
	bg := evalIn[string](d, `getComputedStyle([...document.querySelectorAll("button.primary, .button.primary")].find(b => b.offsetParent)).backgroundColor`)
	if bg != "rgb(11, 110, 79)" {
		t.Errorf("the main button's background is %s, want the brand colour rgb(11, 110, 79)", bg)
	}
	icon := evalIn[string](d, `document.querySelector("link[rel=icon]").href`)
	if icon != e.api+"/favicon.ico" {
		t.Errorf("favicon %s, want Uplift's own", icon)
	}
	if res, err := http.Get(icon); err != nil || res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" {
		t.Errorf("GET %s: %v %v", icon, res, err)
	}

	// Dark mode: the adapted colour is there for the dark theme, AA
	// against the dark background.
	setScheme(t, d.ctx, "dark")
	darkBrand := strings.TrimSpace(evalIn[string](d, `getComputedStyle(document.documentElement).getPropertyValue("--brand-dark")`))
	if darkBrand != branding.DarkVariant("#0b6e4f") || branding.Contrast(darkBrand, branding.DarkSurface) < 4.5 {
		t.Errorf("--brand-dark = %q, want %s", darkBrand, branding.DarkVariant("#0b6e4f"))
	}
	// The pages' dark theme takes it for the buttons, on a background it
	// keeps AA against.
	// (The button's colour changes with a short transition.)
	waitTrue(t, d, `getComputedStyle([...document.querySelectorAll("button.primary, .button.primary")].find(b => b.offsetParent)).backgroundColor === "`+rgb(darkBrand)+`"`,
		"the dark brand colour on the main button")
	card := evalIn[string](d, `getComputedStyle(document.querySelector(".card")).backgroundColor`)
	if r := branding.Contrast(darkBrand, hexOf(card)); r < 4.5 {
		t.Errorf("in dark mode the brand colour has a contrast of %.2f with the card (%s)", r, card)
	}
	setScheme(t, d.ctx, "light")

	// The branded page passes axe in light and dark mode, 360 and 1280
	// pixels wide (screenshots branded-challenge-*.png).
	requireFiles(t, axePath)
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	schemeCheck{pageCheck{t: t, d: d, axe: string(axe), dir: artifactsDir(t)}}.check("branded-challenge")

	// The email, as the SMTP server received it.
	d.press("button", "Email me a code")
	d.find("textbox", "Verification code")
	m, err := mail.Last(email)
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := m.Header("Subject")
	html, _ := m.Part("text/html")
	if !strings.Contains(subject, "Acme Bank") {
		t.Errorf("subject %q lacks the display name", subject)
	}
	code, _ := m.Code()
	if !regexp.MustCompile(`color:#0b6e4f"[^>]*>` + code + `<`).MatchString(html) {
		t.Errorf("the code is not in the brand colour:\n%s", html)
	}
	for _, want := range []string{`<img src="` + logoURL + `"`, ">Acme Bank</p>"} {
		if !strings.Contains(html, want) {
			t.Errorf("the email's HTML lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "Evil") {
		t.Error("the email shows the other tenant's name")
	}
	// The logo the email links is served, typed and unsniffable.
	res, err := http.Get(logoURL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(got, logo) || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET %s: %d %v", logoURL, res.StatusCode, res.Header)
	}

	d.typeInto("Verification code", code)
	d.press("button", "Verify")
	d.promptOrApp()
}

// waitTrue polls a JavaScript condition in the page.
func waitTrue(t *testing.T, d *device, cond, what string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !evalIn[bool](d, cond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s on %s", what, d.url())
		}
		time.Sleep(50 * time.Millisecond) // polling the page, not waiting out time
	}
}

// The console's branding page: a colour failing contrast is refused with
// the reason next to the field; a logo uploaded through the form shows on
// the page and then on the hosted pages.
func TestConsoleBrandingForm(t *testing.T) {
	e, _ := startMailEnv(t)
	a := e.newAdmin("Ada Admin")
	a.visit("/console/branding", "Branding")
	a.fill("Display name", "Acme Bank")
	a.fill("Brand colour", "#ffcc00")
	a.press("button", "Save branding")
	a.notice("Nothing was saved")
	if text := a.text(); !strings.Contains(text, "contrast ratio of 1.51:1") || !strings.Contains(text, "4.5:1") {
		t.Fatalf("the refusal does not give the reason: %s", text)
	}
	if a.value("textbox", "Display name") != "Acme Bank" {
		t.Error("the typed name was lost")
	}
	path := filepath.Join(t.TempDir(), "logo.png")
	if err := os.WriteFile(path, logoPNG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	a.fill("Brand colour", "#0b6e4f")
	input, err := chromedp.Call(a.ctx, runtime.Evaluate, runtime.EvaluateParams{Expression: `document.getElementById("logo")`})
	if err != nil || input.Result == nil {
		t.Fatalf("the logo's file input: %v", err)
	}
	if _, err := chromedp.Call(a.ctx, dom.SetFileInputFiles, dom.SetFileInputFilesParams{Files: []string{path}, ObjectID: input.Result.ObjectID}); err != nil {
		t.Fatal(err)
	}
	a.press("button", "Save branding")
	a.notice("Branding saved")
	waitTrue(t, a.device, `(() => { const i = document.querySelector("img.brand-preview"); return !!i && i.complete && i.naturalWidth === 160; })()`,
		"the logo on the branding page")

	e.emailUser("bob")
	d := e.newDevice(platform)
	d.open(e.trackSignIn("bob", "signIn", nil))
	d.find("button", "Email me a code")
	waitTrue(t, d, `(() => { const i = document.querySelector("img.brand-logo"); return !!i && i.complete && i.naturalWidth === 160; })()`,
		"the logo on the hosted page")
	if got := evalIn[string](d, `document.querySelector(".app").textContent`); got != "Acme Bank" {
		t.Errorf("the page names %q", got)
	}
}

// rgb writes #rrggbb as getComputedStyle does, rgb(r, g, b).
func rgb(hex string) string {
	var r, g, b int
	fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b)
	return fmt.Sprintf("rgb(%d, %d, %d)", r, g, b)
}

// hexOf turns getComputedStyle's rgb(r, g, b) into #rrggbb.
func hexOf(css string) string {
	var r, g, b int
	fmt.Sscanf(css, "rgb(%d, %d, %d)", &r, &g, &b)
	return fmt.Sprintf("#%02x%02x%02x", r, g, b)
}
