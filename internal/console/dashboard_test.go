package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/prompt"
)

// User agents of the test devices, and the platforms they report.
const (
	macUA     = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36"
	windowsUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:141.0) Gecko/20100101 Firefox/141.0"
)

// dashboardJSON mirrors GET /console/api/dashboard.
type dashboardJSON struct {
	From   string         `json:"from"`
	To     string         `json:"to"`
	Days   []dayJSON      `json:"days"`
	Funnel map[string]int `json:"funnel"`
	// Reasons and Platforms are compared as maps (see sameFigures): their
	// order is checked separately.
	Reasons   []reasonJSON   `json:"reasons"`
	Platforms []platformJSON `json:"platforms"`
}

type dayJSON struct {
	Date                   string `json:"date"`
	ActiveUsers            int    `json:"activeUsers"`
	ActiveUsersWithPasskey int    `json:"activeUsersWithPasskey"`
	SignIns                int    `json:"signIns"`
	PasskeySignIns         int    `json:"passkeySignIns"`
}

type reasonJSON struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

type platformJSON struct {
	Platform  string `json:"platform"`
	Evaluated int    `json:"evaluated"`
	Shown     int    `json:"shown"`
	Accepted  int    `json:"accepted"`
	Dismissed int    `json:"dismissed"`
	Failed    int    `json:"failed"`
}

// event is one uplift event the test recorded, for the expected funnel.
type event struct {
	date     string
	kind     model.UpliftEventKind
	reason   string
	platform string
}

// adoptionWorld drives one tenant's users through the Server and Client
// APIs and the uplift flows, remembering the uplift events it caused.
type adoptionWorld struct {
	h      *harness
	inbox  *notify.Inbox
	tenant model.Tenant
	secret string
	users  []string
	events []event
}

func (w *adoptionWorld) api(method, path string, body any) apitest.Response {
	w.h.t.Helper()
	return w.h.env.Do(w.secret, method, path, body).MustOK(w.h.t)
}

func (w *adoptionWorld) email(user string) string {
	return user + "@" + strings.ToLower(w.tenant.Name) + ".example.com"
}

// enrolEmail gives a new user a verified email authenticator.
func (w *adoptionWorld) enrolEmail(user string) {
	w.h.t.Helper()
	w.api("POST", "/v1/users/"+user+"/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": w.email(user)})
	w.users = append(w.users, user)
}

// emailSignIn signs user in with an emailed code claimed by track and
// returns the action's key and token.
func (w *adoptionWorld) emailSignIn(user, device string) (key, token string) {
	t := w.h.t
	t.Helper()
	id := w.api("POST", "/v1/challenge", map[string]any{"verificationMethod": "EMAIL_OTP", "action": "signIn",
		"email": w.email(user), "userId": user}).Str("challengeId")
	d, ok := w.inbox.Last(w.email(user))
	if !ok {
		t.Fatalf("no email to %s", w.email(user))
	}
	code := d.Subject[strings.LastIndexByte(d.Subject, ' ')+1:]
	if v := w.api("POST", "/v1/verify", map[string]any{"challengeId": id, "verificationCode": code}); v.JSON["isVerified"] != true {
		t.Fatalf("verify = %s", v.Body)
	}
	tr := w.api("POST", "/v1/users/"+user+"/actions/signIn", map[string]any{"challengeId": id, "deviceId": device})
	if tr.Str("state") != "CHALLENGE_SUCCEEDED" {
		t.Fatalf("track with the challenge = %s", tr.Body)
	}
	return tr.Str("idempotencyKey"), tr.Str("token")
}

// addPasskey registers a's credential with an action's token.
func (w *adoptionWorld) addPasskey(token string, a *authenticator) {
	t := w.h.t
	t.Helper()
	o := w.h.env.Client(token, "POST", "/v1/client/user-authenticators/passkey/registration-options",
		map[string]any{"authenticatorAttachment": "platform"}).MustOK(t)
	w.h.env.Client(token, "POST", "/v1/client/user-authenticators/passkey", map[string]any{
		"challengeId": o.Str("challengeId"), "registrationCredential": a.attest(t, o.JSON["options"])}).MustOK(t)
}

// passkeySignIn tracks a sign-in for user and completes it with a.
func (w *adoptionWorld) passkeySignIn(user, device string, a *authenticator) {
	t := w.h.t
	t.Helper()
	token := w.api("POST", "/v1/users/"+user+"/actions/signIn", map[string]any{"deviceId": device}).Str("token")
	o := w.h.env.Client(token, "POST", "/v1/client/user-authenticators/passkey/authentication-options", map[string]any{}).MustOK(t)
	w.h.env.Client(token, "POST", "/v1/client/verify/passkey", map[string]any{
		"challengeId": o.Str("challengeId"), "authenticationCredential": a.assert(t, o.JSON["options"])}).MustOK(t)
}

// device records a device's user agent and a platform authenticator.
func (w *adoptionWorld) device(id, ua string) {
	ctx := context.Background()
	now := w.h.env.Clock.Now()
	if err := w.h.env.Store.TouchDevice(ctx, model.Device{TenantID: w.tenant.ID, ID: id, UserAgent: ua, LastSeenAt: now}); err != nil {
		w.h.t.Fatal(err)
	}
	caps := map[string]any{prompt.CapPublicKeyCredential: true, prompt.CapPlatformAuthenticator: true}
	if err := w.h.env.Store.SetDeviceCapabilities(ctx, w.tenant.ID, id, caps, now); err != nil {
		w.h.t.Fatal(err)
	}
}

func (w *adoptionWorld) action(key string) model.Action {
	a, err := w.h.env.Store.Action(context.Background(), w.tenant.ID, key)
	if err != nil {
		w.h.t.Fatal(err)
	}
	return a
}

// evaluate decides the prompt after an action and remembers the reason.
func (w *adoptionWorld) evaluate(key, device, platform string) {
	dec, err := w.h.env.App.Prompt.EvaluateUplift(context.Background(), w.tenant, w.action(key), device)
	if err != nil {
		w.h.t.Fatal(err)
	}
	w.events = append(w.events, event{w.today(), model.UpliftEvaluated, string(dec.Reason), platform})
}

// record stores what happened with the prompt after an action.
func (w *adoptionWorld) record(key, device, platform string, kinds ...model.UpliftEventKind) {
	for _, k := range kinds {
		if err := w.h.env.App.Prompt.RecordUplift(context.Background(), w.tenant, w.action(key), device, k, ""); err != nil {
			w.h.t.Fatal(err)
		}
		w.events = append(w.events, event{w.today(), k, "", platform})
	}
}

func (w *adoptionWorld) today() string { return w.h.env.Clock.Now().UTC().Format("2006-01-02") }

// want computes the dashboard of the last days days from what the Server
// API reports of the world's users (their actions and passkeys) and from
// the uplift events the world recorded.
func (w *adoptionWorld) want(days int) dashboardJSON {
	t := w.h.t
	t.Helper()
	active := map[string]map[string]bool{}
	signIns, passkeySignIns := map[string]int{}, map[string]int{}
	firstPasskey := map[string]string{}
	for _, u := range w.users {
		var acts []struct{ CreatedAt, State, VerificationMethod string }
		json.Unmarshal(w.api("GET", "/v1/users/"+u+"/actions?limit=1000", nil).Body, &acts)
		for _, a := range acts {
			day := a.CreatedAt[:10]
			if active[day] == nil {
				active[day] = map[string]bool{}
			}
			active[day][u] = true
			if a.State == "CHALLENGE_SUCCEEDED" || a.VerificationMethod != "" {
				signIns[day]++
			}
			if a.VerificationMethod == "PASSKEY" {
				passkeySignIns[day]++
			}
		}
		var auths []struct{ VerificationMethod, CreatedAt string }
		json.Unmarshal(w.api("GET", "/v1/users/"+u+"/authenticators", nil).Body, &auths)
		for _, a := range auths {
			if day := a.CreatedAt[:10]; a.VerificationMethod == "PASSKEY" && (firstPasskey[u] == "" || day < firstPasskey[u]) {
				firstPasskey[u] = day
			}
		}
	}
	now := w.h.env.Clock.Now().UTC()
	first := now.AddDate(0, 0, 1-days).Format("2006-01-02")
	out := dashboardJSON{From: first, To: now.Format("2006-01-02"), Funnel: map[string]int{}}
	for d := now.AddDate(0, 0, 1-days); !d.After(now); d = d.AddDate(0, 0, 1) {
		day := dayJSON{Date: d.Format("2006-01-02"), ActiveUsers: len(active[d.Format("2006-01-02")]),
			SignIns: signIns[d.Format("2006-01-02")], PasskeySignIns: passkeySignIns[d.Format("2006-01-02")]}
		for u := range active[day.Date] {
			if p := firstPasskey[u]; p != "" && p <= day.Date {
				day.ActiveUsersWithPasskey++
			}
		}
		out.Days = append(out.Days, day)
	}
	reasons := map[string]int{}
	platforms := map[string]*platformJSON{}
	for _, e := range w.events {
		if e.date < first {
			continue
		}
		p := platforms[e.platform]
		if p == nil {
			p = &platformJSON{Platform: e.platform}
			platforms[e.platform] = p
		}
		out.Funnel[string(e.kind)]++
		switch e.kind {
		case model.UpliftEvaluated:
			reasons[e.reason]++
			p.Evaluated++
			if e.reason == "eligible" {
				out.Funnel["eligible"]++
			}
		case model.UpliftShown:
			p.Shown++
		case model.UpliftAccepted:
			p.Accepted++
		case model.UpliftDismissed:
			p.Dismissed++
		case model.UpliftFailed:
			p.Failed++
		}
	}
	for _, k := range []string{"evaluated", "eligible", "shown", "accepted", "dismissed", "optedOut", "failed"} {
		out.Funnel[k] += 0
	}
	for r, n := range reasons {
		out.Reasons = append(out.Reasons, reasonJSON{r, n})
	}
	for _, p := range platforms {
		out.Platforms = append(out.Platforms, *p)
	}
	return out
}

// dashboard fetches the JSON figures as the admin with session.
func (h *harness) dashboard(session, period string) dashboardJSON {
	h.t.Helper()
	p := h.get("/console/api/dashboard?period="+period, session)
	if p.status != 200 || !strings.HasPrefix(p.header.Get("Content-Type"), "application/json") {
		h.t.Fatalf("dashboard JSON = %d %s", p.status, p.body)
	}
	var d dashboardJSON
	if err := json.Unmarshal([]byte(p.body), &d); err != nil {
		h.t.Fatal(err)
	}
	return d
}

// sameFigures compares dashboards; reasons and platforms in any order.
var sameFigures = cmp.Options{
	cmp.Transformer("reasons", func(rs []reasonJSON) map[string]int {
		m := map[string]int{}
		for _, r := range rs {
			m[r.Reason] = r.Count
		}
		return m
	}),
	cmp.Transformer("platforms", func(ps []platformJSON) map[string]platformJSON {
		m := map[string]platformJSON{}
		for _, p := range ps {
			m[p.Platform] = p
		}
		return m
	}),
}

// TestDashboardFiguresMatchWhatHappened scripts ten days of two tenants
// through the real flows and compares the dashboard, as JSON and as a
// page, with the figures recomputed from the Server API and with the
// store's own queries.
func TestDashboardFiguresMatchWhatHappened(t *testing.T) {
	inbox := notify.NewInbox(nil, 0, nil)
	env := apitest.NewWith(t, apitest.Options{Email: inbox})
	acmeTenant, acmeSecret := env.Tenant("Acme")
	globexTenant, globexSecret := env.Tenant("Globex")
	h := &harness{t: t, env: env, tenant: acmeTenant, secret: acmeSecret}
	acme := &adoptionWorld{h: h, inbox: inbox, tenant: acmeTenant, secret: acmeSecret}
	globex := &adoptionWorld{h: h, inbox: inbox, tenant: globexTenant, secret: globexSecret}
	const (
		shown, accepted, dismissed, failed = model.UpliftShown, model.UpliftAccepted, model.UpliftDismissed, model.UpliftFailed
	)
	// Start at 01:00 UTC of a day, so each day's steps stay on that day.
	start := env.Clock.Now().UTC()
	env.Clock.Advance(start.Truncate(24 * time.Hour).Add(25 * time.Hour).Sub(start))
	day0 := env.Clock.Now().UTC()
	adaPasskey, bobPasskey, cyPasskey := newAuthenticator(), newAuthenticator(), newAuthenticator()

	// Day 0: three users sign in by email; Ada adds a passkey; Bob
	// dismisses the prompt.
	for _, u := range []string{"ada", "bob", "cy"} {
		acme.enrolEmail(u)
	}
	ada, adaToken := acme.emailSignIn("ada", "ada-mac")
	acme.addPasskey(adaToken, adaPasskey)
	bob, _ := acme.emailSignIn("bob", "bob-win")
	acme.device("ada-mac", macUA)
	acme.device("bob-win", windowsUA)
	acme.evaluate(ada, "ada-mac", "macOS")
	acme.evaluate(bob, "bob-win", "Windows")
	acme.record(bob, "bob-win", "Windows", shown, dismissed)

	// Day 8: Ada signs in with her passkey; Cy accepts the prompt.
	env.Clock.Advance(8 * 24 * time.Hour)
	acme.passkeySignIn("ada", "ada-mac", adaPasskey)
	cy, cyToken := acme.emailSignIn("cy", "cy-mac")
	acme.device("cy-mac", macUA)
	acme.evaluate(cy, "cy-mac", "macOS")
	acme.record(cy, "cy-mac", "macOS", shown, accepted)
	acme.addPasskey(cyToken, cyPasskey)

	// Day 9, today: Bob's first registration fails, his second works;
	// Dave, with nothing enrolled, is tracked on a device never seen.
	env.Clock.Advance(24 * time.Hour)
	bob, bobToken := acme.emailSignIn("bob", "bob-win")
	acme.evaluate(bob, "bob-win", "Windows")
	acme.record(bob, "bob-win", "Windows", shown, failed, accepted)
	acme.addPasskey(bobToken, bobPasskey)
	dave := acme.api("POST", "/v1/users/dave/actions/signIn", map[string]any{"deviceId": "dave-phone"}).Str("idempotencyKey")
	acme.users = append(acme.users, "dave")
	acme.evaluate(dave, "dave-phone", "")

	// Globex has a user of the same id, a passkey and a prompt today.
	globex.enrolEmail("ada")
	g, gToken := globex.emailSignIn("ada", "g-mac")
	globex.addPasskey(gToken, newAuthenticator())
	globex.device("g-mac", macUA)
	globex.evaluate(g, "g-mac", "macOS")
	globex.record(g, "g-mac", "macOS", shown)

	session := h.admin()
	_, globexSession := h.enrol(globexTenant.ID, "Gus")

	// The script did what it says: the figures the rest relies on.
	want30 := acme.want(30)
	if d := want30.Days; d[20] != (dayJSON{Date: day0.Format("2006-01-02"), ActiveUsers: 2, ActiveUsersWithPasskey: 1, SignIns: 2}) ||
		d[28].ActiveUsersWithPasskey != 2 || d[28].PasskeySignIns != 1 || d[29].ActiveUsers != 2 || d[29].ActiveUsersWithPasskey != 1 {
		t.Fatalf("the scripted days are not as planned: %+v", d[20:])
	}

	for _, tt := range []struct {
		period string
		days   int
	}{{"7", 7}, {"30", 30}, {"90", 90}, {"", 30}} {
		got := h.dashboard(session, tt.period)
		if diff := cmp.Diff(got, acme.want(tt.days), sameFigures); diff != "" {
			t.Errorf("period %q: dashboard JSON (-got +want):\n%s", tt.period, diff)
		}
		checkStoreAgrees(t, h, acmeTenant.ID, got)
	}
	if got := h.dashboard(globexSession, "30"); !cmp.Equal(got, globex.want(30), sameFigures) {
		t.Errorf("Globex's dashboard = %+v, want %+v", got, globex.want(30))
	}

	// Most frequent reasons and busiest platforms first.
	got := h.dashboard(session, "30")
	for i := 1; i < len(got.Reasons); i++ {
		if got.Reasons[i].Count > got.Reasons[i-1].Count {
			t.Errorf("reasons out of order: %+v", got.Reasons)
		}
	}
	if len(got.Platforms) != 3 || got.Platforms[2].Platform != "" {
		t.Errorf("platforms = %+v, want Unknown (one evaluation) last", got.Platforms)
	}

	// The page shows the same figures.
	p := h.get("/console/", session)
	if f := os.Getenv("DASH_DUMP"); f != "" {
		os.WriteFile(f, []byte(p.body), 0o644)
		j := h.get("/console/api/dashboard", session)
		os.WriteFile(f+".json", []byte(j.body), 0o644)
	}
	if p.status != 200 {
		t.Fatalf("dashboard page = %d", p.status)
	}
	date := func(iso string) string {
		d, _ := time.Parse("2006-01-02", iso)
		return d.Format("2 Jan 2006")
	}
	share := func(part, whole int) string { return fmt.Sprintf("%.0f%%", float64(part)*100/float64(whole)) }
	var signIns, passkeySignIns int
	wants := []string{`<option value="30" selected>Last 30 days</option>`, `<label for="period">Period</label>`,
		`<button type="submit" data-autosubmit-button>Show</button>`}
	for _, d := range want30.Days {
		signIns, passkeySignIns = signIns+d.SignIns, passkeySignIns+d.PasskeySignIns
		if d.ActiveUsers > 0 {
			wants = append(wants, fmt.Sprintf(`<tr><td>%s</td><td class="num">%d</td><td class="num">%d</td><td class="num">%s</td></tr>`,
				date(d.Date), d.ActiveUsers, d.ActiveUsersWithPasskey, share(d.ActiveUsersWithPasskey, d.ActiveUsers)))
		}
		if d.SignIns > 0 {
			wants = append(wants, fmt.Sprintf(`<tr><td>%s</td><td class="num">%d</td><td class="num">%d</td><td class="num">%s</td></tr>`,
				date(d.Date), d.SignIns, d.PasskeySignIns, share(d.PasskeySignIns, d.SignIns)))
		}
	}
	today := want30.Days[29]
	wants = append(wants,
		fmt.Sprintf(`<p class="stat">%s</p>`, share(today.ActiveUsersWithPasskey, today.ActiveUsers)),
		fmt.Sprintf("%d of %d active users on %s", today.ActiveUsersWithPasskey, today.ActiveUsers, date(today.Date)),
		fmt.Sprintf(`<p class="stat">%s</p>`, share(passkeySignIns, signIns)),
		fmt.Sprintf("%d of %d sign-ins in the last 30 days", passkeySignIns, signIns))
	for _, r := range want30.Reasons {
		wants = append(wants, fmt.Sprintf(`<code>%s</code></td><td class="num">%d</td>`, r.Reason, r.Count))
	}
	for _, pl := range want30.Platforms {
		name, rate := pl.Platform, "—"
		if name == "" {
			name = "Unknown"
		}
		if pl.Shown > 0 {
			rate = share(pl.Accepted, pl.Shown)
		}
		wants = append(wants, fmt.Sprintf(`<tr><td>%s</td><td class="num">%d</td><td class="num">%d</td><td class="num">%d</td><td class="num">%d</td><td class="num">%d</td><td class="num">%s</td></tr>`,
			name, pl.Evaluated, pl.Shown, pl.Accepted, pl.Dismissed, pl.Failed, rate))
	}
	for _, step := range []string{"evaluated", "eligible", "shown", "accepted", "dismissed", "failed"} {
		wants = append(wants, fmt.Sprintf(`<td>%s</td><td class="num">%d</td>`, strings.ToUpper(step[:1])+step[1:], want30.Funnel[step]))
	}
	for _, w := range wants {
		if !strings.Contains(p.body, w) {
			t.Errorf("the dashboard page lacks %s", w)
		}
	}
	// Five charts (coverage, sign-ins, funnel, attempts, methods), each
	// drawn for a phone and for a wide card.
	if n := strings.Count(p.body, `role="img"`); n != 10 || strings.Count(p.body, `class="chart-narrow"`) != 5 {
		t.Errorf("the page has %d chart drawings, want 10 (five charts, two drawings each)", n)
	}
	if strings.Contains(p.body, "style=") || strings.Contains(p.body, "Globex") {
		t.Error("the page has a style attribute or names another tenant")
	}
	// Seven days leave out day 0.
	if p := h.get("/console/?period=7", session); !strings.Contains(p.body, `<option value="7" selected>`) ||
		strings.Contains(p.body, date(want30.Days[20].Date)) {
		t.Errorf("the seven-day page shows day 0 or does not select its period")
	}
}

// checkStoreAgrees compares the JSON figures with the store's queries.
func checkStoreAgrees(t *testing.T, h *harness, tenantID string, got dashboardJSON) {
	t.Helper()
	from, _ := time.Parse("2006-01-02", got.From)
	to, _ := time.Parse("2006-01-02", got.To)
	days, err := h.env.Store.AdoptionByDay(context.Background(), tenantID, from, to.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	var nonZero []dayJSON
	for _, d := range got.Days {
		if d != (dayJSON{Date: d.Date}) {
			nonZero = append(nonZero, d)
		}
	}
	var fromStore []dayJSON
	for _, d := range days {
		fromStore = append(fromStore, dayJSON{Date: d.Day.Format("2006-01-02"), ActiveUsers: d.ActiveUsers,
			ActiveUsersWithPasskey: d.ActiveUsersWithPasskey, SignIns: d.SignIns, PasskeySignIns: d.PasskeySignIns})
	}
	if diff := cmp.Diff(nonZero, fromStore); diff != "" {
		t.Errorf("JSON days differ from the store's (-json +store):\n%s", diff)
	}
	counts, err := h.env.Store.UpliftEventCounts(context.Background(), tenantID, from, to.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	total := map[string]int{}
	for _, c := range counts {
		total[string(c.Kind)] += c.Count
	}
	for _, k := range []string{"evaluated", "shown", "accepted", "dismissed", "failed"} {
		if got.Funnel[k] != total[k] {
			t.Errorf("funnel %s = %d, the store counts %d", k, got.Funnel[k], total[k])
		}
	}
}

func TestDashboardWithoutData(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	p := h.get("/console/?period=7", s)
	if p.status != 200 {
		t.Fatalf("dashboard = %d", p.status)
	}
	for _, want := range []string{"No sign-ins in this period yet.", "No active users in this period yet.",
		"No passkey prompts were evaluated in this period yet.", `<option value="7" selected>Last 7 days</option>`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the empty dashboard lacks %q", want)
		}
	}
	if strings.Contains(p.body, "<svg") {
		t.Error("the empty dashboard draws a chart")
	}
	raw := h.get("/console/api/dashboard", s).body
	if !strings.Contains(raw, `"reasons":[]`) || !strings.Contains(raw, `"platforms":[]`) {
		t.Errorf("empty lists are not [] in %s", raw)
	}
	d := h.dashboard(s, "")
	today := h.env.Clock.Now().UTC().Format("2006-01-02")
	if len(d.Days) != 30 || d.To != today || d.Days[29].Date != today || d.Days[0].Date != d.From {
		t.Errorf("days = %d from %s to %s, want 30 ending %s", len(d.Days), d.From, d.To, today)
	}
	for _, day := range d.Days {
		if day != (dayJSON{Date: day.Date}) {
			t.Errorf("day %+v is not zero", day)
		}
	}
	if len(d.Funnel) != 7 || d.Funnel["evaluated"] != 0 {
		t.Errorf("funnel = %v", d.Funnel)
	}
}

func TestDashboardRefusesUnknownPeriods(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	for _, period := range []string{"14", "abc", "-7", "0", "30.0"} {
		p := h.get("/console/?period="+period, s)
		if p.status != 400 || !strings.Contains(p.body, `aria-invalid="true" aria-describedby="period-error"`) ||
			!strings.Contains(p.body, `id="period-error"`) || strings.Contains(p.body, "<svg") {
			t.Errorf("page with period %q = %d, want 400 with the error by the field", period, p.status)
		}
		if j := h.get("/console/api/dashboard?period="+period, s); j.status != 400 || !strings.Contains(j.body, `"error":"invalid_request"`) {
			t.Errorf("JSON with period %q = %d %s, want 400", period, j.status, j.body)
		}
	}
}
