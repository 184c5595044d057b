package console_test

import (
	"strings"
	"testing"
)

// Related origins are edited on the settings page beside the expected
// origins, one a line, through the Management API's validation: a bad
// line is refused next to the field, keeping what was typed, and nothing
// is saved.
func TestSettingsRelatedOrigins(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	pageHas(t, h.get("/console/settings", s), 200, `<textarea id="relatedOrigins" name="relatedOrigins"`)
	form := h.settingsForm()
	form.Set("relatedOrigins", "https://Shop.Example.org\n\n  https://example.co.uk/  \n")
	if p := h.post("/console/settings", s, form); p.status != 303 {
		t.Fatalf("save = %d: %s", p.status, p.body)
	}
	got := h.env.Do(h.secret, "GET", passkeyConfigPath, nil).MustOK(t)
	if list, _ := got.JSON["relatedOrigins"].([]any); len(list) != 2 || list[0] != "https://shop.example.org" || list[1] != "https://example.co.uk" {
		t.Errorf("relatedOrigins after saving = %v", got.JSON["relatedOrigins"])
	}
	pageHas(t, h.get("/console/settings", s), 200, "https://shop.example.org\nhttps://example.co.uk</textarea>")

	for _, tt := range []struct{ value, mention string }{
		{"http://example.org", "must be https"},
		{"https://a.com\nhttps://b.com\nhttps://c.com\nhttps://d.com\nhttps://e.com\nhttps://f.com", "browsers read at most 5"},
		{"https://example.org/login", "scheme and host"},
	} {
		form := h.settingsForm()
		form.Set("relatedOrigins", tt.value)
		p := h.post("/console/settings", s, form)
		if p.status != 400 || !strings.Contains(fieldErrorOf(p.body, "relatedOrigins"), tt.mention) {
			t.Errorf("relatedOrigins=%q: %d, error %q; want 400 mentioning %q", tt.value, p.status, fieldErrorOf(p.body, "relatedOrigins"), tt.mention)
		}
	}
	if after := h.env.Do(h.secret, "GET", passkeyConfigPath, nil).MustOK(t); string(after.Body) != string(got.Body) {
		t.Errorf("a refused form changed the settings:\n%s", after.Body)
	}
}
