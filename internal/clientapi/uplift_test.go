package clientapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/pgtest"
	"github.com/uplift-dev/uplift/internal/prompt"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/token"
)

// platformCaps is what a browser with a platform authenticator reports.
var platformCaps = map[string]any{"publicKeyCredential": true, "isUserVerifyingPlatformAuthenticatorAvailable": true}

// decide asks the Client API for the uplift decision.
func (h *harness) decide(tok string, body map[string]any, hdr ...string) reply {
	h.t.Helper()
	return h.do("POST", "/v1/client/uplift/decision", bearer(tok), body, hdr...)
}

// promptEvent reports what became of a prompt.
func (h *harness) promptEvent(tok string, body map[string]any, hdr ...string) reply {
	h.t.Helper()
	return h.do("POST", "/v1/client/uplift/events", bearer(tok), body, hdr...)
}

// passkeyConfig changes the tenant's passkey configuration.
func (h *harness) passkeyConfig(change map[string]any) {
	h.t.Helper()
	h.must(h.do("PATCH", "/v1/management/authenticator-configurations/passkey", h.secretAuth(), change), 200)
}

// promptEvents lists the user's uplift events on the device, oldest
// first, as "kind/surface" (with the reason of evaluated events).
func (h *harness) promptEvents(userID, deviceID string) []string {
	h.t.Helper()
	evs, err := h.store.UpliftEvents(context.Background(), h.tenant.ID, userID, 100)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		if e.DeviceID != deviceID {
			continue
		}
		s := string(e.Kind) + "/" + string(e.Surface)
		if e.Reason != "" {
			s += "/" + e.Reason
		}
		out = append(out, s)
	}
	return out
}

// registerOn registers d for the token's user on a device, as the web
// component does.
func (h *harness) registerOn(tok, deviceID string, d *passkeyDevice) reply {
	h.t.Helper()
	o := h.must(h.do("POST", "/v1/client/user-authenticators/passkey/registration-options", bearer(tok),
		map[string]any{"authenticatorAttachment": "platform", "hints": []string{"client-device"}}), 200)
	return h.do("POST", "/v1/client/user-authenticators/passkey", bearer(tok), map[string]any{
		"challengeId": o.str("challengeId"), "registrationCredential": d.attest(h.t, o.body["options"]),
		"deviceId": deviceID,
	}, "User-Agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36")
}

func TestUpliftDecisionAndAcceptance(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testUpliftDecisionAndAcceptance(t, newHarness(t)) })
	t.Run("postgres", func(t *testing.T) { testUpliftDecisionAndAcceptance(t, newHarnessOn(t, pgtest.URL(t), nil)) })
}

// testUpliftDecisionAndAcceptance: after the app's own sign-in, a token
// tracked with add:authenticators gets the prompt on a device with a
// platform authenticator, in the tenant's copy; shown is recorded, the
// registration that follows records accepted on the component's surface,
// and the next decision and the diagnosis say passkey_on_device.
func testUpliftDecisionAndAcceptance(t *testing.T, h *harness) {
	h.passkeyConfig(map[string]any{"recoveryMethods": []string{}})
	tok := h.track("ada", "signIn", map[string]any{"scope": "add:authenticators", "deviceId": "laptop"})

	dec := h.must(h.decide(tok, map[string]any{"capabilities": platformCaps, "surface": "component"},
		"User-Agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36"), 200)
	if dec.body["show"] != true || dec.str("reason") != "eligible" || dec.str("deviceId") != "laptop" {
		t.Fatalf("decision = %s; want show, eligible, for the token's device", dec.raw)
	}
	cp, _ := dec.body["copy"].(map[string]any)
	if cp["heading"] != model.DefaultPromptHeading || cp["body"] != model.DefaultPromptExplanation ||
		cp["create"] != "Create passkey" || cp["dismiss"] != "Not now" || cp["optOut"] != nil || cp["language"] != "en" {
		t.Errorf("copy = %v", cp)
	}
	if cp["later"] != "If you choose Not now, we'll ask again the next time you sign in." || cp["continue"] != "Continue" {
		t.Errorf("copy = %v; want when Not now brings the prompt back, and the way on", cp)
	}
	if _, ok := dec.body["nextEligibleAt"]; ok || dec.body["allowOptOut"] != false {
		t.Errorf("decision = %s; want no nextEligibleAt and no opt-out", dec.raw)
	}
	h.clock.Advance(time.Second)
	h.must(h.promptEvent(tok, map[string]any{"event": "shown", "surface": "component"}), 204)
	h.clock.Advance(time.Second)
	h.must(h.registerOn(tok, "laptop", newPasskeyDevice(defaultDevice)), 200)
	h.clock.Advance(time.Second)

	want := []string{"evaluated/component/eligible", "shown/component", "accepted/component"}
	if got := h.promptEvents("ada", "laptop"); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("events = %v, want %v", got, want)
	}
	again := h.must(h.decide(tok, map[string]any{"surface": "component"}), 200)
	if again.body["show"] != false || again.str("reason") != "passkey_on_device" {
		t.Errorf("the next decision = %s, want passkey_on_device", again.raw)
	}
	dg := h.diagnosis("ada", "laptop")
	if dg.str("reason") != "passkey_on_device" {
		t.Errorf("diagnosis = %s", dg.raw)
	}
	evs, _ := dg.body["events"].([]any)
	if len(evs) != 4 || evs[1].(map[string]any)["kind"] != "accepted" || evs[1].(map[string]any)["surface"] != "component" {
		t.Errorf("the diagnosis's events = %v; want the accepted prompt of the component among them", evs)
	}

	// A passkey the app adds without a prompt (its own settings page)
	// is no prompt's acceptance.
	other := h.track("ada", "settings", map[string]any{"scope": "add:authenticators", "deviceId": "phone"})
	h.must(h.registerOn(other, "phone", newPasskeyDevice(defaultDevice)), 200)
	if got := h.promptEvents("ada", "phone"); len(got) != 0 {
		t.Errorf("a registration without a prompt recorded %v", got)
	}
}

func TestUpliftDismissalAndFrequency(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testUpliftDismissalAndFrequency(t, newHarness(t)) })
	t.Run("postgres", func(t *testing.T) { testUpliftDismissalAndFrequency(t, newHarnessOn(t, pgtest.URL(t), nil)) })
}

// testUpliftDismissalAndFrequency: "Not now" in an app's prompt holds the
// prompt back for the tenant's interval on that device, shows in the
// diagnosis, and in the funnel by where shown; "Don't ask again" holds on
// every device.
func testUpliftDismissalAndFrequency(t *testing.T, h *harness) {
	h.passkeyConfig(map[string]any{"recoveryMethods": []string{}, "enrollmentPromptInterval": 86400,
		"enrollmentPromptAllowOptOut": true})
	tok := h.track("ada", "signIn", map[string]any{"scope": "add:authenticators"})
	body := map[string]any{"deviceId": "tablet", "capabilities": platformCaps}

	dec := h.must(h.decide(tok, body), 200)
	if dec.body["show"] != true || dec.body["allowOptOut"] != true || dec.body["copy"].(map[string]any)["optOut"] != "Don't ask again" ||
		dec.body["copy"].(map[string]any)["later"] != "If you choose Not now, we'll ask again in 1 day." {
		t.Fatalf("decision = %s; want the prompt with Don't ask again, and Not now for a day", dec.raw)
	}
	h.must(h.promptEvent(tok, map[string]any{"event": "shown", "deviceId": "tablet"}), 204)
	h.must(h.promptEvent(tok, map[string]any{"event": "dismissed", "deviceId": "tablet"}), 204)
	dismissedAt := h.clock.Now()

	dec = h.must(h.decide(tok, map[string]any{"deviceId": "tablet"}), 200)
	next := dismissedAt.Add(24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	if dec.body["show"] != false || dec.str("reason") != "frequency_not_elapsed" || dec.str("nextEligibleAt") != next {
		t.Errorf("after Not now: %s; want frequency_not_elapsed until %s", dec.raw, next)
	}
	dg := h.diagnosis("ada", "tablet")
	if dg.body["dismissals"] != float64(1) || dg.str("lastDismissedAt") == "" || dg.str("nextEligibleAt") != next {
		t.Errorf("diagnosis = %s; want the dismissal", dg.raw)
	}

	h.clock.Advance(24*time.Hour + time.Second)
	tok = h.track("ada", "signIn", map[string]any{"scope": "add:authenticators"})
	if dec := h.must(h.decide(tok, map[string]any{"deviceId": "tablet"}), 200); dec.body["show"] != true {
		t.Errorf("a day later: %s; want the prompt again", dec.raw)
	}
	h.must(h.promptEvent(tok, map[string]any{"event": "shown", "deviceId": "tablet"}), 204)
	h.must(h.promptEvent(tok, map[string]any{"event": "opted_out", "deviceId": "tablet"}), 204)
	if dec := h.must(h.decide(tok, map[string]any{"deviceId": "desktop", "capabilities": platformCaps}), 200); dec.str("reason") != "opted_out" {
		t.Errorf("after Don't ask again, another device: %s; want opted_out", dec.raw)
	}

	p, err := h.app.Prompt.LastDays(7)
	if err != nil {
		t.Fatal(err)
	}
	an, err := h.app.Prompt.Analytics(context.Background(), h.tenant.ID, p, prompt.ReportBreakdowns)
	if err != nil {
		t.Fatal(err)
	}
	var api *prompt.BreakdownRow
	for i, r := range an.Breakdowns {
		if r.Dimension == prompt.DimensionSurface {
			if r.Value != "API" || api != nil {
				t.Errorf("unexpected where-shown row %+v", r)
			}
			api = &an.Breakdowns[i]
		}
	}
	want := prompt.BreakdownRow{Dimension: prompt.DimensionSurface, Value: "API", Evaluated: 4, Eligible: 2,
		Shown: 2, Dismissed: 1, OptedOut: 1}
	if api == nil || *api != want {
		t.Errorf("where shown = %+v, want %+v", api, want)
	}
}

// TestUpliftDeviceHoldsPasskey: a registration refused because the
// device's authenticator already holds one of the user's passkeys
// (InvalidStateError) marks the device, as on the hosted pages.
func TestUpliftDeviceHoldsPasskey(t *testing.T) {
	h := newHarness(t)
	h.passkeyConfig(map[string]any{"recoveryMethods": []string{}})
	tok := h.track("ada", "signIn", map[string]any{"scope": "add:authenticators", "deviceId": "laptop"})
	h.must(h.registerOn(tok, "laptop", newPasskeyDevice(defaultDevice)), 200)

	tok = h.track("ada", "signIn", map[string]any{"scope": "add:authenticators", "deviceId": "phone"})
	if dec := h.must(h.decide(tok, map[string]any{"capabilities": platformCaps}), 200); dec.body["show"] != true {
		t.Fatalf("phone: %s", dec.raw)
	}
	h.clock.Advance(time.Second)
	h.must(h.promptEvent(tok, map[string]any{"event": "shown"}), 204)
	h.must(h.promptEvent(tok, map[string]any{"event": "failed", "cause": "InvalidStateError"}), 204)
	h.clock.Advance(time.Second)
	if dec := h.must(h.decide(tok, nil), 200); dec.str("reason") != "passkey_on_device" {
		t.Errorf("after InvalidStateError: %s; want passkey_on_device", dec.raw)
	}
	h.clock.Advance(time.Second)
	h.must(h.promptEvent(tok, map[string]any{"event": "failed", "cause": "NotSupportedError"}), 204)
	got := h.promptEvents("ada", "phone")
	if last := got[len(got)-1]; last != "failed/api" {
		t.Errorf("events = %v; want the failure last", got)
	}
}

// TestUpliftRefusals: what an attacker or a broken client sends gets a
// 4xx and changes nothing: no token, a forged token naming another
// tenant, another tenant's token on this tenant's page, a token for a
// user who has not proven who they are, and malformed bodies.
func TestUpliftRefusals(t *testing.T) {
	h := newHarness(t)
	h.passkeyConfig(map[string]any{"recoveryMethods": []string{}})
	ctx := context.Background()
	other, _, err := h.app.Tenancy.CreateTenant(ctx, tenancy.NewTenant{Name: "Other", RPID: "localhost",
		Origins: []string{"http://localhost:4000"}})
	if err != nil {
		t.Fatal(err)
	}
	good := h.track("ada", "signIn", map[string]any{"scope": "add:authenticators"})
	claims := token.Claims{TenantID: h.tenant.ID, UserID: "ada", ActionCode: "signIn", DeviceID: "device-ada",
		Scope: model.ScopeAddAuthenticators, IssuedAt: h.clock.Now()}
	forged, err := token.Issue(other.TokenKey, claims)
	if err != nil {
		t.Fatal(err)
	}
	claims.TenantID = other.ID
	otherTenant, err := token.Issue(other.TokenKey, claims)
	if err != nil {
		t.Fatal(err)
	}
	// A user with an authenticator, tracked without the scope: the
	// action waits for a challenge.
	h.enrol("bob", newPasskeyDevice(defaultDevice))
	unproven := h.track("bob", "signIn", nil)
	if st := h.validate(unproven).str("state"); st == "CHALLENGE_SUCCEEDED" {
		t.Fatalf("bob's action is %s", st)
	}
	before := h.promptEvents("ada", "device-ada")

	for _, path := range []string{"/v1/client/uplift/decision", "/v1/client/uplift/events"} {
		ev := map[string]any{}
		if strings.HasSuffix(path, "events") {
			ev = map[string]any{"event": "dismissed"}
		}
		cases := []struct {
			name, auth string
			body       any
			hdr        []string
			status     int
			code       string
		}{
			{"no token", "", ev, nil, 401, ""},
			{"tenant id only", h.tenantAuth(), ev, nil, 401, "token_not_set"},
			{"forged token", bearer(forged), ev, nil, 401, "invalid_token"},
			{"another tenant's token on this tenant's page", bearer(otherTenant), ev, []string{"Origin", appOrigin}, 403, "origin_not_allowed"},
			{"not authenticated", bearer(unproven), ev, nil, 403, "not_authenticated"},
			{"unknown field", bearer(good), map[string]any{"userId": "bob"}, nil, 400, ""},
			{"device id with NUL", bearer(good), map[string]any{"deviceId": "a\x00b"}, nil, 400, ""},
			{"device id too long", bearer(good), map[string]any{"deviceId": strings.Repeat("d", 129)}, nil, 400, ""},
			{"hosted surface", bearer(good), map[string]any{"surface": "hosted"}, nil, 400, ""},
			{"not JSON", bearer(good), "{", nil, 400, ""},
			{"too large", bearer(good), map[string]any{"deviceId": strings.Repeat("x", 70<<10)}, nil, 413, "request_too_large"},
		}
		for _, c := range cases {
			r := h.do("POST", path, c.auth, c.body, c.hdr...)
			if r.status != c.status || (c.code != "" && r.str("error") != c.code) {
				t.Errorf("%s %s: %d %s, want %d %s", path, c.name, r.status, r.raw, c.status, c.code)
			}
		}
	}
	for name, body := range map[string]map[string]any{
		"capability not a boolean": {"capabilities": map[string]any{"publicKeyCredential": "yes"}},
		"unknown capability":       {"capabilities": map[string]any{"hasPasskey": true}},
		"bad locale":               {"locale": "en US"},
		"device id as a number":    {"deviceId": 7},
	} {
		if r := h.decide(good, body); r.status != 400 {
			t.Errorf("decision with %s: %d %s, want 400", name, r.status, r.raw)
		}
	}
	for name, body := range map[string]map[string]any{
		"no event":                {},
		"accepted":                {"event": "accepted"},
		"evaluated":               {"event": "evaluated"},
		"failed without cause":    {"event": "failed"},
		"cause with odd text":     {"event": "failed", "cause": "<script>"},
		"cause on a dismissal":    {"event": "dismissed", "cause": "NotAllowedError"},
		"opted out, not offered":  {"event": "opted_out"},
		"cause with line break":   {"event": "failed", "cause": "Not\nAllowed"},
		"event with control char": {"event": "shown\x07"},
	} {
		if r := h.promptEvent(good, body); r.status != 400 {
			t.Errorf("event %s: %d %s, want 400", name, r.status, r.raw)
		}
	}
	if r := h.do("POST", "/v1/client/uplift/decision", bearer(good), nil, "Content-Type", "text/plain"); r.status != 400 {
		t.Errorf("text/plain: %d", r.status)
	}
	// A token tracked without a device and a request naming none.
	noDevice := h.must(h.do("POST", "/v1/users/ada/actions/signIn", h.secretAuth(),
		map[string]any{"scope": "add:authenticators"}), 200).str("token")
	if r := h.decide(noDevice, map[string]any{}); r.status != 400 || !strings.Contains(r.str("errorDescription"), "deviceId") {
		t.Errorf("no device: %d %s", r.status, r.raw)
	}
	if after := h.promptEvents("ada", "device-ada"); len(after) != len(before) {
		t.Errorf("refused requests recorded %v", after[len(before):])
	}
}

// TestUpliftTenantIsolation: another tenant's token for a user of the
// same id on the same device decides on that tenant's data only.
func TestUpliftTenantIsolation(t *testing.T) {
	a := newHarness(t)
	a.passkeyConfig(map[string]any{"recoveryMethods": []string{}})
	tenantB, secretB, err := a.app.Tenancy.CreateTenant(context.Background(), tenancy.NewTenant{Name: "Beta", RPID: "localhost",
		Origins: []string{appOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	b := *a
	b.tenant, b.secret = tenantB, secretB
	b.passkeyConfig(map[string]any{"recoveryMethods": []string{}})
	tokA := a.track("ada", "signIn", map[string]any{"scope": "add:authenticators", "deviceId": "shared"})
	a.must(a.registerOn(tokA, "shared", newPasskeyDevice(defaultDevice)), 200)

	tokB := b.track("ada", "signIn", map[string]any{"scope": "add:authenticators", "deviceId": "shared"})
	dec := b.must(b.decide(tokB, map[string]any{"capabilities": platformCaps}, "Origin", appOrigin), 200)
	if dec.body["show"] != true {
		t.Errorf("B's ada on the shared device: %s; want the prompt (A's passkey is not B's)", dec.raw)
	}
	b.must(b.promptEvent(tokB, map[string]any{"event": "shown"}), 204)
	b.must(b.promptEvent(tokB, map[string]any{"event": "dismissed"}), 204)
	if got := a.promptEvents("ada", "shared"); strings.Contains(strings.Join(got, " "), "dismissed") {
		t.Errorf("A's events hold B's dismissal: %v", got)
	}
	if dec := a.must(a.decide(tokA, map[string]any{"capabilities": platformCaps}), 200); dec.str("reason") != "passkey_on_device" {
		t.Errorf("A's decision changed: %s", dec.raw)
	}
}

// TestUpliftCORS: a page on one of the tenant's origins may call the
// decision cross-origin, after a preflight.
func TestUpliftCORS(t *testing.T) {
	h := newHarness(t)
	pre := h.do("OPTIONS", "/v1/client/uplift/decision", "", nil, "Origin", appOrigin,
		"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type")
	if pre.status != 204 || pre.header.Get("Access-Control-Allow-Origin") != appOrigin {
		t.Fatalf("preflight: %d %v", pre.status, pre.header)
	}
	tok := h.track("ada", "signIn", map[string]any{"scope": "add:authenticators"})
	r := h.must(h.decide(tok, nil, "Origin", appOrigin), 200)
	if r.header.Get("Access-Control-Allow-Origin") != appOrigin {
		t.Errorf("decision from the tenant's origin: Access-Control-Allow-Origin %q", r.header.Get("Access-Control-Allow-Origin"))
	}
	if r := h.decide(tok, nil, "Origin", "https://evil.example"); r.status != 403 || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("decision from another origin: %d, Access-Control-Allow-Origin %q", r.status, r.header.Get("Access-Control-Allow-Origin"))
	}
	// Another tenant's page with this tenant's token reads why it is
	// refused: its origin is one a tenant expects.
	other := "http://localhost:4000"
	if _, _, err := h.app.Tenancy.CreateTenant(context.Background(), tenancy.NewTenant{Name: "Other", RPID: "localhost",
		Origins: []string{other}}); err != nil {
		t.Fatal(err)
	}
	r = h.decide(tok, nil, "Origin", other)
	if r.status != 403 || r.str("error") != "origin_not_allowed" || r.header.Get("Access-Control-Allow-Origin") != other {
		t.Errorf("decision from another tenant's page: %d %s, Access-Control-Allow-Origin %q", r.status, r.raw, r.header.Get("Access-Control-Allow-Origin"))
	}
}

// TestUpliftCopyLanguage: the prompt's words come in the language the
// request asks for, else the action's locale, else the browser's; the
// tenant's own heading is shown as written.
func TestUpliftCopyLanguage(t *testing.T) {
	h := newHarness(t)
	h.passkeyConfig(map[string]any{"recoveryMethods": []string{}})
	tok := h.track("ada", "signIn", map[string]any{"scope": "add:authenticators", "locale": "fr"})
	copyOf := func(r reply) map[string]any { cp, _ := h.must(r, 200).body["copy"].(map[string]any); return cp }

	fr := copyOf(h.decide(tok, map[string]any{"capabilities": platformCaps}, "Accept-Language", "de"))
	if fr["language"] != "fr" || fr["heading"] != "Créez une clé d’accès" || fr["create"] != "Créer une clé d’accès" || fr["dismiss"] != "Plus tard" {
		t.Errorf("track's locale fr: %v", fr)
	}
	ja := copyOf(h.decide(tok, map[string]any{"locale": "ja"}, "Accept-Language", "de"))
	if ja["language"] != "ja" {
		t.Errorf("asked for ja: %v", ja)
	}
	plain := h.track("bob", "signIn", map[string]any{"scope": "add:authenticators"})
	de := copyOf(h.decide(plain, nil, "Accept-Language", "de-CH, en;q=0.5"))
	if de["language"] != "de" || de["create"] != "Passkey erstellen" {
		t.Errorf("Accept-Language de-CH: %v", de)
	}

	h.passkeyConfig(map[string]any{"enrollmentPromptHeading": "Skip the codes"})
	own := copyOf(h.decide(tok, nil))
	if own["heading"] != "Skip the codes" || own["body"] != fr["body"] {
		t.Errorf("the tenant's own heading: %v", own)
	}
}

// TestUpliftExperiment: while an experiment on the prompt's copy runs,
// an app's prompt shows the user's variant, and its showing and
// acceptance count for that variant; the guardrail (returning to the app
// after the hosted prompt) counts no prompt the app showed itself.
func TestUpliftExperiment(t *testing.T) {
	h := newHarness(t)
	h.passkeyConfig(map[string]any{"recoveryMethods": []string{}})
	exp := h.must(h.do("POST", "/v1/management/experiments", h.secretAuth(), map[string]any{
		"name": "Copy", "variants": []map[string]any{
			{"heading": "Sign in faster", "explanation": "Use your face or fingerprint.", "weight": 1},
			{"heading": "Skip the codes", "explanation": "No more codes to type.", "weight": 1}}}), 201)
	id := exp.str("experimentId")

	tok := h.track("ada", "signIn", map[string]any{"scope": "add:authenticators", "deviceId": "laptop"})
	dec := h.must(h.decide(tok, map[string]any{"capabilities": platformCaps, "surface": "component"}), 200)
	variant := dec.str("variant")
	var heading string
	for _, v := range exp.body["variants"].([]any) {
		if v := v.(map[string]any); v["variantId"] == variant {
			heading, _ = v["heading"].(string)
		}
	}
	if heading == "" || dec.body["copy"].(map[string]any)["heading"] != heading {
		t.Fatalf("decision = %s; want the copy of one of the experiment's variants", dec.raw)
	}
	h.clock.Advance(time.Second)
	h.must(h.promptEvent(tok, map[string]any{"event": "shown", "surface": "component"}), 204)
	h.clock.Advance(time.Second)
	h.must(h.registerOn(tok, "laptop", newPasskeyDevice(defaultDevice)), 200)

	res := h.must(h.do("GET", "/v1/management/experiments/"+id, h.secretAuth(), nil), 200)
	for _, v := range res.body["variants"].([]any) {
		v := v.(map[string]any)
		want := map[string]float64{"shown": 0, "accepted": 0, "promptsShown": 0, "promptsReturned": 0}
		if v["variantId"] == variant {
			want["shown"], want["accepted"] = 1, 1
		}
		for k, n := range want {
			if v[k] != n {
				t.Errorf("variant %v: %s = %v, want %v", v["label"], k, v[k], n)
			}
		}
	}
}

// TestUpliftEventsFollowTheDecision: a prompt is reported shown only
// after a decision to show it, once per decision, and answered once per
// showing; anything else is a 409 that records nothing.
func TestUpliftEventsFollowTheDecision(t *testing.T) {
	h := newHarness(t)
	h.passkeyConfig(map[string]any{"recoveryMethods": []string{}, "enrollmentPromptAllowOptOut": true})
	tok := h.track("ada", "signIn", map[string]any{"scope": "add:authenticators", "deviceId": "tablet"})
	conflict := func(body map[string]any, code string) {
		t.Helper()
		if r := h.promptEvent(tok, body); r.status != 409 || r.str("error") != code {
			t.Errorf("%v: %d %s, want 409 %s", body, r.status, r.raw, code)
		}
	}
	conflict(map[string]any{"event": "shown"}, "prompt_not_eligible")
	conflict(map[string]any{"event": "dismissed"}, "prompt_not_shown")

	// A decision that says no allows no prompt either.
	h.must(h.decide(tok, nil), 200) // nothing reported yet: device_unsupported
	conflict(map[string]any{"event": "shown"}, "prompt_not_eligible")

	h.must(h.decide(tok, map[string]any{"capabilities": platformCaps}), 200)
	h.must(h.promptEvent(tok, map[string]any{"event": "shown"}), 204)
	conflict(map[string]any{"event": "shown"}, "prompt_not_eligible")
	h.must(h.promptEvent(tok, map[string]any{"event": "failed", "cause": "NotReadableError"}), 204)
	for _, ev := range []string{"dismissed", "opted_out"} {
		conflict(map[string]any{"event": ev}, "prompt_not_shown")
	}
	// Another device of the same action has its own prompts.
	conflict(map[string]any{"event": "dismissed", "deviceId": "phone"}, "prompt_not_shown")

	want := []string{"evaluated/api/device_unsupported", "evaluated/api/eligible", "shown/api", "failed/api"}
	if got := h.promptEvents("ada", "tablet"); len(got) != len(want) {
		t.Errorf("events = %v, want %v (in any order of equal times)", got, want)
	}
}
