package console_test

import (
	"html/template"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

const passkeyConfigPath = "/v1/management/authenticator-configurations/passkey"

// pageHas fails the test unless p has the status and contains every part.
func pageHas(t *testing.T, p page, status int, parts ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d; body:\n%s", p.status, status, p.body)
	}
	for _, part := range parts {
		if !strings.Contains(p.body, part) {
			t.Errorf("the page lacks %q", part)
		}
	}
}

// fieldErrorOf returns the text of the error shown next to field, or "".
func fieldErrorOf(body, field string) string {
	m := regexp.MustCompile(`<p class="field-error" id="` + regexp.QuoteMeta(field) + `-error">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// settingsForm is a valid settings form for the harness's tenant.
func (h *harness) settingsForm() url.Values {
	return url.Values{
		"prompt": {"on"}, "interval": {"0"}, "recovery": {"EMAIL_OTP", "SMS", "AUTHENTICATOR_APP"},
		"rpId": {h.tenant.RPID}, "rpName": {h.tenant.RPName}, "origins": {strings.Join(h.tenant.Origins, "\n")},
		"uv": {"required"},
	}
}

func TestSettingsPageRenders(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	pageHas(t, h.get("/console/settings", s), 200,
		`<h1>Settings</h1>`,
		`<input type="checkbox" name="prompt" value="on" checked aria-describedby="prompt-hint"> Prompt users to add a passkey after they sign in</label>`,
		`<label for="interval">Prompt frequency</label>`,
		`<option value="0" selected>Every challenge</option>
<option value="86400">Once a day</option>
<option value="604800">Once a week</option>
<option value="2592000">Once a month</option>
<option value="7776000">Once every 3 months</option>`,
		`<legend>Recovery methods</legend>`, `> Email code</label>`, `> Text message code</label>`, `> Authenticator app</label>`,
		`<label for="rpId">Relying party ID</label>`, `value="`+h.tenant.RPID+`"`,
		`<label for="rpName">Relying party name</label>`, `<label for="origins">Expected origins</label>`,
		`<label for="uv">User verification</label>`, `<option value="required" selected>Required`,
		`makes every existing passkey of your users unusable`,
		`<button type="submit" class="primary">Save settings</button>`)
}

// TestSettingsAndTheManagementAPIAgree: what the console saves, the API
// returns, and what the API sets, the console shows and keeps.
func TestSettingsAndTheManagementAPIAgree(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	form := h.settingsForm()
	form.Del("prompt")
	form.Set("interval", "604800")
	form["recovery"] = []string{"EMAIL_OTP"}
	form.Set("rpName", "Acme shop")
	form.Set("origins", h.tenant.Origins[0]+"\r\n\r\n  HTTPS://Shop.localhost  \n")
	form.Set("uv", "preferred")
	p := h.post("/console/settings", s, form)
	if p.status != 303 || p.header.Get("Location") != "/console/settings?done=settings-saved" {
		t.Fatalf("save = %d to %q:\n%s", p.status, p.header.Get("Location"), p.body)
	}
	got := h.env.Do(h.secret, "GET", passkeyConfigPath, nil).MustOK(t)
	if got.JSON["disableEnrollmentPrompt"] != true || got.JSON["enrollmentPromptInterval"] != float64(604800) ||
		got.Str("relyingPartyName") != "Acme shop" || got.Str("userVerificationRequirement") != "preferred" {
		t.Errorf("API after the console saved: %s", got.Body)
	}
	if rm := got.JSON["recoveryMethods"].([]any); len(rm) != 1 || rm[0] != "EMAIL_OTP" {
		t.Errorf("recoveryMethods = %v, want [EMAIL_OTP]", rm)
	}
	if o := got.JSON["expectedOrigins"].([]any); len(o) != 2 || o[1] != "https://shop.localhost" {
		t.Errorf("expectedOrigins = %v, want the two origins, normalised", o)
	}
	pageHas(t, h.get("/console/settings?done=settings-saved", s), 200, "Settings saved.",
		`<option value="604800" selected>Once a week</option>`, `value="Acme shop"`, "https://shop.localhost</textarea>")

	// An interval set through the API is shown as it is and kept.
	h.env.Do(h.secret, "PATCH", passkeyConfigPath, map[string]any{"enrollmentPromptInterval": 1234, "disableEnrollmentPrompt": false}).MustOK(t)
	page := h.get("/console/settings", s)
	pageHas(t, page, 200, `<option value="1234" selected>Every 1234 seconds (set through the API)</option>`,
		`name="prompt" value="on" checked`)
	form = h.settingsForm()
	form.Set("interval", "1234")
	if p := h.post("/console/settings", s, form); p.status != 303 {
		t.Fatalf("save with the API's interval = %d", p.status)
	}
	if got := h.env.Do(h.secret, "GET", passkeyConfigPath, nil).MustOK(t); got.JSON["enrollmentPromptInterval"] != float64(1234) {
		t.Errorf("interval after saving the page = %v, want 1234", got.JSON["enrollmentPromptInterval"])
	}
}

func TestSettingsRefusals(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	before := h.env.Do(h.secret, "GET", passkeyConfigPath, nil).MustOK(t)
	for _, tt := range []struct {
		name, field, value, errorField, mention, kept string
	}{
		{"negative interval", "interval", "-5", "interval", "enrollmentPromptInterval must be from 0", `<option value="-5" selected>`},
		{"interval not a number", "interval", "soon", "interval", "Choose how often", ""},
		{"bad origin", "origins", "ftp://files.localhost", "origins", "must be a scheme and host", "ftp://files.localhost</textarea>"},
		{"no origin", "origins", "  \n", "origins", "expectedOrigins must list 1 to 20 origins", ""},
		{"origin off the relying party", "origins", "https://elsewhere.example", "rpId", "is not on the relying party id", "https://elsewhere.example</textarea>"},
		{"relying party ID with a port", "rpId", "localhost:8080", "rpId", "must be a host name", `value="localhost:8080"`},
		{"blank relying party name", "rpName", " ", "rpName", "relying party name must be 1 to 100", ""},
		{"passkey as recovery", "recovery", "PASSKEY", "recovery", "recoveryMethods", ""},
		{"unknown user verification", "uv", "sometimes", "uv", "userVerificationRequirement", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			form := h.settingsForm()
			form.Set(tt.field, tt.value)
			form.Set("rpName", "Kept name") // typed input survives the refusal
			if tt.field == "rpName" {
				form.Set("rpName", tt.value)
			}
			p := h.post("/console/settings", s, form)
			pageHas(t, p, 400, `role="alert"`, tt.kept)
			if got := fieldErrorOf(p.body, tt.errorField); !strings.Contains(got, template.HTMLEscapeString(tt.mention)) {
				t.Errorf("error next to %s = %q, want it to mention %q", tt.errorField, got, tt.mention)
			}
			if !strings.Contains(p.body, `aria-describedby="`+tt.errorField+`-hint`) || !strings.Contains(p.body, tt.errorField+`-error"`) {
				t.Errorf("the %s field does not point at its error", tt.errorField)
			}
			if tt.field != "rpName" && !strings.Contains(p.body, `value="Kept name"`) {
				t.Error("the other fields' input was lost")
			}
		})
	}
	if after := h.env.Do(h.secret, "GET", passkeyConfigPath, nil).MustOK(t); string(after.Body) != string(before.Body) {
		t.Errorf("a refused form changed the settings:\n%s\n%s", before.Body, after.Body)
	}
}
