package browser_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// admin is a console admin's browser: its own profile and platform
// authenticator.
type admin struct {
	*device
}

// newAdmin makes a browser with a platform authenticator and enrols its
// passkey as a console admin through a one-time invitation, the way the
// first admin of a tenant starts: it lands on the dashboard, signed in.
func (e *hostedEnv) newAdmin(name string) *admin {
	e.t.Helper()
	link, err := e.admin.CreateAdminInvite(context.Background(), e.tenant.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	a := &admin{e.newDevice(platform)}
	a.open(link.URL)
	a.find("heading", "Become an admin of "+e.tenant.Name)
	a.typeInto("Your name", name)
	a.press("button", "Create passkey")
	a.waitForURL(e.api + "/console/")
	a.find("link", "Dashboard")
	return a
}

// visit opens a console page and waits until its main heading contains
// heading.
func (a *admin) visit(path, heading string) {
	a.t.Helper()
	a.open(a.e.api + path)
	a.waitFor(func() bool { return strings.Contains(a.heading(), heading) }, "heading "+heading)
}

// call runs fn (a JavaScript function declaration) with the control of the
// role and accessible name as this, and returns its result.
func (a *admin) call(role, name, fn string, args ...any) any {
	a.t.Helper()
	id := a.find(role, name)
	obj, err := chromedp.Call(a.ctx, dom.ResolveNode, dom.ResolveNodeParams{BackendNodeID: id})
	if err != nil {
		a.t.Fatalf("resolve %s %q: %v", role, name, err)
	}
	var callArgs []*runtime.CallArgument
	for _, v := range args {
		b, err := json.Marshal(v)
		if err != nil {
			a.t.Fatal(err)
		}
		callArgs = append(callArgs, &runtime.CallArgument{Value: b})
	}
	yes := true
	r, err := chromedp.Call(a.ctx, runtime.CallFunctionOn, runtime.CallFunctionOnParams{
		FunctionDeclaration: fn, ObjectID: obj.Object.ObjectID, Arguments: callArgs, ReturnByValue: &yes, AwaitPromise: &yes})
	if err != nil {
		a.t.Fatalf("call on %s %q: %v", role, name, err)
	}
	if r.ExceptionDetails != nil {
		a.t.Fatalf("call on %s %q threw: %s %v", role, name, r.ExceptionDetails.Text, r.ExceptionDetails.Exception)
	}
	var out any
	if r.Result != nil && len(r.Result.Value) > 0 {
		json.Unmarshal(r.Result.Value, &out)
	}
	return out
}

// setChecked ticks or clears the checkbox with the accessible name, as a
// click would.
func (a *admin) setChecked(name string, on bool) {
	a.t.Helper()
	a.call("checkbox", name, `function(on) { if (this.checked !== on) this.click(); }`, on)
}

// checked reports whether the checkbox is ticked.
func (a *admin) checked(name string) bool {
	a.t.Helper()
	return a.call("checkbox", name, `function() { return this.checked; }`) == true
}

// choose selects the option with the visible label in the select with
// the accessible name, and tells the page it changed.
func (a *admin) choose(name, label string) {
	a.t.Helper()
	a.call("combobox", name, `function(label) {
		const o = [...this.options].find(o => o.textContent.trim() === label);
		if (!o) throw new Error("no option " + label + " among " + [...this.options].map(o => o.textContent.trim()).join(", "));
		this.value = o.value;
		this.dispatchEvent(new Event("input", {bubbles: true}));
		this.dispatchEvent(new Event("change", {bubbles: true}));
	}`, label)
}

// fill replaces the text of the textbox with the accessible name.
func (a *admin) fill(name, text string) {
	a.t.Helper()
	a.fillRole("textbox", name, text)
}

// fillRole replaces the value of the control of the role (textbox,
// spinbutton) with the accessible name.
func (a *admin) fillRole(role, name, text string) {
	a.t.Helper()
	a.call(role, name, `function(text) {
		this.value = text;
		this.dispatchEvent(new Event("input", {bubbles: true}));
		this.dispatchEvent(new Event("change", {bubbles: true}));
	}`, text)
}

// value is the current value of the control.
func (a *admin) value(role, name string) string {
	a.t.Helper()
	v, _ := a.call(role, name, `function() { return this.value; }`).(string)
	return v
}

// notice waits until the page shows a status message containing text.
func (a *admin) notice(text string) {
	a.t.Helper()
	a.waitFor(func() bool { return strings.Contains(a.text(), text) }, "the notice "+text)
}

// waitFor polls the page until ok holds.
func (a *admin) waitFor(ok func() bool, what string) {
	a.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !ok() {
		if time.Now().After(deadline) {
			a.t.Fatalf("no %s on %s:\n%s", what, a.url(), a.text())
		}
		time.Sleep(50 * time.Millisecond) // polling the page, not waiting out time
	}
}

// chooseValue selects the option with the value in the select with the
// accessible name.
func (a *admin) chooseValue(name, value string) {
	a.t.Helper()
	a.choose(name, a.optionLabel(name, value))
}

// optionLabel is the visible label of the option with the value.
func (a *admin) optionLabel(name, value string) string {
	a.t.Helper()
	label, _ := a.call("combobox", name, `function(value) {
		const o = [...this.options].find(o => o.value === value);
		if (!o) throw new Error("no option with value " + value + " among " + [...this.options].map(o => o.value).join(", "));
		return o.textContent.trim();
	}`, value).(string)
	return label
}

// heading is the page's first-level heading.
func (a *admin) heading() string {
	h, _ := chromedp.Run(a.ctx, chromedp.Evaluate[string](`(document.querySelector("h1") || {textContent: ""}).textContent.trim()`))
	return h
}

// serverAPIAny calls the Server or Management API with the tenant's
// secret key and returns the decoded JSON, whatever its shape.
func (e *hostedEnv) serverAPIAny(method, path string) any {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.api+path, nil)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(e.secret+":")))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		e.t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, err)
	}
	return out
}

// sameJSON reports whether the JSON text means the same as want.
func sameJSON(text string, want any) bool {
	var got any
	if json.Unmarshal([]byte(text), &got) != nil {
		return false
	}
	return sameJSONValue(got, want)
}

// sameJSONValue compares two decoded JSON values.
func sameJSONValue(got, want any) bool {
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	var gv, wv any
	json.Unmarshal(g, &gv)
	json.Unmarshal(w, &wv)
	return reflect.DeepEqual(gv, wv)
}
