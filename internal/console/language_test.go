package console_test

import (
	"strings"
	"testing"
)

// The tenant's default language is chosen on the settings page among the
// languages the hosted pages speak, each by its own name; anything else
// posted is refused beside the field and nothing is saved.
func TestSettingsDefaultLanguage(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	pageHas(t, h.get("/console/settings", s), 200, `<select id="defaultLocale" name="defaultLocale"`,
		`<option value="" selected>English</option>`, `<option value="fr">Français</option>`, `<option value="ja">日本語</option>`)
	form := h.settingsForm()
	form.Set("defaultLocale", "de")
	if p := h.post("/console/settings", s, form); p.status != 303 {
		t.Fatalf("save = %d: %s", p.status, p.body)
	}
	got := h.env.Do(h.secret, "GET", passkeyConfigPath, nil).MustOK(t)
	if got.JSON["defaultLocale"] != "de" {
		t.Errorf("defaultLocale after saving = %v", got.JSON["defaultLocale"])
	}
	pageHas(t, h.get("/console/settings", s), 200, `<option value="de" selected>Deutsch</option>`)
	for _, value := range []string{"pt", "ar-XB", "fr-CA"} {
		form := h.settingsForm()
		form.Set("defaultLocale", value)
		p := h.post("/console/settings", s, form)
		if p.status != 400 || !strings.Contains(fieldErrorOf(p.body, "defaultLocale"), "defaultLocale must be one of en, de, es, fr, ja") {
			t.Errorf("defaultLocale=%q: %d, error %q", value, p.status, fieldErrorOf(p.body, "defaultLocale"))
		}
	}
	form = h.settingsForm()
	form.Set("defaultLocale", "de\x01")
	if p := h.post("/console/settings", s, form); p.status != 400 {
		t.Errorf("defaultLocale with a control character: %d", p.status)
	}
	if after := h.env.Do(h.secret, "GET", passkeyConfigPath, nil).MustOK(t); string(after.Body) != string(got.Body) {
		t.Errorf("a refused form changed the settings:\n%s", after.Body)
	}
}
