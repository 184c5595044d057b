package managementapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
)

const base = "/v1/management"

func TestPasskeyConfig(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("Shop")

	got := e.Do(key, "GET", base+"/authenticator-configurations/passkey", nil).MustOK(t)
	if got.JSON["disableEnrollmentPrompt"] != false || got.JSON["enrollmentPromptInterval"] != float64(0) ||
		got.Str("userVerificationRequirement") != "required" || got.Str("relyingParty") != "localhost" {
		t.Errorf("defaults: %s", got.Body)
	}
	if rm := got.JSON["recoveryMethods"].([]any); len(rm) != 3 {
		t.Errorf("default recoveryMethods = %v, want EMAIL_OTP, SMS, AUTHENTICATOR_APP", rm)
	}

	up := e.Do(key, "PATCH", base+"/authenticator-configurations/passkey", map[string]any{
		"disableEnrollmentPrompt": true, "enrollmentPromptInterval": 604800, "recoveryMethods": []string{"EMAIL_OTP"},
	}).MustOK(t)
	if up.JSON["disableEnrollmentPrompt"] != true || up.JSON["enrollmentPromptInterval"] != float64(604800) {
		t.Errorf("after PATCH: %s", up.Body)
	}
	again := e.Do(key, "GET", base+"/authenticator-configurations/passkey", nil).MustOK(t)
	if string(again.Body) != string(up.Body) {
		t.Errorf("GET after PATCH differs:\n%s\n%s", again.Body, up.Body)
	}

	for _, tt := range []struct {
		name, body, mention string
	}{
		{"negative interval", `{"enrollmentPromptInterval":-1}`, "enrollmentPromptInterval"},
		{"absurd interval", `{"enrollmentPromptInterval":999999999999}`, "enrollmentPromptInterval"},
		{"passkey as recovery", `{"recoveryMethods":["PASSKEY"]}`, "recoveryMethods"},
		{"unknown method", `{"recoveryMethods":["FAX"]}`, "recoveryMethods"},
		{"bad user verification", `{"userVerificationRequirement":"sometimes"}`, "userVerificationRequirement"},
		{"origin off the relying party", `{"expectedOrigins":["https://elsewhere.example"]}`, "relying party"},
		{"no origins", `{"expectedOrigins":[]}`, "expectedOrigins"},
		{"switch passkeys off", `{"isActive":false}`, "disableEnrollmentPrompt"},
		{"unknown field", `{"enrolmentPromptInterval":5}`, "unknown field"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := e.With(t).Do(key, "PATCH", base+"/authenticator-configurations/passkey", []byte(tt.body))
			if res.Status != http.StatusBadRequest || !strings.Contains(res.Str("errorDescription"), tt.mention) {
				t.Errorf("status %d %s, want 400 mentioning %q", res.Status, res.Body, tt.mention)
			}
		})
	}
	// Refused changes leave the settings as they were.
	if after := e.Do(key, "GET", base+"/authenticator-configurations/passkey", nil).MustOK(t); string(after.Body) != string(up.Body) {
		t.Errorf("a refused PATCH changed the settings:\n%s", after.Body)
	}
}

func TestActionConfigCRUD(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("Shop")
	path := base + "/action-configurations"

	created := e.Do(key, "POST", path, map[string]any{
		"actionCode": "withdraw", "defaultUserActionResult": "CHALLENGE",
		"verificationMethods": []string{"PASSKEY", "EMAIL_OTP"}, "defaultVerificationMethod": "PASSKEY",
		"promptToEnrollVerificationMethods": []string{"PASSKEY"},
	})
	if created.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", created.Status, created.Body)
	}
	if res := e.Do(key, "POST", path, map[string]any{"actionCode": "withdraw"}); res.Status != http.StatusConflict {
		t.Errorf("second create: %d, want 409", res.Status)
	}
	patched := e.Do(key, "PATCH", path+"/withdraw", map[string]any{"promptToEnrollVerificationMethods": nil, "defaultUserActionResult": "BLOCK"}).MustOK(t)
	if p := patched.JSON["promptToEnrollVerificationMethods"].([]any); len(p) != 0 || patched.Str("defaultUserActionResult") != "BLOCK" {
		t.Errorf("PATCH did not clear the prompt switch or set the outcome: %s", patched.Body)
	}
	if methods := patched.JSON["verificationMethods"].([]any); len(methods) != 2 {
		t.Errorf("PATCH lost untouched verificationMethods: %s", patched.Body)
	}
	list := e.Do(key, "GET", path, nil).MustOK(t)
	if len(list.List) != 1 {
		t.Errorf("list: %s", list.Body)
	}
	// Track shows the configuration's outcome.
	e.Do(key, "POST", "/v1/users/u1/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": "u1@example.com"}).MustOK(t)
	if st := e.Do(key, "POST", "/v1/users/u1/actions/withdraw", map[string]any{}).MustOK(t).Str("state"); st != "BLOCK" {
		t.Errorf("track after setting BLOCK: state %s", st)
	}
	e.Do(key, "DELETE", path+"/withdraw", nil).MustOK(t)
	if res := e.Do(key, "GET", path+"/withdraw", nil); res.Status != http.StatusNotFound {
		t.Errorf("get after delete: %d", res.Status)
	}

	for _, tt := range []struct {
		name, body, mention string
	}{
		{"bad outcome", `{"actionCode":"a1","defaultUserActionResult":"MAYBE"}`, "defaultUserActionResult"},
		{"bad code", `{"actionCode":"no spaces"}`, "actionCode"},
		{"unknown method", `{"actionCode":"a1","verificationMethods":["CARRIER_PIGEON"]}`, "verificationMethods"},
		{"default not permitted", `{"actionCode":"a1","verificationMethods":["SMS"],"defaultVerificationMethod":"PASSKEY"}`, "defaultVerificationMethod"},
		{"prompt for SMS", `{"actionCode":"a1","promptToEnrollVerificationMethods":["SMS"]}`, "PASSKEY"},
		{"missing code", `{"defaultUserActionResult":"ALLOW"}`, "actionCode"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := e.With(t).Do(key, "POST", path, []byte(tt.body))
			if res.Status != http.StatusBadRequest || !strings.Contains(res.Str("errorDescription"), tt.mention) {
				t.Errorf("status %d %s, want 400 mentioning %q", res.Status, res.Body, tt.mention)
			}
		})
	}
}

func TestRuleValidation(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("Shop")
	e.Do(key, "POST", base+"/action-configurations", map[string]any{"actionCode": "signIn"}).MustOK(t)
	path := base + "/action-configurations/signIn/rules"
	valid := `{"==":[{"var":"device.isNew"},true]}`

	created := e.Do(key, "POST", path, []byte(`{"name":"New device","priority":10,"type":"CHALLENGE","conditions":`+valid+`}`))
	if created.Status != http.StatusCreated || created.Str("ruleId") == "" || created.JSON["isActive"] != true {
		t.Fatalf("create: %d %s", created.Status, created.Body)
	}
	id := created.Str("ruleId")
	upd := e.Do(key, "PATCH", path+"/"+id, map[string]any{"isActive": false, "promptToEnrollVerificationMethods": []string{"PASSKEY"}}).MustOK(t)
	if upd.JSON["isActive"] != false || upd.Str("name") != "New device" {
		t.Errorf("PATCH: %s", upd.Body)
	}
	if got := e.Do(key, "GET", path+"/"+id, nil).MustOK(t); string(got.Body) != string(upd.Body) {
		t.Errorf("GET after PATCH differs")
	}

	for _, tt := range []struct {
		name, body, mention string
	}{
		{"unparseable conditions", `{"name":"r","priority":1,"conditions":"{\"==\":"}`, "conditions"},
		{"conditions not JSON logic", `{"name":"r","priority":1,"conditions":{"explode":[1]}}`, "explode"},
		{"unknown fact", `{"name":"r","priority":1,"conditions":{"==":[{"var":"user.shoeSize"},42]}}`, "user.shoeSize"},
		{"priority too high", `{"name":"r","priority":100,"conditions":` + valid + `}`, "priority"},
		{"priority negative", `{"name":"r","priority":-1,"conditions":` + valid + `}`, "priority"},
		{"priority missing", `{"name":"r","conditions":` + valid + `}`, "priority"},
		{"unknown method", `{"name":"r","priority":1,"verificationMethods":["FAX"],"conditions":` + valid + `}`, "verificationMethods"},
		{"no name", `{"priority":1,"conditions":` + valid + `}`, "name"},
		{"bad type", `{"name":"r","priority":1,"type":"PANIC","conditions":` + valid + `}`, "type"},
		{"no conditions", `{"name":"r","priority":1}`, "conditions"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := e.With(t).Do(key, "POST", path, []byte(tt.body))
			if res.Status != http.StatusBadRequest || !strings.Contains(res.Str("errorDescription"), tt.mention) {
				t.Errorf("status %d %s, want 400 mentioning %q", res.Status, res.Body, tt.mention)
			}
		})
	}
	if res := e.Do(key, "POST", base+"/action-configurations/nothere/rules", []byte(`{"name":"r","priority":1,"conditions":`+valid+`}`)); res.Status != http.StatusNotFound {
		t.Errorf("rule on an unknown action: %d, want 404", res.Status)
	}
	e.Do(key, "DELETE", path+"/"+id, nil).MustOK(t)
	if res := e.Do(key, "GET", path+"/"+id, nil); res.Status != http.StatusNotFound {
		t.Errorf("get after delete: %d", res.Status)
	}
}

func TestValueLists(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("Shop")
	path := base + "/value-lists"
	res := e.Do(key, "POST", path, map[string]any{"alias": "office", "name": "Office", "itemType": "cidr",
		"valueListItems": []string{"10.0.0.0/8", "2001:db8::1", "192.168.1.7/24"}})
	if res.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	items := res.JSON["valueListItems"].([]any)
	if items[1] != "2001:db8::1/128" || items[2] != "192.168.1.0/24" {
		t.Errorf("CIDR items not normalised: %v", items)
	}
	nums := e.Do(key, "POST", path, map[string]any{"alias": "limits", "name": "Limits", "itemType": "number", "valueListItems": []any{1, 2.5}}).MustOK(t)
	if got := nums.JSON["valueListItems"].([]any); got[0] != float64(1) || got[1] != 2.5 {
		t.Errorf("number items: %v", got)
	}
	e.Do(key, "PATCH", path+"/office", map[string]any{"valueListItems": []string{"10.1.0.0/16"}}).MustOK(t)
	if got := e.Do(key, "GET", path+"/office", nil).MustOK(t).JSON["valueListItems"].([]any); len(got) != 1 {
		t.Errorf("after PATCH: %v", got)
	}
	for _, tt := range []struct{ name, body string }{
		{"bad cidr", `{"alias":"x","name":"X","itemType":"cidr","valueListItems":["10.0.0.0/99"]}`},
		{"bad number", `{"alias":"x","name":"X","itemType":"number","valueListItems":["ten"]}`},
		{"bad type", `{"alias":"x","name":"X","itemType":"colour","valueListItems":[]}`},
		{"bad alias", `{"alias":"has space","name":"X","itemType":"string"}`},
		{"object item", `{"alias":"x","name":"X","itemType":"string","valueListItems":[{"a":1}]}`},
	} {
		if res := e.Do(key, "POST", path, []byte(tt.body)); res.Status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", tt.name, res.Status, res.Body)
		}
	}
	if res := e.Do(key, "POST", path, map[string]any{"alias": "office", "name": "Again", "itemType": "string"}); res.Status != http.StatusConflict {
		t.Errorf("duplicate alias: %d, want 409", res.Status)
	}
	e.Do(key, "DELETE", path+"/office", nil).MustOK(t)
	if res := e.Do(key, "DELETE", path+"/office", nil); res.Status != http.StatusNotFound {
		t.Errorf("second delete: %d, want 404", res.Status)
	}
}

func TestManagementNeedsTheTenantsKey(t *testing.T) {
	e := apitest.New(t)
	_, keyA := e.Tenant("A")
	_, keyB := e.Tenant("B")
	e.Do(keyA, "POST", base+"/action-configurations", map[string]any{"actionCode": "signIn"}).MustOK(t)
	if res := e.Do(keyB, "GET", base+"/action-configurations/signIn", nil); res.Status != http.StatusNotFound {
		t.Errorf("tenant B read tenant A's configuration: %d", res.Status)
	}
	if res := e.Do("", "GET", base+"/action-configurations", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("no key: %d, want 401", res.Status)
	}
}
