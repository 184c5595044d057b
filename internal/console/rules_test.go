package console_test

import (
	"encoding/json"
	"html"
	"html/template"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/console"
	"github.com/uplift-dev/uplift/internal/rules"
)

// ruleForm is a valid rule form.
func ruleForm() url.Values {
	return url.Values{
		"name": {"New devices"}, "description": {"Challenge on a device we have not seen"}, "priority": {"5"},
		"active": {"on"}, "outcome": {"CHALLENGE"}, "prompt": {"on"},
		"conditions": {`{"and":[{"==":[{"var":"device.isNew"},true]}]}`},
	}
}

// newRuleID returns the rule id a create redirected to.
func newRuleID(t *testing.T, p page, code string) string {
	t.Helper()
	m := regexp.MustCompile(`^/console/actions/` + code + `/rules/([0-9a-f-]{36})\?done=rule-created$`).FindStringSubmatch(p.header.Get("Location"))
	if p.status != 303 || m == nil {
		t.Fatalf("create rule = %d to %q:\n%s", p.status, p.header.Get("Location"), p.body)
	}
	return m[1]
}

func TestRuleLifecycle(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	h.env.Do(h.secret, "POST", actionConfigsPath, map[string]any{"actionCode": "signIn"}).MustOK(t)
	rulesPath := actionConfigsPath + "/signIn/rules"

	pageHas(t, h.get("/console/actions/signIn/rules/new", s), 200, "<h1>New rule</h1>",
		`<label for="name">Name</label>`, `<label for="description">Description</label>`,
		`<label for="priority">Priority</label>`, `type="number" min="0" max="99"`, "the lowest number wins",
		`<label for="prompt">Prompt users to add a passkey</label>`,
		`> Active</label>`, `<label for="outcome">Outcome</label>`,
		`<legend>Verification methods</legend>`, `<label for="conditions">Condition (JSONLogic)</label>`,
		`<label for="builder-match">Match</label>`, `<option value="and">all of these conditions</option>`,
		`<option value="or">any of these conditions</option>`, `<button type="button" data-builder-add>Add condition</button>`,
		`This condition is edited as JSONLogic only.`, `<button type="submit" class="primary">Save rule</button>`,
		`<form method="post" action="/console/actions/signIn/rules">`)

	form := ruleForm()
	form["methods"] = []string{"PASSKEY", "SMS"}
	form.Set("defaultMethod", "SMS")
	id := newRuleID(t, h.post("/console/actions/signIn/rules", s, form), "signIn")
	got := h.env.Do(h.secret, "GET", rulesPath+"/"+id, nil).MustOK(t)
	if got.Str("name") != "New devices" || got.JSON["priority"] != float64(5) || got.JSON["isActive"] != true ||
		got.Str("type") != "CHALLENGE" || got.Str("defaultVerificationMethod") != "SMS" ||
		len(got.JSON["promptToEnrollVerificationMethods"].([]any)) != 1 || len(got.JSON["verificationMethods"].([]any)) != 2 {
		t.Errorf("created rule, as the API sees it: %s", got.Body)
	}
	if c, _ := json.Marshal(got.JSON["conditions"]); string(c) != `{"and":[{"==":[{"var":"device.isNew"},true]}]}` {
		t.Errorf("conditions = %s", c)
	}
	rulePage := "/console/actions/signIn/rules/" + id
	pageHas(t, h.get(rulePage+"?done=rule-created", s), 200, "Rule created.", "<h1>Rule: New devices</h1>",
		`value="New devices"`, `name="active" value="on" checked`, `<option value="on" selected>On</option>`,
		`Effective when this rule wins: On — from this rule&#39;s switch`,
		`<option value="SMS" selected>Text message code</option>`,
		template.HTMLEscapeString("{\"and\":[\n  {\"==\":[{\"var\":\"device.isNew\"},true]}\n]}")+"</textarea>",
		`<button type="submit" class="danger">Delete rule</button>`, `<form method="post" action="`+rulePage+`">`)
	pageHas(t, h.get("/console/actions/signIn", s), 200, `<td data-label="Priority" class="num">5</td>
<td data-label="Name"><a href="`+rulePage+`">New devices</a></td>
<td data-label="Active"><span class="badge on">Active</span></td>
<td data-label="Outcome">Challenge</td>
<td data-label="Passkey prompt"><span class="badge on">On</span></td>`)

	// Edit: everything the form holds reaches the API.
	form = ruleForm()
	form.Set("name", "Bots")
	form.Set("priority", "0")
	form.Del("active")
	form.Del("prompt")
	form.Set("outcome", "BLOCK")
	form.Set("conditions", `{"or":[{"==":[{"var":"device.isBot"},true]},{"in_cidr_list":[{"var":"ip.address"},"bad-ranges"]}]}`)
	p := h.post(rulePage, s, form)
	if p.status != 303 || p.header.Get("Location") != rulePage+"?done=rule-saved" {
		t.Fatalf("save = %d to %q:\n%s", p.status, p.header.Get("Location"), p.body)
	}
	got = h.env.Do(h.secret, "GET", rulesPath+"/"+id, nil).MustOK(t)
	if got.Str("name") != "Bots" || got.JSON["priority"] != float64(0) || got.JSON["isActive"] != false ||
		got.Str("type") != "BLOCK" || len(got.JSON["promptToEnrollVerificationMethods"].([]any)) != 0 ||
		len(got.JSON["verificationMethods"].([]any)) != 0 {
		t.Errorf("saved rule, as the API sees it: %s", got.Body)
	}
	// What the API changes, the page shows.
	h.env.Do(h.secret, "PATCH", rulesPath+"/"+id, map[string]any{"name": "Bots and crawlers", "priority": 42}).MustOK(t)
	pageHas(t, h.get(rulePage, s), 200, `value="Bots and crawlers"`, `value="42"`)

	p = h.post(rulePage+"/delete", s, nil)
	if p.status != 303 || p.header.Get("Location") != "/console/actions/signIn?done=rule-deleted" {
		t.Fatalf("delete = %d to %q", p.status, p.header.Get("Location"))
	}
	if list := h.env.Do(h.secret, "GET", rulesPath, nil).MustOK(t); len(list.List) != 0 {
		t.Errorf("rules after delete: %s", list.Body)
	}
	pageHas(t, h.get("/console/actions/signIn?done=rule-deleted", s), 200, "Rule deleted.", "No rules yet")
	if p := h.get(rulePage, s); p.status != 404 {
		t.Errorf("deleted rule's page = %d, want 404", p.status)
	}
}

func TestRuleRefusals(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	h.env.Do(h.secret, "POST", actionConfigsPath, map[string]any{"actionCode": "signIn"}).MustOK(t)
	id := newRuleID(t, h.post("/console/actions/signIn/rules", s, ruleForm()), "signIn")
	before := h.env.Do(h.secret, "GET", actionConfigsPath+"/signIn/rules/"+id, nil).MustOK(t)
	for _, tt := range []struct {
		name, field, value, errorField, mention string
	}{
		{"priority 100", "priority", "100", "priority", "priority must be from 0 to 99, got 100"},
		{"priority not a number", "priority", "first", "priority", "whole number from 0 to 99"},
		{"unknown fact", "conditions", `{"==":[{"var":"device.isnew"},true]}`, "conditions", `unknown fact "device.isnew"; did you mean "device.isNew"?`},
		{"malformed JSON", "conditions", `{"==":[{"var":"device.isNew"},true]`, "conditions", "not valid JSON"},
		{"not an object", "conditions", `true`, "conditions", "must be a JSONLogic object"},
		{"no condition", "conditions", ``, "conditions", "conditions are required"},
		{"unknown operator", "conditions", `{"like":[{"var":"user.email"},"x"]}`, "conditions", `unknown operator "like"`},
		{"blank name", "name", "  ", "name", "name must be 1 to 100 characters"},
		{"unknown outcome", "outcome", "MAYBE", "outcome", "type must be ALLOW"},
		{"default not permitted", "defaultMethod", "AUTHENTICATOR_APP", "methods", "is not among"},
	} {
		for _, path := range []string{"/console/actions/signIn/rules", "/console/actions/signIn/rules/" + id} {
			t.Run(tt.name+" "+path, func(t *testing.T) {
				form := ruleForm()
				form.Set(tt.field, tt.value)
				form.Set("description", "Typed <and> kept")
				if tt.field == "defaultMethod" {
					form["methods"] = []string{"PASSKEY"}
				}
				p := h.post(path, s, form)
				pageHas(t, p, 400, `role="alert"`, `value="Typed &lt;and&gt; kept"`,
					`aria-describedby="`+tt.errorField+`-hint`, `-error" aria-invalid="true"`)
				if got := html.UnescapeString(fieldErrorOf(p.body, tt.errorField)); !strings.Contains(got, tt.mention) {
					t.Errorf("error next to %s = %q, want it to mention %q", tt.errorField, got, tt.mention)
				}
				if tt.field == "conditions" && !strings.Contains(p.body, ">"+template.HTMLEscapeString(tt.value)+"</textarea>") {
					t.Error("the typed condition was not kept")
				}
			})
		}
	}
	after := h.env.Do(h.secret, "GET", actionConfigsPath+"/signIn/rules/"+id, nil).MustOK(t)
	if string(after.Body) != string(before.Body) {
		t.Errorf("a refused form changed the rule:\n%s\n%s", before.Body, after.Body)
	}
	if list := h.env.Do(h.secret, "GET", actionConfigsPath+"/signIn/rules", nil).MustOK(t); len(list.List) != 1 {
		t.Errorf("refused creates stored rules: %s", list.Body)
	}
}

// TestAnotherTenantsRuleIsNotFound: a rule id of another tenant answers
// 404 on every rule page, under its action code or under one the admin's
// tenant also has, and stays as it was.
func TestAnotherTenantsRuleIsNotFound(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	_, globexKey := h.env.Tenant("Globex")
	h.env.Do(h.secret, "POST", actionConfigsPath, map[string]any{"actionCode": "signIn"}).MustOK(t)
	h.env.Do(globexKey, "POST", actionConfigsPath, map[string]any{"actionCode": "signIn"}).MustOK(t)
	h.env.Do(globexKey, "POST", actionConfigsPath, map[string]any{"actionCode": "globexOnly"}).MustOK(t)
	var ids []string
	for _, code := range []string{"signIn", "globexOnly"} {
		res := h.env.Do(globexKey, "POST", actionConfigsPath+"/"+code+"/rules", map[string]any{
			"name": "Globex secret rule", "priority": 1, "conditions": map[string]any{"!!": []any{true}},
		}).MustOK(t)
		ids = append(ids, res.Str("ruleId"))
	}
	for i, code := range []string{"signIn", "globexOnly"} {
		base := "/console/actions/" + code + "/rules/" + ids[i]
		for _, p := range []page{
			h.get(base, s),
			h.post(base, s, ruleForm()),
			h.post(base+"/delete", s, nil),
			h.get("/console/actions/signIn/rules/"+ids[1], s),
		} {
			if p.status != 404 || strings.Contains(p.body, "Globex secret rule") {
				t.Errorf("%s: %d, want 404 revealing nothing", base, p.status)
			}
		}
		got := h.env.Do(globexKey, "GET", actionConfigsPath+"/"+code+"/rules/"+ids[i], nil).MustOK(t)
		if got.Str("name") != "Globex secret rule" {
			t.Errorf("another tenant's rule changed: %s", got.Body)
		}
	}
	if p := h.get("/console/actions/signIn/rules/not-a-uuid", s); p.status != 404 {
		t.Errorf("malformed rule id = %d, want 404", p.status)
	}
}

func TestCheckCondition(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	csrf := h.csrf(s)
	check := func(body string) (int, map[string]any) {
		p := h.do("POST", "/console/api/conditions/check", s, strings.NewReader(body),
			"Content-Type", "application/json", console.CSRFHeader, csrf, "Origin", consoleOrigin)
		var out map[string]any
		json.Unmarshal([]byte(p.body), &out)
		return p.status, out
	}
	for _, tt := range []struct {
		name, body string
		valid      bool
		mention    string
	}{
		{"valid", `{"conditions":{"and":[{"==":[{"var":"device.isNew"},true]},{"in_list":[{"var":"user.emailDomain"},"staff"]}]}}`, true, ""},
		{"unknown fact", `{"conditions":{"==":[{"var":"user.Email"},"a@b.c"]}}`, false, `did you mean "user.email"?`},
		{"not an object", `{"conditions":[1]}`, false, "must be a JSONLogic object"},
		{"missing", `{}`, false, "conditions are required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, out := check(tt.body)
			if status != 200 || out["valid"] != tt.valid {
				t.Fatalf("check = %d %v, want 200 valid %v", status, out, tt.valid)
			}
			if msg, _ := out["error"].(string); !strings.Contains(msg, tt.mention) {
				t.Errorf("error = %q, want it to mention %q", msg, tt.mention)
			}
		})
	}
	if status, out := check(`{"conditions":`); status != 400 {
		t.Errorf("malformed body = %d %v, want 400", status, out)
	}
}

var catalogBlock = regexp.MustCompile(`<script type="application/json" id="condition-catalog">([^<]*)</script>`)

// builderCatalog is the condition builder's data as the rule page embeds it.
type builderCatalog struct {
	Facts []struct {
		Name      string   `json:"name"`
		Kind      string   `json:"kind"`
		Prefix    string   `json:"prefix"`
		Operators []string `json:"operators"`
	} `json:"facts"`
	Operators []struct{ Op, Label string } `json:"operators"`
}

// TestBuilderCatalogIsTheRulesPackages: the builder offers exactly the
// facts the rules package knows, and every fact with every operator it
// offers makes a condition that compiles.
func TestBuilderCatalogIsTheRulesPackages(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	h.env.Do(h.secret, "POST", actionConfigsPath, map[string]any{"actionCode": "signIn"}).MustOK(t)
	p := h.get("/console/actions/signIn/rules/new", s)
	m := catalogBlock.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("the rule page has no condition catalog")
	}
	var c builderCatalog
	if err := json.Unmarshal([]byte(m[1]), &c); err != nil {
		t.Fatalf("the catalog is not JSON: %v\n%s", err, m[1])
	}
	var names []string
	for _, f := range c.Facts {
		names = append(names, f.Name)
	}
	if want := rules.FactNames(); !slices.Equal(names, want) {
		t.Errorf("builder facts = %v\nwant %v", names, want)
	}
	labels := map[string]bool{}
	for _, o := range c.Operators {
		labels[o.Op] = o.Label != ""
	}
	samples := map[string]any{"boolean": true, "number": 2, "string": "x", "strings": "PASSKEY", "address": "192.0.2.1", "custom": "gold"}
	for _, f := range c.Facts {
		name := f.Name
		if f.Prefix != "" {
			name = f.Prefix + "plan"
		}
		if len(f.Operators) == 0 {
			t.Errorf("fact %s offers no operator", f.Name)
		}
		for _, op := range f.Operators {
			if !labels[op] {
				t.Errorf("operator %s has no label", op)
			}
			v := samples[f.Kind]
			if op == "in_list" || op == "in_cidr_list" {
				v = "some-list"
			}
			cond := map[string]any{op: []any{map[string]any{"var": name}, v}}
			if op == "in" {
				cond = map[string]any{op: []any{v, map[string]any{"var": name}}}
			}
			raw, _ := json.Marshal(map[string]any{"and": []any{cond}})
			if _, err := rules.Compile(raw); err != nil {
				t.Errorf("%s does not compile: %v", raw, err)
			}
		}
	}
}

// TestPolicyPagesNeedNoInlineScriptOrStyle: the strict policy allows only
// the console's own script and stylesheet, so these pages carry their data
// in attributes and JSON data blocks, never inline code or styles.
func TestPolicyPagesNeedNoInlineScriptOrStyle(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	h.env.Do(h.secret, "POST", actionConfigsPath, map[string]any{"actionCode": "signIn"}).MustOK(t)
	id := newRuleID(t, h.post("/console/actions/signIn/rules", s, ruleForm()), "signIn")
	scripts := regexp.MustCompile(`<script[^>]*>`)
	handlers := regexp.MustCompile(`(?i)\son[a-z]+=`)
	for _, path := range []string{"/console/settings", "/console/actions", "/console/actions/signIn",
		"/console/actions/signIn/rules/new", "/console/actions/signIn/rules/" + id} {
		p := h.get(path, s)
		if p.status != 200 {
			t.Fatalf("%s = %d", path, p.status)
		}
		if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self';") || !strings.Contains(csp, "style-src 'self';") {
			t.Errorf("%s policy = %q", path, csp)
		}
		for _, tag := range scripts.FindAllString(p.body, -1) {
			if !strings.Contains(tag, ` src="/console/assets/console.js?v=`) && tag != `<script type="application/json" id="condition-catalog">` {
				t.Errorf("%s has an inline script %s", path, tag)
			}
		}
		if strings.Contains(p.body, " style=") || strings.Contains(p.body, "<style") || handlers.MatchString(p.body) {
			t.Errorf("%s has an inline style or event handler", path)
		}
	}
}

// Whatever condition the Management API accepts can be saved through the
// console's form, whose encoding makes it longer; a form too large for
// any rule is refused as such, not as a forged post.
func TestLargeConditionThroughTheForm(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	h.env.Do(h.secret, "POST", actionConfigsPath, map[string]any{"actionCode": "signIn"}).MustOK(t)
	var terms []string
	for i := range 30 {
		terms = append(terms, `{"==":[{"var":"user.email"},"`+strings.Repeat(string(rune('a'+i%26)), 1000)+`"]}`)
	}
	cond := `{"or":[` + strings.Join(terms, ",") + `]}`
	form := ruleForm()
	form.Set("conditions", cond)
	id := newRuleID(t, h.post("/console/actions/signIn/rules", s, form), "signIn")
	got := h.env.Do(h.secret, "GET", actionConfigsPath+"/signIn/rules/"+id, nil).MustOK(t)
	if c, _ := json.Marshal(got.JSON["conditions"]); len(c) < 30000 {
		t.Errorf("the saved condition has %d bytes, want the whole of it", len(c))
	}

	form.Set("description", strings.Repeat("x", console.MaxFormBody))
	p := h.post("/console/actions/signIn/rules", s, form)
	if p.status != 400 || !strings.Contains(p.body, "could not be read") {
		t.Errorf("an oversized form = %d:\n%s", p.status, p.body)
	}
}
