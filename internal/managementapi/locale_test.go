package managementapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
)

// The tenant's default language lives with the passkey configuration:
// English ("") until set, one of the languages the pages speak, null for
// English again; anything else is refused, naming the field and the
// choices, and changes nothing.
func TestPasskeyConfigDefaultLocale(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("Shop")
	path := base + "/authenticator-configurations/passkey"

	if got := e.Do(key, "GET", path, nil).MustOK(t); got.JSON["defaultLocale"] != "" {
		t.Errorf("default defaultLocale = %v, want \"\"", got.JSON["defaultLocale"])
	}
	set := e.Do(key, "PATCH", path, map[string]any{"defaultLocale": "ja"}).MustOK(t)
	if set.JSON["defaultLocale"] != "ja" {
		t.Errorf("after PATCH: %s", set.Body)
	}
	for _, tt := range []struct{ name, body string }{
		{"a language the pages do not speak", `{"defaultLocale":"pt"}`},
		{"a region the pages do not have", `{"defaultLocale":"fr-CA"}`},
		{"the test pseudo-locale", `{"defaultLocale":"ar-XB"}`},
		{"not a tag", `{"defaultLocale":"français"}`},
		{"a NUL", `{"defaultLocale":"fr\u0000"}`},
		{"a number", `{"defaultLocale":7}`},
		{"too long", `{"defaultLocale":"` + strings.Repeat("x", 100) + `"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := e.With(t).Do(key, "PATCH", path, []byte(tt.body))
			if res.Status != http.StatusBadRequest || !strings.Contains(res.Str("errorDescription"), "defaultLocale") {
				t.Errorf("status %d %s, want 400 naming defaultLocale", res.Status, res.Body)
			}
		})
	}
	if got := e.Do(key, "GET", path, nil).MustOK(t); got.JSON["defaultLocale"] != "ja" {
		t.Errorf("a refused PATCH changed defaultLocale to %v", got.JSON["defaultLocale"])
	}
	if reset := e.Do(key, "PATCH", path, []byte(`{"defaultLocale":null}`)).MustOK(t); reset.JSON["defaultLocale"] != "" {
		t.Errorf("after null: %s", reset.Body)
	}
}
