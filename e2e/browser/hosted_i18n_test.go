package browser_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/notify/notifytest"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/testclock"
)

// The hosted pages in the user's language, light and dark, left to right
// and right to left; every wait and failure said in words.

// startMailEnv is the hosted pages' environment with its codes sent over
// SMTP to a server the test reads, as `uplift serve` sends them.
func startMailEnv(t *testing.T, extra ...server.Option) (*hostedEnv, *notifytest.SMTPServer) {
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
	mail, sender := startMail(t)
	clock := testclock.New(time.Now().UTC())
	log := slog.New(slog.DiscardHandler)
	uplift := app.New(app.Options{Store: st, Log: log, PublicURL: apiURL, Now: clock.Now, Email: sender})
	tn, secret, err := uplift.Tenancy.CreateTenant(ctx, tenancy.NewTenant{Name: "Languages test", RPName: "Example app",
		RPID: "localhost", Origins: []string{apiURL}, RedirectPrefixes: []string{appURL + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	serve(t, apiLn, server.New(uplift, log, append([]server.Option{server.WithPublicURL(apiURL)}, extra...)...).Handler())
	appMux := http.NewServeMux()
	appMux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><title>App</title><h1>Back in the app</h1></html>`)
	})
	serve(t, appLn, appMux)
	return &hostedEnv{env: &env{t: t, api: apiURL, app: appURL, tenant: tn, secret: secret, clock: clock, uplift: uplift, mail: mail},
		st: st, svc: uplift.Actions, admin: uplift.Admin}, mail
}

// mailed returns the newest email to addr: its subject, plain text and
// HTML.
func mailed(t *testing.T, mail *notifytest.SMTPServer, addr string) (subject, text, html string) {
	t.Helper()
	m, err := mail.Last(addr)
	if err != nil {
		t.Fatalf("no email to %s: %v", addr, err)
	}
	if subject, err = m.Header("Subject"); err != nil {
		t.Fatal(err)
	}
	if text, err = m.Part("text/plain"); err != nil {
		t.Fatal(err)
	}
	if html, err = m.Part("text/html"); err != nil {
		t.Fatal(err)
	}
	return subject, text, html
}

// evalOn runs a JavaScript expression in the device's page.
func evalOn[T any](d *device, expr string) T {
	d.t.Helper()
	v, err := chromedp.Run(d.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		d.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// speak makes the device's browser ask for pages in lang (its
// Accept-Language header).
func (d *device) speak(lang string) {
	d.t.Helper()
	if _, err := chromedp.Call(d.ctx, network.Enable, network.EnableParams{}); err != nil {
		d.t.Fatal(err)
	}
	if _, err := chromedp.Call(d.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": lang}}); err != nil {
		d.t.Fatal(err)
	}
}

// scheme makes the page see prefers-color-scheme: light or dark (see
// setScheme).
func (d *device) scheme(s string) {
	d.t.Helper()
	setScheme(d.t, d.ctx, s)
}

// signInWithMailedCode asks for an email code with the button named ask,
// enters the code the SMTP server received into the textbox named box
// and presses submit.
func (d *device) signInWithMailedCode(mail *notifytest.SMTPServer, addr, ask, box, submit string) {
	d.t.Helper()
	d.press("button", ask)
	d.find("textbox", box)
	code, err := mail.LastCode(addr)
	if err != nil {
		d.t.Fatalf("no code mailed to %s: %v", addr, err)
	}
	d.typeInto(box, code)
	d.press("button", submit)
}

// locale: "fr" on track gives French pages and a French email; without
// it, a browser asking for German gets German; the tenant's default
// language serves a browser asking for a language Uplift does not speak.
func TestHostedPagesInTheUsersLanguage(t *testing.T) {
	e, mail := startMailEnv(t)

	// French, from track's locale.
	amelie := e.emailUser("amelie")
	d := e.newDevice(platform)
	d.speak("de") // the action's locale comes first
	d.open(e.trackSignIn("amelie", "signIn", map[string]any{"locale": "fr"}))
	d.find("heading", "Connexion")
	if lang := evalOn[string](d, `document.documentElement.lang + " " + document.documentElement.dir`); lang != "fr ltr" {
		t.Errorf("lang and dir = %q, want fr ltr", lang)
	}
	d.signInWithMailedCode(mail, amelie, "Recevoir un code par e-mail", "Code de vérification", "Valider")
	subject, text, html := mailed(t, mail, amelie)
	if !strings.HasPrefix(subject, "Votre code de vérification Languages test est ") {
		t.Errorf("French email's subject = %q", subject)
	}
	for _, want := range []string{"Votre code de vérification", "Il expire dans 10\u00a0minutes.", "Si vous n’avez pas demandé ce code"} {
		if !strings.Contains(text, want) || !strings.Contains(html, want) {
			t.Errorf("the French email lacks %q:\n%s\n%s", want, text, html)
		}
	}
	if !strings.Contains(html, `lang="fr"`) {
		t.Errorf("the French email's HTML is not marked French:\n%s", html)
	}
	d.find("heading", "Créez une clé d’accès")
	for _, want := range []string{"Créer une clé d’accès", "Plus tard"} {
		d.find("button", want)
	}
	d.find("DisclosureTriangle", "Qu’est-ce qu’une clé d’accès\u00a0?")
	d.waitForText("nous vous le proposerons à nouveau lors de votre prochaine connexion")
	d.press("button", "Plus tard")
	d.waitForApp()

	// German, from the browser; and the code email follows the page.
	bernd := e.emailUser("bernd")
	g := e.newDevice(platform)
	g.speak("de-DE,de;q=0.9,en;q=0.5")
	g.open(e.trackSignIn("bernd", "signIn", nil))
	g.find("heading", "Anmelden")
	g.signInWithMailedCode(mail, bernd, "Code per E-Mail senden", "Bestätigungscode", "Bestätigen")
	if subject, text, _ := mailed(t, mail, bernd); !strings.HasPrefix(subject, "Ihr Bestätigungscode für Languages test lautet") ||
		!strings.Contains(text, "Er läuft in 10 Minuten ab.") {
		t.Errorf("German email: %q\n%s", subject, text)
	}
	g.find("heading", "Passkey erstellen")
	g.find("button", "Nicht jetzt")

	// The tenant's default language, for a browser asking for Korean.
	e.setPasskeyConfig(map[string]any{"defaultLocale": "es"})
	e.emailUser("carla")
	k := e.newDevice(platform)
	k.speak("ko-KR,ko;q=0.9")
	k.open(e.trackSignIn("carla", "signIn", nil))
	k.find("heading", "Iniciar sesión")
	k.find("button", "Enviarme un código por correo")
}

// pageShots audits and photographs hosted pages: axe-core in light and
// dark (no serious or critical violation), screenshots 360 and 1280
// pixels wide in both, written as artifacts named by locale and page,
// and every control reached by the Tab key.
type pageShots struct {
	t      *testing.T
	d      *device
	axe    string
	dir    string
	locale string
}

func (c pageShots) check(name string) {
	c.t.Helper()
	for _, scheme := range []string{"light", "dark"} {
		c.d.scheme(scheme)
		if _, err := chromedp.Run(c.d.ctx, chromedp.Evaluate[any](c.axe+";1")); err != nil {
			c.t.Fatalf("%s: load axe-core: %v", name, err)
		}
		vs, err := chromedp.Run(c.d.ctx, chromedp.Evaluate[[]axeFinding](`axe.run(document, {resultTypes: ["violations"]}).then(r =>
			r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help, nodes: v.nodes.length,
				where: v.nodes.map(n => n.target.join(" ") + ": " + (n.failureSummary || "")).join("; ")})))`, chromedp.EvalAwaitPromise))
		if err != nil {
			c.t.Fatalf("%s: run axe-core: %v", name, err)
		}
		c.t.Logf("axe-core on %s %s (%s): %d violations %v", c.locale, name, scheme, len(vs), vs)
		for _, v := range vs {
			if v.Impact == "serious" || v.Impact == "critical" {
				c.t.Errorf("%s %s page, %s: %s violation %s (%s) on %d elements: %s", c.locale, name, scheme, v.Impact, v.ID, v.Help, v.Nodes, v.Where)
			}
		}
		for _, width := range []int64{360, 1280} {
			if err := chromedp.Do(c.d.ctx, chromedp.EmulateViewport(width, 800)); err != nil {
				c.t.Fatal(err)
			}
			png, err := chromedp.Run(c.d.ctx, chromedp.FullScreenshot(100))
			if err != nil {
				c.t.Fatalf("%s: screenshot: %v", name, err)
			}
			file := filepath.Join(c.dir, fmt.Sprintf("%s-%s-%d-%s.png", c.locale, name, width, scheme))
			if err := os.WriteFile(file, png, 0o644); err != nil {
				c.t.Fatal(err)
			}
			if scroll := evalOn[int64](c.d, `document.documentElement.scrollWidth`); scroll > width {
				c.t.Errorf("%s %s page at %d px is %d px wide: it scrolls sideways", c.locale, name, width, scroll)
			}
		}
	}
	c.d.scheme("light")
	pageCheck{t: c.t, d: c.d}.keyboard(c.locale + " " + name)
}

// axeFinding is an axe-core violation with where it was found.
type axeFinding struct {
	axeViolation
	Where string `json:"where"`
}

// withoutAutofill makes the device a browser without passkey autofill
// (conditional mediation), whose passkey sign-in waits for the button;
// with it, the virtual authenticator signs in by itself.
func (d *device) withoutAutofill() {
	d.t.Helper()
	if _, err := chromedp.Call(d.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `PublicKeyCredential.isConditionalMediationAvailable = async () => false;`}); err != nil {
		d.t.Fatal(err)
	}
}

// rightToLeft checks that the page is laid out right to left: its
// direction is rtl and its heading's text sits against the card's right
// edge.
func rightToLeft(t *testing.T, d *device, name string) {
	t.Helper()
	got := evalOn[string](d, `(() => {
		const h = document.querySelector("h1"), card = document.querySelector(".card");
		const range = document.createRange(); range.selectNodeContents(h);
		const text = range.getBoundingClientRect(), box = card.getBoundingClientRect();
		const pad = parseFloat(getComputedStyle(card).paddingInlineStart);
		return getComputedStyle(document.documentElement).direction + " " +
			(Math.abs(box.right - pad - text.right) < 3 && text.left - box.left > pad + 3);
	})()`)
	if got != "rtl true" {
		t.Errorf("the %s page is not laid out right to left (direction, heading at the right edge: %s)", name, got)
	}
}

// Every hosted page, in English, Spanish, Japanese and the right-to-left
// pseudo-locale, light and dark, 360 and 1280 px wide: screenshots as
// artifacts, axe-core without a serious or critical violation, and the
// pseudo-locale laid out right to left.
func TestHostedPagesLightDarkAndRightToLeft(t *testing.T) {
	requireFiles(t, axePath)
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	e, mail := startMailEnv(t, server.WithConfirmation(time.Minute))
	e.setPasskeyConfig(map[string]any{"enrollmentPromptInterval": 604800, "enrollmentPromptAllowOptOut": true})
	dir := filepath.Join(filepath.Dir(artifactsDir(t)), "hosted-i18n")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	words := map[string]struct{ ask, box, submit, create, prompt, methods, passkeys string }{
		"en":    {"Email me a code", "Verification code", "Verify", "Create passkey", "Create a passkey", "Use another method", "Passkeys"},
		"es":    {"Enviarme un código por correo", "Código de verificación", "Verificar", "Crear llave de acceso", "Crea una llave de acceso", "Usar otro método", "Llaves de acceso"},
		"ja":    {"メールでコードを受け取る", "確認コード", "確認", "パスキーを作成", "パスキーを作成", "別の方法を使う", "パスキー"},
		"ar-XB": {rtlWord("Email me a code"), rtlWord("Verification code"), rtlWord("Verify"), rtlWord("Create passkey"), rtlWord("Create a passkey"), rtlWord("Use another method"), rtlWord("Passkeys")},
	}
	for _, locale := range []string{"en", "es", "ja", "ar-XB"} {
		w := words[locale]
		t.Run(locale, func(t *testing.T) {
			user := "user-" + strings.ToLower(locale)
			addr := e.emailUser(user)
			d := e.newDevice(platform)
			d.t = t
			d.withoutAutofill()
			c := pageShots{t: t, d: d, axe: string(axe), dir: dir, locale: locale}
			extra := map[string]any{"locale": locale}

			// A user with nothing enrolled confirms an email address.
			fresh := "new-" + strings.ToLower(locale)
			d.open(e.trackSignIn(fresh, "signIn", extra))
			d.find("textbox", map[string]string{"en": "Email address", "es": "Correo electrónico", "ja": "メールアドレス",
				"ar-XB": rtlWord("Email address")}[locale])
			c.check("enroll")

			d.open(e.trackSignIn(user, "signIn", extra))
			d.find("button", w.ask)
			c.check("challenge")
			if locale == "ar-XB" {
				rightToLeft(t, d, "challenge")
			}
			d.press("button", w.ask)
			d.find("textbox", w.box)
			c.check("code")
			code, err := mail.LastCode(addr)
			if err != nil {
				t.Fatal(err)
			}
			d.typeInto(w.box, code)
			d.press("button", w.submit)
			d.find("heading", w.prompt)
			evalOn[bool](d, `(document.querySelector("details.whatis").open = true)`)
			c.check("prompt")
			if locale == "ar-XB" {
				rightToLeft(t, d, "prompt")
			}
			d.press("button", w.create)
			d.find("link", map[string]string{"en": "Continue", "es": "Continuar", "ja": "続行", "ar-XB": rtlWord("Continue")}[locale])
			c.check("created")

			d.open(e.trackSignIn(user, "signIn", extra))
			d.press("link", w.methods)
			d.find("heading", map[string]string{"en": "Choose how to sign in", "es": "Elige cómo iniciar sesión",
				"ja": "ログイン方法を選択", "ar-XB": rtlWord("Choose how to sign in")}[locale])
			c.check("methods")

			d.open(e.trackSignIn(user, "manage", map[string]any{"locale": locale, "redirectToSettings": true}))
			d.press("button", map[string]string{"en": "Sign in with passkey", "es": "Iniciar sesión con llave de acceso",
				"ja": "パスキーでログイン", "ar-XB": rtlWord("Sign in with passkey")}[locale])
			d.find("heading", w.passkeys)
			c.check("passkeys")

			// Without a redirect URL the flow ends on a page of its own.
			alone := e.serverAPI("POST", "/v1/users/"+user+"/actions/signIn", map[string]any{"locale": locale})["url"].(string)
			d.open(alone)
			d.press("button", map[string]string{"en": "Sign in with passkey", "es": "Iniciar sesión con llave de acceso",
				"ja": "パスキーでログイン", "ar-XB": rtlWord("Sign in with passkey")}[locale])
			d.find("heading", map[string]string{"en": "You're signed in", "es": "Has iniciado sesión",
				"ja": "ログインしました", "ar-XB": rtlWord("You're signed in")}[locale])
			c.check("signed-in")

			d.speak(locale)
			d.open(e.api + "/login/passkeys?tenant=" + e.tenant.ID)
			d.find("heading", w.passkeys)
			c.check("passkeys-entry")

			d.open(e.api + "/login/email-link?t=" + e.tenant.ID)
			d.find("heading", map[string]string{"en": "This link is not valid", "es": "Este enlace no es válido",
				"ja": "このリンクは無効です", "ar-XB": rtlWord("This link is not valid")}[locale])
			c.check("email-link")

			d.open(e.api + "/login?token=not-a-token")
			d.find("heading", map[string]string{"en": "This sign-in link doesn't work", "es": "Este enlace de inicio de sesión no funciona",
				"ja": "このログインリンクは使用できません", "ar-XB": rtlWord("This sign-in link doesn't work")}[locale])
			c.check("error")
		})
	}
}

// rtlWord is English text as the right-to-left pseudo-locale writes it.
func rtlWord(s string) string { return "\u200f\u202e" + s + "\u202c\u200f" }

// statusLog records, in the tab's session storage, every text the page's
// live region says, so that the record outlives the page's navigation.
const statusLog = `(() => {
	const box = document.querySelector("[data-status]");
	if (!box) return false;
	new MutationObserver(() => {
		const said = JSON.parse(sessionStorage.getItem("said") || "[]");
		if (box.textContent) said.push(box.textContent);
		sessionStorage.setItem("said", JSON.stringify(said));
	}).observe(box, {childList: true, characterData: true, subtree: true});
	return true;
})()`

// said returns what the live regions said since the last call. The
// record is Uplift's origin's: a page elsewhere (the app) goes back there.
func (d *device) said() []string {
	d.t.Helper()
	if !strings.HasPrefix(d.url(), d.e.api+"/") {
		d.open(d.e.api + "/healthz")
	}
	got := evalOn[[]string](d, `(() => { const s = JSON.parse(sessionStorage.getItem("said") || "[]");
		sessionStorage.removeItem("said"); return s; })()`)
	return got
}

// listen starts recording the page's live region.
func (d *device) listen() {
	d.t.Helper()
	if !evalOn[bool](d, statusLog) {
		d.t.Fatalf("the page on %s has no live region", d.url())
	}
}

func sayingOf(list []string, want string) bool {
	for _, s := range list {
		if strings.Contains(s, want) {
			return true
		}
	}
	return false
}

// Every wait is said in the live region; a refused passkey creation says
// no passkey was made and offers to try again or continue; the countdown
// to a new code ticks; signing in again right after a code was used
// offers a new code once the wait is over; every error page has a way
// back to the app.
func TestHostedWaitsAndFailuresInWords(t *testing.T) {
	e, mail := startMailEnv(t, server.WithConfirmation(time.Minute))
	addr := e.emailUser("ada")
	d := e.newDevice(platform)

	// The countdown on the code page ticks, and holds "Send a new code"
	// back until it ends.
	d.open(e.trackSignIn("ada", "signIn", nil))
	d.press("button", "Email me a code")
	d.find("textbox", "Verification code")
	first := evalOn[string](d, `document.querySelector("[data-countdown]").textContent`)
	if !strings.HasPrefix(first, "You can ask for a new code in ") {
		t.Fatalf("no countdown on the code page: %q\n%s", first, d.text())
	}
	if held := evalOn[string](d, `document.querySelector("[data-after-countdown]").getAttribute("aria-disabled")`); held != "true" {
		t.Errorf("Send a new code is not held back during the countdown (aria-disabled %q)", held)
	}
	time.Sleep(1500 * time.Millisecond) // the countdown runs on the browser's clock
	if later := evalOn[string](d, `document.querySelector("[data-countdown]").textContent`); later == first {
		t.Errorf("the countdown did not tick: still %q", later)
	} else {
		t.Logf("countdown: %q, then %q", first, later)
	}

	// Signing in with the code, then creating a passkey: "Waiting for
	// your device…" while the device is asked.
	code, err := mail.LastCode(addr)
	if err != nil {
		t.Fatal(err)
	}
	d.typeInto("Verification code", code)
	d.press("button", "Verify")
	d.find("heading", "Create a passkey")
	d.listen()
	d.press("button", "Create passkey")
	d.find("heading", "Passkey created")
	if said := d.said(); !sayingOf(said, "Waiting for your device…") {
		t.Errorf("creating a passkey: the live region said %q, not that it waits for the device", said)
	}
	d.press("link", "Continue")
	d.waitForApp()

	// Signing in with the passkey's button says so too (in a browser
	// without passkey autofill, which would sign in by itself).
	d.withoutAutofill()
	d.open(e.trackSignIn("ada", "signIn", nil))
	d.find("button", "Sign in with passkey")
	d.listen()
	d.press("button", "Sign in with passkey")
	d.waitForApp()
	if said := d.said(); !sayingOf(said, "Waiting for your device…") {
		t.Errorf("passkey sign-in: the live region said %q, not that it waits for the device", said)
	}

	// A creation the device refuses (user verification fails): the page
	// says no passkey was made and offers to try again or continue.
	bob := e.emailUser("bob")
	b := e.newDevice(platform)
	b.open(e.trackSignIn("bob", "signIn", nil))
	b.signInWithMailedCode(mail, bob, "Email me a code", "Verification code", "Verify")
	b.find("heading", "Create a passkey")
	if _, err := chromedp.Call(b.ctx, webauthn.SetUserVerified, webauthn.SetUserVerifiedParams{
		AuthenticatorID: b.platform, IsUserVerified: false}); err != nil {
		t.Fatal(err)
	}
	b.listen()
	b.press("button", "Create passkey")
	b.waitForText("No passkey was made")
	b.find("link", "Continue")
	b.find("button", "Create passkey") // to try again
	if b.has("button", "Not now") {
		t.Error("after a refused creation, Not now is still offered: it would count a second dismissal")
	}
	if said := b.said(); !sayingOf(said, "Waiting for your device…") || !sayingOf(said, "No passkey was made") {
		t.Errorf("refused creation: the live region said %q", said)
	}
	if !strings.HasPrefix(b.url(), e.api+"/login/done") {
		t.Errorf("a refused creation left the page for %s", b.url())
	}
	b.press("link", "Continue")
	b.waitForApp()

	// Signing in again within the send throttle: that code was used, so
	// the page counts down to a new one and then offers it.
	c := e.newDevice(platform)
	c.open(e.trackSignIn("bob", "signIn", nil))
	c.signInWithMailedCode(mail, bob, "Email me a code", "Verification code", "Verify")
	c.find("heading", "Create a passkey")
	c.press("button", "Not now")
	c.waitForApp()
	again := e.serverAPI("POST", "/v1/users/bob/actions/signIn", map[string]any{"redirectUrl": e.app + "/callback"})["url"].(string)
	c.open(again)
	c.press("button", "Email me a code")
	c.waitForText("We sent you a code a moment ago")
	if held := evalOn[string](c, `document.querySelector("[data-after-countdown]").getAttribute("aria-disabled")`); held != "true" {
		t.Errorf("Email me a code is not held back during the wait (aria-disabled %q)\n%s", held, c.text())
	}
	wait := evalOn[int](c, `Number(document.querySelector("[data-countdown]").dataset.countdown)`)
	if wait <= 0 || wait > 30 {
		t.Fatalf("countdown of %d seconds", wait)
	}
	e.clock.Advance(time.Duration(wait+1) * time.Second) // the server's wait ends with the page's
	deadline := time.Now().Add(time.Duration(wait+5) * time.Second)
	for !strings.Contains(c.text(), "You can ask for a new code now.") {
		if time.Now().After(deadline) {
			t.Fatalf("the countdown never ended:\n%s", c.text())
		}
		time.Sleep(200 * time.Millisecond) // the page counts on the browser's clock
	}
	if held := evalOn[string](c, `document.querySelector("[data-after-countdown]").getAttribute("aria-disabled") || ""`); held != "" {
		t.Errorf("Email me a code is still held back after the countdown")
	}
	c.press("button", "Email me a code")
	c.find("textbox", "Verification code")

	// Every error page has a way back: an expired link to the app, a
	// link that names no app to the browser's history.
	expired := e.trackSignIn("bob", "signIn", nil)
	e.clock.Advance(11 * time.Minute)
	c.open(expired)
	c.find("heading", "This sign-in link has expired")
	if href := evalOn[string](c, `[...document.querySelectorAll("a")].find(a => a.textContent === "Return to the app")?.href || ""`); !strings.HasPrefix(href, e.app+"/callback") {
		t.Errorf("the expired link's way back goes to %q, want the app's callback", href)
	}
	c.open(e.api + "/login?token=not-a-token")
	c.find("heading", "This sign-in link doesn't work")
	c.press("button", "Go back")
	c.waitForURL(expired)

	// Adding a passkey on the Passkeys page waits in words too.
	c.withoutAutofill()
	c.open(e.trackSignIn("bob", "manage", map[string]any{"redirectToSettings": true}))
	c.signInWithMailedCode(mail, bob, "Email me a code", "Verification code", "Verify")
	c.find("heading", "Passkeys")
	c.listen()
	c.press("button", "Add a passkey")
	c.waitForText("Passkey added.")
	if said := c.said(); !sayingOf(said, "Waiting for your device…") {
		t.Errorf("adding a passkey: the live region said %q, not that it waits for the device", said)
	}
}
