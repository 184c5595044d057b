package hosted_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/model"
)

// trackSettings tracks an action with redirectToSettings for a user and
// returns the hosted URL's path and query.
func (e *env) trackSettings(userID string) string {
	e.t.Helper()
	e.clock.Advance(time.Minute) // codes go out at most every 30 seconds
	res, err := e.svc.Track(context.Background(), e.tenant, actions.TrackInput{UserID: userID, ActionCode: "manage",
		RedirectURL: appURL, RedirectToSettings: true})
	if err != nil {
		e.t.Fatal(err)
	}
	u, _ := url.Parse(res.URL)
	return u.RequestURI()
}

// passkeyID is the authenticator id passkeyElsewhere gives userID.
func passkeyID(userID string) string {
	return "11111111-1111-4111-8111-" + fmt.Sprintf("%012d", len(userID))
}

// openSettings signs the user in with an email code in an action tracked
// with redirectToSettings, reporting caps first when given, and returns
// the Passkeys page it leads to.
func openSettings(t *testing.T, e *env, b *browser, userID, email, caps string) page {
	t.Helper()
	path := e.trackSettings(userID)
	first := b.get(path)
	fields := first.fields(t)
	early := b.get(strings.Replace(path, "/login?", "/login/passkeys?", 1))
	if early.StatusCode != http.StatusSeeOther || !strings.HasPrefix(early.Header.Get("Location"), "/login?") {
		t.Fatalf("the Passkeys page before the challenge: status %d, Location %q; want the challenge",
			early.StatusCode, early.Header.Get("Location"))
	}
	if caps != "" {
		p := b.postJSON("/login/capabilities", fields.Get("csrf"), `{"token":"`+fields.Get("token")+`","capabilities":`+caps+`}`)
		if p.StatusCode != http.StatusNoContent {
			t.Fatalf("capabilities: status %d: %s", p.StatusCode, p.body)
		}
	}
	b.follow(b.postForm("/login/email", fields))
	done := b.follow(b.postForm("/login/verify", with(fields, "method", "EMAIL_OTP", "code", e.lastCode(email))))
	if !strings.HasPrefix(done.Header.Get("Location"), "/login/passkeys?") {
		t.Fatalf("after the challenge: status %d, Location %q; want the Passkeys page", done.StatusCode, done.Header.Get("Location"))
	}
	p := b.follow(done)
	if p.StatusCode != http.StatusOK || !strings.Contains(p.body, "<h1>Passkeys</h1>") {
		t.Fatalf("Passkeys page: status %d: %s", p.StatusCode, p.body)
	}
	return p
}

func (e *env) passkeyNames(userID string) []string {
	e.t.Helper()
	ps, err := e.st.Passkeys(context.Background(), e.tenant.ID, userID)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestPasskeysPage(t *testing.T) {
	e := newEnv(t)
	email := e.emailUser("ada")
	e.passkeyElsewhere("ada")
	id := passkeyID("ada")

	// The passkey was last used an hour later, in Firefox on Windows.
	ps, err := e.st.Passkeys(context.Background(), e.tenant.ID, "ada")
	if err != nil || len(ps) != 1 {
		t.Fatalf("passkeys = %v, %v", ps, err)
	}
	ps[0].LastVerifiedAt = ps[0].CreatedAt.Add(time.Hour)
	if err := e.st.RecordPasskeySignIn(context.Background(), ps[0], "phone",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"); err != nil {
		t.Fatal(err)
	}
	lastUsed := "Last used on Firefox on Windows, <time datetime=\"" + ps[0].LastVerifiedAt.UTC().Format(time.RFC3339) + "\">"

	without := openSettings(t, e, e.browser(), "ada", email, "")
	for _, want := range []string{`value="` + id + `"`, "Created <time", "Rename<span class=\"visually-hidden\"> Passkey</span>",
		"Remove<span class=\"visually-hidden\"> Passkey</span>", lastUsed} {
		if !without.has(want) {
			t.Errorf("Passkeys page lacks %q: %s", want, without.body)
		}
	}
	if without.has("Add a passkey") {
		t.Error("Add a passkey offered on a device that reported no platform authenticator")
	}
	if f := framingOf(without); f != denied {
		t.Errorf("framing %+v, want %+v", f, denied)
	}
	b := e.browser()
	with := openSettings(t, e, b, "ada", email, platformCaps)
	if !with.has("Add a passkey") {
		t.Errorf("Add a passkey not offered on an eligible device: %s", with.body)
	}
	if got := e.lastReasonOn("ada", deviceID(t, b)); got != "eligible" {
		t.Errorf("stored decision %q, want eligible", got)
	}
	done := regexp.MustCompile(`href="(/login/finish\?[^"]+)"`).FindStringSubmatch(with.body)
	if done == nil {
		t.Fatalf("no way back to the app: %s", with.body)
	}
	if back := b.get(htmlUnescape(done[1])); !strings.HasPrefix(back.Header.Get("Location"), appURL+"?token=") {
		t.Errorf("Done: status %d, Location %q; want the app", back.StatusCode, back.Header.Get("Location"))
	}
}

func (e *env) lastReasonOn(userID, deviceID string) string {
	e.t.Helper()
	evs, err := e.st.UpliftEvents(context.Background(), e.tenant.ID, userID, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Kind == model.UpliftEvaluated && ev.DeviceID == deviceID {
			return ev.Reason
		}
	}
	return ""
}

func TestRenamePasskeyPage(t *testing.T) {
	e := newEnv(t)
	email := e.emailUser("ada")
	e.passkeyElsewhere("ada")
	id := passkeyID("ada")
	b := e.browser()
	fields := openSettings(t, e, b, "ada", email, "").fields(t)

	refused := []struct {
		name, value string
		status      int
		says        string
	}{
		{"overlong", strings.Repeat("x", 65), http.StatusBadRequest, "The name is longer than 64 characters."},
		{"empty", "  ", http.StatusBadRequest, "The name is empty."},
		{"NUL", "Ada\x00laptop", http.StatusBadRequest, `form field "name" holds a NUL character`},
		{"control character", "Ada\x07laptop", http.StatusBadRequest, `form field "name"`},
	}
	for _, tt := range refused {
		p := b.postForm("/login/passkeys/rename", with(fields, "id", id, "name", tt.value))
		if p.StatusCode != tt.status || !p.has(tt.says) {
			t.Errorf("rename, %s: status %d, want %d saying %q: %s", tt.name, p.StatusCode, tt.status, tt.says, p.body)
		}
	}
	// What was typed stays in the field.
	long := strings.Repeat("x", 65)
	if p := b.postForm("/login/passkeys/rename", with(fields, "id", id, "name", long)); !p.has(`value="` + long + `" aria-invalid="true"`) {
		t.Errorf("the refused name is not kept in its field: %s", p.body)
	}
	if p := b.postForm("/login/passkeys/rename", with(fields, "id", id, "name", "Mine", "csrf", "AAAA")); p.StatusCode != http.StatusForbidden {
		t.Errorf("rename with a wrong CSRF field: status %d, want 403", p.StatusCode)
	}
	if p := b.postForm("/login/passkeys/rename", url.Values{"token": {fields.Get("token")}, "id": {id}, "name": {"Mine"}}); p.StatusCode != http.StatusForbidden {
		t.Errorf("rename without a CSRF field: status %d, want 403", p.StatusCode)
	}
	if got := e.passkeyNames("ada"); len(got) != 1 || got[0] != "" {
		t.Fatalf("names after refused renames = %q, want the one unnamed", got)
	}

	p := b.follow(b.postForm("/login/passkeys/rename", with(fields, "id", id, "name", " Ada's <laptop> ")))
	if !p.has("Passkey renamed.") || !strings.Contains(p.body, "<h2>Ada&#39;s &lt;laptop&gt;</h2>") {
		t.Errorf("after the rename: %s", p.body)
	}
	if got := e.passkeyNames("ada"); len(got) != 1 || got[0] != "Ada's <laptop>" {
		t.Errorf("names after the rename = %q", got)
	}
}

func TestRemovePasskeyPage(t *testing.T) {
	e := newEnv(t)
	email := e.emailUser("ada")
	e.passkeyElsewhere("ada")
	if _, err := e.st.EnsureUserHandle(context.Background(), e.tenant.ID, "ada", []byte("handle-of-ada"), e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.emailUser("bobby")
	e.passkeyElsewhere("bobby")
	b := e.browser()
	fields := openSettings(t, e, b, "ada", email, "").fields(t)

	// Another user's passkey, by its id: not found, and left alone.
	if p := b.postForm("/login/passkeys/remove", with(fields, "id", passkeyID("bobby"))); p.StatusCode != http.StatusNotFound {
		t.Errorf("removing bobby's passkey as ada: status %d, want 404", p.StatusCode)
	}
	if p := b.postForm("/login/passkeys/rename", with(fields, "id", passkeyID("bobby"), "name", "Mine")); p.StatusCode != http.StatusNotFound {
		t.Errorf("renaming bobby's passkey as ada: status %d, want 404", p.StatusCode)
	}
	if got := e.passkeyNames("bobby"); len(got) != 1 || got[0] != "" {
		t.Errorf("bobby's passkeys = %q, want his one as it was", got)
	}
	if p := b.postForm("/login/passkeys/remove", url.Values{"token": {fields.Get("token")}, "id": {passkeyID("ada")}}); p.StatusCode != http.StatusForbidden {
		t.Errorf("remove without a CSRF field: status %d, want 403", p.StatusCode)
	}

	// A link cannot make the page tell the credential manager to forget
	// a passkey the user still has.
	adaCred := base64.RawURLEncoding.EncodeToString([]byte("credential-of-ada"))
	crafted := b.get("/login/passkeys?token=" + url.QueryEscape(fields.Get("token")) + "&forget=" + adaCred)
	if crafted.StatusCode != http.StatusOK || crafted.has("data-signal-unknown") || !crafted.has(`data-signal-accepted="`+adaCred+`"`) {
		t.Errorf("a link naming a passkey ada has: status %d: %s", crafted.StatusCode, crafted.body)
	}

	// Without the email, the passkey is ada's only way in.
	auths, err := e.svc.Authenticators(context.Background(), e.tenant.ID, "ada")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range auths {
		if a.Method == model.MethodEmailOTP {
			if err := e.st.DeleteAuthenticator(context.Background(), e.tenant.ID, "ada", a.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	only := b.postForm("/login/passkeys/remove", with(fields, "id", passkeyID("ada")))
	if only.StatusCode != http.StatusConflict || !only.has("it's your only way to sign in") || !only.has("<h1>Passkeys</h1>") {
		t.Errorf("removing the only way in: status %d: %s", only.StatusCode, only.body)
	}
	if len(e.passkeyNames("ada")) != 1 {
		t.Fatal("the only way in was removed")
	}

	e.emailUser("ada")
	removed := b.postForm("/login/passkeys/remove", with(fields, "id", passkeyID("ada")))
	loc, err := url.Parse(removed.Header.Get("Location"))
	if removed.StatusCode != http.StatusSeeOther || err != nil || loc.Path != "/login/passkeys" {
		t.Fatalf("remove: status %d, Location %q", removed.StatusCode, removed.Header.Get("Location"))
	}
	if len(e.passkeyNames("ada")) != 0 {
		t.Error("the passkey is still stored")
	}
	cred := base64.RawURLEncoding.EncodeToString([]byte("credential-of-ada"))
	if loc.Query().Get("forget") != cred {
		t.Errorf("forget = %q, want the removed credential %q", loc.Query().Get("forget"), cred)
	}
	after := b.get(loc.RequestURI())
	if !after.has("Passkey removed.") || !after.has(`data-signal-unknown="`+cred+`"`) || !after.has(`data-signal-accepted=""`) {
		t.Errorf("after the removal the page does not signal it: %s", after.body)
	}

}

// TestPasskeysPageNeedsItsAction: a flow not tracked with
// redirectToSettings, or one the app's backend completed, does not open
// the page.
func TestPasskeysPageNeedsItsAction(t *testing.T) {
	e := newEnv(t)
	email := e.emailUser("ada")
	e.passkeyElsewhere("ada")
	b := e.browser()
	signIn, right := signInWithEmail(t, e, b, "ada", email, "")
	done := b.follow(right)
	if loc := done.Header.Get("Location"); !strings.HasPrefix(loc, appURL+"?token=") {
		t.Fatalf("a sign-in without redirectToSettings went to %q, want the app", loc)
	}
	loc, _ := url.Parse(done.Header.Get("Location"))
	p := b.get("/login/passkeys?token=" + url.QueryEscape(loc.Query().Get("token")))
	if p.StatusCode != http.StatusForbidden {
		t.Errorf("the Passkeys page of a sign-in: status %d, want 403: %s", p.StatusCode, p.body)
	}

	if r := b.postForm("/login/passkeys/remove", with(signIn, "id", passkeyID("ada"))); r.StatusCode != http.StatusForbidden {
		t.Errorf("remove in a sign-in flow: status %d, want 403", r.StatusCode)
	}

	res, err := e.svc.Track(context.Background(), e.tenant, actions.TrackInput{UserID: "ada", ActionCode: "manage",
		RedirectURL: appURL, RedirectToSettings: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.MoveAction(context.Background(), e.tenant.ID, "ada", "manage", res.Action.IdempotencyKey,
		model.StateChallengeSucceeded, model.SourceServerAPI); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(res.URL)
	p = b.get(strings.Replace(u.RequestURI(), "/login?", "/login/passkeys?", 1))
	if p.StatusCode != http.StatusForbidden || p.has("Rename") {
		t.Errorf("the Passkeys page of an action the backend completed: status %d, want 403: %s", p.StatusCode, p.body)
	}
	if len(e.passkeyNames("ada")) != 1 {
		t.Error("the passkey was removed")
	}
}

// TestPasskeysPageInPopup: in popup mode the page may be framed by the
// tenant's origins only, and its forms keep the mode.
func TestPasskeysPageInPopup(t *testing.T) {
	e := popupEnv(t)
	email := e.emailUser("ada")
	e.passkeyElsewhere("ada")
	b := e.browser()
	path := e.trackSettings("ada") + "&mode=popup"
	fields := b.get(path).fields(t)
	b.follow(b.postForm("/login/email", with(fields, "mode", "popup")))
	done := b.follow(b.postForm("/login/verify", with(fields, "mode", "popup", "method", "EMAIL_OTP", "code", e.lastCode(email))))
	p := b.follow(done)
	if p.StatusCode != http.StatusOK || !p.has("<h1>Passkeys</h1>") {
		t.Fatalf("Passkeys page in popup mode: status %d: %s", p.StatusCode, p.body)
	}
	checkPopupPage(t, "Passkeys", p)
	if f := framingOf(p); f != byTheApps {
		t.Errorf("framing %+v, want %+v", f, byTheApps)
	}
	renamed := b.postForm("/login/passkeys/rename", with(p.fields(t), "mode", "popup", "id", passkeyID("ada"), "name", "Mine"))
	if loc := renamed.Header.Get("Location"); !strings.Contains(loc, "mode=popup") {
		t.Errorf("after a rename in popup mode: Location %q lacks the mode", loc)
	}
}

// TestPasskeysPageStaysInItsBrowser: the page's token, or the one the app
// receives, opens nothing in another browser, and neither does the track
// url once the challenge is done.
func TestPasskeysPageStaysInItsBrowser(t *testing.T) {
	e := newEnv(t)
	email := e.emailUser("ada")
	e.passkeyElsewhere("ada")
	b := e.browser()
	fields := openSettings(t, e, b, "ada", email, "").fields(t)
	tok := url.QueryEscape(fields.Get("token"))
	if p := b.get("/login/passkeys?token=" + tok); p.StatusCode != http.StatusOK {
		t.Fatalf("the page's own token in its browser: status %d", p.StatusCode)
	}
	thief := e.browser()
	if p := thief.get("/login/passkeys?token=" + tok); p.StatusCode != http.StatusForbidden || p.has("Rename") {
		t.Errorf("the page's token in another browser: status %d, want 403: %s", p.StatusCode, p.body)
	}
	back := b.get("/login/finish?token=" + tok)
	loc, err := url.Parse(back.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), appURL+"?token=") {
		t.Fatalf("Done: Location %q", back.Header.Get("Location"))
	}
	if p := thief.get("/login/passkeys?token=" + url.QueryEscape(loc.Query().Get("token"))); p.StatusCode != http.StatusForbidden {
		t.Errorf("the app's token in another browser: status %d, want 403", p.StatusCode)
	}
	// A flow of its own, with its own CSRF field, proves nothing.
	own := thief.get(e.trackSettings("ada")).fields(t)
	if r := thief.postForm("/login/passkeys/remove", with(own, "id", passkeyID("ada"))); r.StatusCode != http.StatusForbidden {
		t.Errorf("remove in a flow whose challenge is not done: status %d, want 403", r.StatusCode)
	}
	if len(e.passkeyNames("ada")) != 1 {
		t.Error("the passkey was removed")
	}
}
