package managementapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/apitest"
)

// relatedOrigins sits beside the other passkey configuration fields: an
// empty list by default, normalised when set, refused with the reason
// (naming the field) when a browser could not use it, and cleared by
// null or [].
func TestPasskeyConfigRelatedOrigins(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("Shop")
	path := base + "/authenticator-configurations/passkey"

	if got := e.Do(key, "GET", path, nil).MustOK(t); !cmp.Equal(got.JSON["relatedOrigins"], []any{}) {
		t.Errorf("default relatedOrigins = %v, want []", got.JSON["relatedOrigins"])
	}
	set := e.Do(key, "PATCH", path, map[string]any{
		"relatedOrigins": []string{"https://Shop.Example.org/", "https://example.co.uk"}}).MustOK(t)
	want := []any{"https://shop.example.org", "https://example.co.uk"}
	if diff := cmp.Diff(set.JSON["relatedOrigins"], want); diff != "" {
		t.Errorf("relatedOrigins after PATCH (-got +want):\n%s", diff)
	}
	if kept := e.Do(key, "PATCH", path, map[string]any{"enrollmentPromptInterval": 60}).MustOK(t); !cmp.Equal(kept.JSON["relatedOrigins"], want) {
		t.Errorf("a PATCH of another field changed relatedOrigins: %v", kept.JSON["relatedOrigins"])
	}

	for _, tt := range []struct{ name, body, mention string }{
		{"http", `{"relatedOrigins":["http://example.org"]}`, "https"},
		{"path", `{"relatedOrigins":["https://example.org/login"]}`, "scheme and host"},
		{"IP", `{"relatedOrigins":["https://192.0.2.1"]}`, "IP address"},
		{"six labels", `{"relatedOrigins":["https://a.com","https://b.com","https://c.com","https://d.com","https://e.com","https://f.com"]}`, "at most 5"},
		{"NUL", `{"relatedOrigins":["https://exa\u0000mple.org"]}`, "relatedOrigins"},
		{"not a list", `{"relatedOrigins":"https://example.org"}`, "relatedOrigins"},
		{"numbers", `{"relatedOrigins":[1]}`, "relatedOrigins"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := e.With(t).Do(key, "PATCH", path, []byte(tt.body))
			if res.Status != http.StatusBadRequest || !strings.Contains(res.Str("errorDescription"), tt.mention) ||
				!strings.Contains(res.Str("errorDescription"), "relatedOrigins") {
				t.Errorf("status %d %s, want 400 naming relatedOrigins and %q", res.Status, res.Body, tt.mention)
			}
		})
	}
	if after := e.Do(key, "GET", path, nil).MustOK(t); !cmp.Equal(after.JSON["relatedOrigins"], want) {
		t.Errorf("a refused PATCH changed relatedOrigins: %v", after.JSON["relatedOrigins"])
	}
	if cleared := e.Do(key, "PATCH", path, []byte(`{"relatedOrigins":null}`)).MustOK(t); !cmp.Equal(cleared.JSON["relatedOrigins"], []any{}) {
		t.Errorf("relatedOrigins after null = %v, want []", cleared.JSON["relatedOrigins"])
	}
}
