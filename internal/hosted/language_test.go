package hosted_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/policy"
)

// getIn requests a page as a browser asking for lang does.
func (b *browser) getIn(path, lang string) page {
	b.e.t.Helper()
	req, err := http.NewRequest("GET", b.e.srv.URL+path, nil)
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Accept-Language", lang)
	res, err := b.client.Do(req)
	return b.read(res, err)
}

// trackIn tracks a sign-in for the user with track's locale.
func (e *env) trackIn(userID, locale string) string {
	e.t.Helper()
	res, err := e.svc.Track(context.Background(), e.tenant, actions.TrackInput{UserID: userID, ActionCode: "signIn",
		RedirectURL: appURL, Locale: locale})
	if err != nil {
		e.t.Fatal(err)
	}
	u, _ := url.Parse(res.URL)
	return u.RequestURI()
}

// The pages speak track's locale first, then the browser's language, then
// the tenant's default; the code email speaks the page's language.
func TestPagesInTheUsersLanguage(t *testing.T) {
	e := newEnv(t)
	email := e.emailUser("ada")
	b := e.browser()

	fr := b.getIn(e.trackIn("ada", "fr-FR"), "de")
	if !fr.has(`<html lang="fr" dir="ltr">`) || !fr.has("<h1>Connexion</h1>") || !fr.has("Recevoir un code par e-mail") {
		t.Fatalf("track's locale fr-FR: %s", fr.body)
	}
	code := b.follow(b.postForm("/login/email", fr.fields(t)))
	if !code.has("Nous avons envoyé un code à 6 chiffres à a•••@example.com.") || !code.has("Code de vérification") {
		t.Errorf("French code page: %s", code.body)
	}
	if d, ok := e.inbox.Last(email); !ok || !strings.HasPrefix(d.Subject, "Votre code de vérification Hosted test est ") ||
		!strings.Contains(d.Text, "Il expire dans 10\u00a0minutes.") {
		t.Errorf("the email of a French page: %+v", d)
	}

	e.emailUser("bob")
	de := e.browser().getIn(e.trackIn("bob", ""), "de-CH,de;q=0.9,en;q=0.8")
	if !de.has(`<html lang="de" dir="ltr">`) || !de.has("<h1>Anmelden</h1>") || !de.has("Code per E-Mail senden") {
		t.Errorf("Accept-Language de: %s", de.body)
	}

	if _, err := e.policy.UpdatePasskeySettings(context.Background(), e.tenant.ID, func(ps *policy.PasskeySettings) {
		ps.Passkey.DefaultLocale = "ja"
	}); err != nil {
		t.Fatal(err)
	}
	e.emailUser("chie")
	ja := e.browser().getIn(e.trackIn("chie", ""), "ko-KR,ko;q=0.9")
	if !ja.has(`<html lang="ja" dir="ltr">`) || !ja.has("<h1>ログイン</h1>") {
		t.Errorf("tenant default ja for a Korean browser: %s", ja.body)
	}
	en := e.browser().getIn(e.trackIn("chie", ""), "en-GB")
	if !en.has(`<html lang="en" dir="ltr">`) || !en.has("<h1>Sign in</h1>") {
		t.Errorf("an English browser with a Japanese tenant default: %s", en.body)
	}

	rtl := e.browser().getIn(e.trackIn("chie", "ar-XB"), "en")
	if !rtl.has(`<html lang="ar-XB" dir="rtl">`) {
		t.Errorf("the right-to-left pseudo-locale: %s", rtl.body[:400])
	}
}

// The code page counts down to when a new code may be asked for; past
// the wait it offers one at once.
func TestCodePageCountsDown(t *testing.T) {
	e := newEnv(t)
	e.emailUser("ada")
	path, _ := e.track("ada")
	b := e.browser()
	fields := b.get(path).fields(t)
	code := b.follow(b.postForm("/login/email", fields))
	if !code.has(`data-countdown="30">You can ask for a new code in 30 seconds.</p>`) ||
		!code.has(`class="secondary" data-after-countdown>Send a new code</button>`) {
		t.Errorf("code page just after sending: %s", code.body)
	}
	e.clock.Advance(20 * time.Second)
	if later := b.get(code.Request.URL.RequestURI()); !later.has(`data-countdown="10">You can ask for a new code in 10 seconds.`) {
		t.Errorf("20 seconds later: %s", later.body)
	}
	e.clock.Advance(11 * time.Second)
	if done := b.get(code.Request.URL.RequestURI()); done.has("data-countdown") || done.has("data-after-countdown") {
		t.Errorf("after the wait the page still counts down: %s", done.body)
	}
}

// Signing in again within the send throttle, after the last code was
// used: the challenge page counts down and holds the method's button
// until a new code may be sent (it offered no code box before).
func TestRecentlyUsedCodeOffersANewOne(t *testing.T) {
	e := newEnv(t)
	email := e.emailUser("ada")
	b := e.browser()
	_, right := signInWithEmail(t, e, b, "ada", email, "")
	if right.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: status %d", right.StatusCode)
	}
	path, _ := e.track("ada")
	fields := b.get(path).fields(t)
	again := b.follow(b.postForm("/login/email", fields))
	if !again.has("We sent you a code a moment ago.") || !again.has(`data-countdown="30"`) ||
		!again.has(`class="primary" data-after-countdown>Email me a code</button>`) {
		t.Errorf("signing in again at once: %s", again.body)
	}
}

// Every error page offers the way back to the app: an expired link to
// where the action would have returned, a link whose action is gone to
// the tenant's origin, and one naming no tenant to the browser's history.
func TestErrorPagesLeadBackToTheApp(t *testing.T) {
	e := newEnv(t)
	e.emailUser("ada")
	path, _ := e.track("ada")
	e.clock.Advance(11 * time.Minute)
	expired := e.browser().get(path)
	if expired.StatusCode != http.StatusUnauthorized || !expired.has("This sign-in link has expired") ||
		!expired.has(`<a class="button secondary" href="`+appURL+`">Return to the app</a>`) {
		t.Errorf("expired link: status %d: %s", expired.StatusCode, expired.body)
	}
	forged := e.browser().get(strings.Replace(path, "token=", "token=x", 1))
	if !forged.has("This sign-in link doesn't work") || forged.has("Return to the app") ||
		!forged.has(`data-history-back hidden>Go back</button>`) {
		t.Errorf("a link no tenant signed: %s", forged.body)
	}
	de := e.browser().getIn("/login?token=not-a-token", "de")
	if !de.has(`<html lang="de"`) || !de.has("Dieser Anmeldelink funktioniert nicht") {
		t.Errorf("a broken link for a German browser: %s", de.body)
	}
}

// Under "Not now" the prompt says when it comes back, as the decision
// would: the next sign-in, the interval, the interval doubled by back-off
// after a dismissal, or never on this device at the dismissal limit.
func TestPromptSaysWhenNotNowBringsItBack(t *testing.T) {
	e := newEnv(t)
	email := e.emailUser("ada")
	b := e.browser()
	prompt := func() page {
		t.Helper()
		e.clock.Advance(time.Minute)
		_, right := signInWithEmail(t, e, b, "ada", email, platformCaps)
		p := b.follow(right)
		if !p.has("<h1>Create a passkey</h1>") {
			t.Fatalf("no prompt: %s", p.body)
		}
		if !p.has("What's a passkey?") || !p.has(`class="illustration"`) || !p.has(`aria-hidden="true"`) {
			t.Errorf("the prompt lacks its picture or its disclosure: %s", p.body)
		}
		return p
	}
	set := func(change func(*policy.PasskeySettings)) {
		t.Helper()
		if _, err := e.policy.UpdatePasskeySettings(context.Background(), e.tenant.ID, change); err != nil {
			t.Fatal(err)
		}
	}
	if p := prompt(); !p.has("If you choose Not now, we'll ask again the next time you sign in.") {
		t.Errorf("every challenge: %s", p.body)
	}
	set(func(ps *policy.PasskeySettings) {
		ps.Passkey.EnrollmentPromptInterval = 86400
		ps.Passkey.EnrollmentPromptBackoff = true
	})
	p := prompt()
	if !p.has("If you choose Not now, we'll ask again in 1 day.") {
		t.Errorf("once a day, no dismissal yet: %s", p.body)
	}
	b.follow(b.postForm("/login/prompt", with(p.fields(t), "choice", "dismiss")))
	e.clock.Advance(25 * time.Hour)
	if p := prompt(); !p.has("If you choose Not now, we'll ask again in 2 days.") {
		t.Errorf("once a day with back-off, after one dismissal: %s", p.body)
	}
	set(func(ps *policy.PasskeySettings) { ps.Passkey.EnrollmentPromptMaxDismissals = 2 })
	if p := prompt(); !p.has("If you choose Not now, we won't ask again on this device.") {
		t.Errorf("one dismissal left before the limit: %s", p.body)
	}
}
