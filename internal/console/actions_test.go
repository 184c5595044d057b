package console_test

import (
	"net/url"
	"strings"
	"testing"
)

const actionConfigsPath = "/v1/management/action-configurations"

func TestActionsPageListsAndCreates(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	pageHas(t, h.get("/console/actions", s), 200, "<h1>Actions</h1>", "No actions yet",
		`<label for="action-code">Action code</label>`, `<button type="submit" class="primary">Create action</button>`,
		`<form method="post" action="/console/actions" aria-labelledby="new-action">`)

	p := h.post("/console/actions", s, url.Values{"code": {"withdraw"}})
	if p.status != 303 || p.header.Get("Location") != "/console/actions/withdraw?done=action-created" {
		t.Fatalf("create = %d to %q:\n%s", p.status, p.header.Get("Location"), p.body)
	}
	got := h.env.Do(h.secret, "GET", actionConfigsPath+"/withdraw", nil).MustOK(t)
	if got.Str("defaultUserActionResult") != "CHALLENGE" || len(got.JSON["verificationMethods"].([]any)) != 0 ||
		len(got.JSON["promptToEnrollVerificationMethods"].([]any)) != 0 {
		t.Errorf("created action, as the API sees it: %s", got.Body)
	}
	pageHas(t, h.get("/console/actions/withdraw?done=action-created", s), 200, "Action created.")

	h.env.Do(h.secret, "PATCH", actionConfigsPath+"/withdraw", map[string]any{
		"promptToEnrollVerificationMethods": []string{"PASSKEY"}, "verificationMethods": []string{"PASSKEY", "SMS"},
	}).MustOK(t)
	h.env.Do(h.secret, "POST", actionConfigsPath+"/withdraw/rules", map[string]any{
		"name": "New devices", "priority": 1, "conditions": map[string]any{"==": []any{map[string]any{"var": "device.isNew"}, true}},
	}).MustOK(t)
	pageHas(t, h.get("/console/actions", s), 200,
		`<th scope="col">Action code</th>`,
		`<td data-label="Action code"><a href="/console/actions/withdraw"><code>withdraw</code></a></td>
<td data-label="Default outcome">Challenge</td>
<td data-label="Methods">Passkey, Text message code</td>
<td data-label="Passkey prompt"><span class="badge on">On — from this action&#39;s switch</span></td>
<td data-label="Rules" class="num">1</td>
<td data-label="Last used">never</td>`)
}

func TestCreateActionRefusals(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	if p := h.post("/console/actions", s, url.Values{"code": {"signIn"}}); p.status != 303 {
		t.Fatalf("first create = %d", p.status)
	}
	for _, tt := range []struct{ name, code, mention string }{
		{"spaces", "sign in", "actionCode must match"},
		{"empty", "", "actionCode must match"},
		{"taken", "signIn", "already exists"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := h.post("/console/actions", s, url.Values{"code": {tt.code}})
			pageHas(t, p, 400, `value="`+tt.code+`"`, `aria-invalid="true"`, `aria-describedby="action-code-hint action-code-error"`)
			if got := fieldErrorOf(p.body, "action-code"); !strings.Contains(got, tt.mention) {
				t.Errorf("error = %q, want it to mention %q", got, tt.mention)
			}
		})
	}
}

func TestActionPageSavesThroughTheSameRules(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	h.env.Do(h.secret, "POST", actionConfigsPath, map[string]any{"actionCode": "signIn"}).MustOK(t)
	pageHas(t, h.get("/console/actions/signIn", s), 200, "<h1>Action: signIn</h1>",
		`<label for="prompt">Prompt users to add a passkey</label>`, `<option value="inherit" selected>Inherit</option>`,
		`Effective: On — from the tenant setting`, `<label for="outcome">Default outcome</label>`,
		`<option value="ALLOW">Allow</option>`, `<option value="CHALLENGE" selected>Challenge</option>`,
		`<option value="REVIEW">Review</option>`, `<option value="BLOCK">Block</option>`,
		`<legend>Verification methods</legend>`, `<label for="defaultMethod">Default method</label>`,
		`<button type="submit" class="primary">Save action</button>`, `<h2>Rules</h2>`, "No rules yet",
		`<a class="button" href="/console/actions/signIn/rules/new">New rule</a>`)

	form := url.Values{"prompt": {"on"}, "outcome": {"BLOCK"}, "methods": {"PASSKEY", "EMAIL_OTP"}, "defaultMethod": {"EMAIL_OTP"}}
	p := h.post("/console/actions/signIn", s, form)
	if p.status != 303 || p.header.Get("Location") != "/console/actions/signIn?done=action-saved" {
		t.Fatalf("save = %d to %q:\n%s", p.status, p.header.Get("Location"), p.body)
	}
	got := h.env.Do(h.secret, "GET", actionConfigsPath+"/signIn", nil).MustOK(t)
	if got.Str("defaultUserActionResult") != "BLOCK" || got.Str("defaultVerificationMethod") != "EMAIL_OTP" ||
		len(got.JSON["verificationMethods"].([]any)) != 2 || len(got.JSON["promptToEnrollVerificationMethods"].([]any)) != 1 {
		t.Errorf("saved action, as the API sees it: %s", got.Body)
	}
	// Unchecking the switch turns the prompt off.
	form.Del("prompt")
	h.post("/console/actions/signIn", s, form)
	if got := h.env.Do(h.secret, "GET", actionConfigsPath+"/signIn", nil).MustOK(t); len(got.JSON["promptToEnrollVerificationMethods"].([]any)) != 0 {
		t.Errorf("prompt after unchecking = %v", got.JSON["promptToEnrollVerificationMethods"])
	}
	// What the API sets, the page shows.
	h.env.Do(h.secret, "PATCH", actionConfigsPath+"/signIn", map[string]any{"defaultUserActionResult": "REVIEW",
		"promptToEnrollVerificationMethods": []string{"PASSKEY"}}).MustOK(t)
	pageHas(t, h.get("/console/actions/signIn", s), 200, `<option value="REVIEW" selected>Review</option>`,
		`<option value="on" selected>On</option>`, `Effective: On — from this action&#39;s switch`,
		`name="methods" value="EMAIL_OTP" checked`)

	before := h.env.Do(h.secret, "GET", actionConfigsPath+"/signIn", nil).MustOK(t)
	for _, tt := range []struct {
		name       string
		change     url.Values
		field, msg string
	}{
		{"default not permitted", url.Values{"defaultMethod": {"SMS"}}, "methods", "is not among the verificationMethods"},
		{"unknown method", url.Values{"methods": {"FAX"}}, "methods", "verificationMethods"},
		{"unknown outcome", url.Values{"outcome": {"MAYBE"}}, "outcome", "defaultUserActionResult must be"},
		{"redirect elsewhere", url.Values{"redirectUrl": {"https://evil.example/cb"}}, "redirectUrl", "is not below any"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := url.Values{"outcome": {"ALLOW"}, "methods": {"PASSKEY", "EMAIL_OTP"}, "defaultMethod": {"PASSKEY"}}
			for k, v := range tt.change {
				f[k] = v
			}
			p := h.post("/console/actions/signIn", s, f)
			pageHas(t, p, 400, `role="alert"`, `<h2>Rules</h2>`)
			if got := fieldErrorOf(p.body, tt.field); !strings.Contains(got, tt.msg) {
				t.Errorf("error next to %s = %q, want it to mention %q", tt.field, got, tt.msg)
			}
			if v := tt.change.Get("redirectUrl"); v != "" && !strings.Contains(p.body, `value="`+v+`"`) {
				t.Error("the typed redirect URL was lost")
			}
		})
	}
	if after := h.env.Do(h.secret, "GET", actionConfigsPath+"/signIn", nil).MustOK(t); string(after.Body) != string(before.Body) {
		t.Errorf("a refused form changed the action:\n%s\n%s", before.Body, after.Body)
	}
}

// TestAnotherTenantsActionIsNotFound: an action code only another tenant
// has, or one that cannot exist, answers 404 on every action page.
func TestAnotherTenantsActionIsNotFound(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	_, globexKey := h.env.Tenant("Globex")
	h.env.Do(globexKey, "POST", actionConfigsPath, map[string]any{"actionCode": "globexOnly"}).MustOK(t)
	for _, code := range []string{"globexOnly", "no%20such%20code", "nothing"} {
		for _, req := range []struct{ method, path string }{
			{"GET", "/console/actions/" + code},
			{"POST", "/console/actions/" + code},
			{"GET", "/console/actions/" + code + "/rules/new"},
			{"POST", "/console/actions/" + code + "/rules"},
		} {
			var p page
			if req.method == "GET" {
				p = h.get(req.path, s)
			} else {
				p = h.post(req.path, s, url.Values{"outcome": {"ALLOW"}, "name": {"x"}, "priority": {"1"}, "conditions": {`{"!!":[true]}`}})
			}
			if p.status != 404 || strings.Contains(p.body, "globexOnly") {
				t.Errorf("%s %s = %d, want 404 revealing nothing", req.method, req.path, p.status)
			}
		}
	}
	if p := h.get("/console/actions", s); strings.Contains(p.body, "globexOnly") {
		t.Error("the actions page lists another tenant's action")
	}
	if got := h.env.Do(globexKey, "GET", actionConfigsPath+"/globexOnly", nil).MustOK(t); got.Str("defaultUserActionResult") != "CHALLENGE" {
		t.Errorf("another tenant's action changed: %s", got.Body)
	}
}
