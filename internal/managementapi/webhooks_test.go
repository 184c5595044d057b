package managementapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
)

func TestWebhookSettings(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("Shop")
	_, other := e.Tenant("Other")

	got := e.Do(key, "GET", base+"/webhooks", nil).MustOK(t)
	for _, f := range []string{"authenticatorEventsUrl", "logEventsUrl", "promptEventsUrl", "messageEventsUrl"} {
		if v, ok := got.JSON[f]; !ok || v != "" {
			t.Errorf("default %s = %v (present %v), want empty", f, v, ok)
		}
	}
	up := e.Do(key, "PATCH", base+"/webhooks", map[string]any{
		"authenticatorEventsUrl": "https://hooks.example.com/auth", "promptEventsUrl": "https://hooks.example.com/prompt",
	}).MustOK(t)
	if up.Str("authenticatorEventsUrl") != "https://hooks.example.com/auth" || up.Str("promptEventsUrl") != "https://hooks.example.com/prompt" {
		t.Errorf("after PATCH: %s", up.Body)
	}
	// A partial PATCH keeps the other fields; null clears one.
	up = e.Do(key, "PATCH", base+"/webhooks", []byte(`{"promptEventsUrl":null}`)).MustOK(t)
	if up.Str("authenticatorEventsUrl") != "https://hooks.example.com/auth" || up.Str("promptEventsUrl") != "" {
		t.Errorf("after clearing promptEventsUrl: %s", up.Body)
	}
	if again := e.Do(key, "GET", base+"/webhooks", nil).MustOK(t); string(again.Body) != string(up.Body) {
		t.Errorf("GET after PATCH differs:\n%s\n%s", again.Body, up.Body)
	}
	if o := e.Do(other, "GET", base+"/webhooks", nil).MustOK(t); o.Str("authenticatorEventsUrl") != "" {
		t.Errorf("another tenant sees %s", o.Body)
	}

	for _, tt := range []struct {
		name, body, mention string
	}{
		{"http", `{"authenticatorEventsUrl":"http://hooks.example.com/"}`, "authenticatorEventsUrl"},
		{"loopback", `{"promptEventsUrl":"https://127.0.0.1:9000/"}`, "promptEventsUrl"},
		{"metadata address", `{"logEventsUrl":"https://169.254.169.254/latest/meta-data"}`, "logEventsUrl"},
		{"localhost", `{"messageEventsUrl":"https://localhost/"}`, "messageEventsUrl"},
		{"credentials", `{"authenticatorEventsUrl":"https://u:p@hooks.example.com/"}`, "authenticatorEventsUrl"},
		{"not a URL", `{"authenticatorEventsUrl":"hooks"}`, "authenticatorEventsUrl"},
		{"NUL", `{"authenticatorEventsUrl":"https://hooks.example.com/\u0000"}`, "authenticatorEventsUrl"},
		{"control character", `{"promptEventsUrl":"https://hooks.example.com/\u0007"}`, "promptEventsUrl"},
		{"invalid UTF-8", "{\"promptEventsUrl\":\"https://hooks.example.com/\xff\"}", "promptEventsUrl"},
		{"not a string", `{"promptEventsUrl":5}`, "promptEventsUrl"},
		{"unknown field", `{"webhookUrl":"https://hooks.example.com/"}`, "unknown field"},
		{"huge", `{"promptEventsUrl":"https://hooks.example.com/` + strings.Repeat("a", 3000) + `"}`, "promptEventsUrl"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := e.With(t).Do(key, "PATCH", base+"/webhooks", []byte(tt.body))
			if res.Status != http.StatusBadRequest || !strings.Contains(res.Str("errorDescription"), tt.mention) {
				t.Errorf("status %d %s, want 400 mentioning %q", res.Status, res.Body, tt.mention)
			}
		})
	}
	if after := e.Do(key, "GET", base+"/webhooks", nil).MustOK(t); string(after.Body) != string(up.Body) {
		t.Errorf("a refused PATCH changed the settings:\n%s", after.Body)
	}
	if res := e.Do("sk_wrong", "GET", base+"/webhooks", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("without the key: %d", res.Status)
	}
}

// An action configuration's verificationWebhookUrl is checked like the
// other webhook URLs, and a refused one changes nothing.
func TestActionVerificationWebhookURL(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("Shop")
	created := e.Do(key, "POST", base+"/action-configurations", map[string]any{
		"actionCode": "signIn", "defaultUserActionResult": "CHALLENGE",
		"verificationWebhookUrl": "https://hooks.example.com/verify",
	})
	if created.Status != http.StatusCreated || created.Str("verificationWebhookUrl") != "https://hooks.example.com/verify" {
		t.Fatalf("create = %d %s", created.Status, created.Body)
	}
	for _, body := range []string{
		`{"verificationWebhookUrl":"http://hooks.example.com/"}`,
		`{"verificationWebhookUrl":"https://10.0.0.1/"}`,
		`{"verificationWebhookUrl":"https://hooks.example.com/\u0000","defaultUserActionResult":"BLOCK"}`,
		`{"verificationWebhookUrl":"https://localhost/","defaultUserActionResult":"BLOCK"}`,
	} {
		res := e.Do(key, "PATCH", base+"/action-configurations/signIn", []byte(body))
		if res.Status != http.StatusBadRequest || !strings.Contains(res.Str("errorDescription"), "verificationWebhookUrl") {
			t.Errorf("PATCH %s = %d %s, want 400 naming verificationWebhookUrl", body, res.Status, res.Body)
		}
	}
	got := e.Do(key, "GET", base+"/action-configurations/signIn", nil).MustOK(t)
	if got.Str("verificationWebhookUrl") != "https://hooks.example.com/verify" || got.Str("defaultUserActionResult") != "CHALLENGE" {
		t.Errorf("after refused PATCHes: %s", got.Body)
	}
	cleared := e.Do(key, "PATCH", base+"/action-configurations/signIn", []byte(`{"verificationWebhookUrl":""}`)).MustOK(t)
	if _, ok := cleared.JSON["verificationWebhookUrl"]; ok {
		t.Errorf("cleared: %s", cleared.Body)
	}
}
