package console_test

import (
	"net/url"
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/pgtest"
)

// Text no database can store (a NUL byte, invalid UTF-8) in a search, a
// path or a form is refused with a 4xx on both databases, never a 500.
func TestUnstorableTextIsRefused(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			var env *apitest.Env
			if db == "postgres" {
				env = apitest.NewWith(t, apitest.Options{DatabaseURL: pgtest.URL(t)})
			} else {
				env = apitest.New(t)
			}
			tn, secret := env.Tenant("Acme")
			h := &harness{t: t, env: env, tenant: tn, secret: secret}
			s := h.admin()
			h.env.Do(h.secret, "POST", actionConfigsPath, map[string]any{"actionCode": "signIn"}).MustOK(t)

			for _, path := range []string{
				"/console/users?q=%00", "/console/users?q=a%FF", "/console/users/a%00b", "/console/users/a%FF",
				"/console/users?after=" + url.QueryEscape("MTphAA"), // "1:a\x00"
			} {
				if p := h.get(path, s); p.status >= 500 || p.status < 400 {
					t.Errorf("GET %s = %d, want a 4xx", path, p.status)
				}
			}
			if p := h.post("/console/keys/a%00b/revoke", s, nil); p.status != 400 {
				t.Errorf("revoke a key id with a NUL = %d, want 400", p.status)
			}
			if p := h.post("/console/keys/nokey/revoke", s, nil); p.status != 404 {
				t.Errorf("revoke a malformed key id = %d, want 404", p.status)
			}
			for field, value := range map[string]string{"name": "New\x00devices", "description": "bad \xff byte"} {
				form := ruleForm()
				form.Set(field, value)
				if p := h.post("/console/actions/signIn/rules", s, form); p.status != 400 {
					t.Errorf("a rule whose %s holds %q = %d, want 400", field, value, p.status)
				}
			}
			rule := map[string]any{"name": "Bad\u0000name", "type": "CHALLENGE", "priority": 1, "isActive": true,
				"conditions": map[string]any{"==": []any{map[string]any{"var": "device.isNew"}, true}}}
			if r := h.env.Do(h.secret, "POST", actionConfigsPath+"/signIn/rules", rule); r.Status != 400 {
				t.Errorf("Management API rule named with a NUL = %d, want 400: %s", r.Status, r.Body)
			}
		})
	}
}
