package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/uplift-dev/uplift/client"
	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/branding"
	"github.com/uplift-dev/uplift/internal/console"
	"github.com/uplift-dev/uplift/internal/demo"
	"github.com/uplift-dev/uplift/internal/hosted"
	"github.com/uplift-dev/uplift/internal/metrics"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/notify/notifytest"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/webauthntest"
)

// origin is where apitest's server says it is served.
const origin = "http://localhost:8080"

// route is one route of routes.go.
type route struct {
	// pattern is as routes.go writes it, e.g. "GET /v1/users/{userId}".
	pattern string
	// method is the pattern's method; "" when it names none.
	method string
	// path is the pattern's path, wildcards included.
	path string
	// mux is the mux that serves it: "api" or "browser".
	mux string
}

// wildcards returns the names of the route's wildcards, without "..." and
// leaving out {$}.
func (r route) wildcards() []string {
	var out []string
	for _, m := range wildcardPattern.FindAllStringSubmatch(r.path, -1) {
		if m[1] != "$" {
			out = append(out, strings.TrimSuffix(m[1], "..."))
		}
	}
	return out
}

var wildcardPattern = regexp.MustCompile(`\{([^}]*)\}`)

// fill returns the route's path with each wildcard replaced by its value
// in values, escaped ("x" for a wildcard values does not name).
func (r route) fill(values map[string]string) string {
	return wildcardPattern.ReplaceAllStringFunc(r.path, func(w string) string {
		name := strings.TrimSuffix(w[1:len(w)-1], "...")
		if name == "$" {
			return ""
		}
		v, ok := values[name]
		if !ok {
			v = "x"
		}
		return url.PathEscape(v)
	})
}

// methods are the methods to send the route: its own, or GET and POST.
func (r route) methods() []string {
	if r.method != "" {
		return []string{r.method}
	}
	return []string{"GET", "POST"}
}

var handleCall = regexp.MustCompile(`\.Handle(?:Func)?\(\s*((?:"[^"]*"|[\w.]+)(?:\s*\+\s*(?:"[^"]*"|[\w.]+))*)\s*,`)

// routeFuncs are the functions of routes.go that list routes, and the mux
// each fills.
var routeFuncs = map[string]string{"apiRoutes": "api", "browserRoutes": "browser"}

var funcDecl = regexp.MustCompile(`(?m)^func (?:\([^)]*\) )?(\w+)\(`)

// readRoutes reads every route of routes.go, the table the server serves,
// with the mux of the function that lists it.
func readRoutes(t testing.TB) []route {
	t.Helper()
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{"hosted.AssetPrefix": hosted.AssetPrefix, "console.AssetPrefix": console.AssetPrefix,
		"branding.PathPrefix": branding.PathPrefix, "hosted.DefaultFaviconPath": hosted.DefaultFaviconPath}
	funcs := funcDecl.FindAllStringSubmatchIndex(string(src), -1)
	var out []route
	for _, m := range handleCall.FindAllStringSubmatchIndex(string(src), -1) {
		in := ""
		for _, f := range funcs {
			if f[0] < m[0] {
				in = string(src[f[2]:f[3]])
			}
		}
		mux, ok := routeFuncs[in]
		if !ok {
			t.Fatalf("routes.go: a route is registered in %s, which serves neither mux: %s", in, src[m[0]:m[1]])
		}
		expr := string(src[m[2]:m[3]])
		var b strings.Builder
		for _, part := range strings.Split(expr, "+") {
			part = strings.TrimSpace(part)
			if s, err := strconv.Unquote(part); err == nil {
				b.WriteString(s)
			} else if c, ok := consts[part]; ok {
				b.WriteString(c)
			} else {
				t.Fatalf("routes.go: cannot evaluate %s in %s", part, expr)
			}
		}
		r := route{pattern: b.String(), path: b.String(), mux: mux}
		if method, path, ok := strings.Cut(r.pattern, " "); ok {
			r.method, r.path = method, path
		}
		out = append(out, r)
	}
	if len(out) < 80 {
		t.Fatalf("read only %d routes from routes.go", len(out))
	}
	return out
}

// surface is Uplift in process with everything its routes need to get
// past authentication: a tenant's secret key, a client token, an admin's
// console session, a hosted flow's cookies and CSRF field, the demo app
// and the dev inbox; and every log line at debug level.
type surface struct {
	t       testing.TB
	env     *apitest.Env
	handler http.Handler
	logs    *logBuffer
	mail    *notifytest.SMTPServer
	tenant  model.Tenant
	secret  string
	// spareKeyID is a secret key's id that routes may revoke.
	spareKeyID string
	// token is a client token of alice's signIn action, key its idempotency key.
	token, key string
	// session is an admin's console session cookie, consoleCSRF its field.
	session, consoleCSRF string
	// invite is an unused console invitation's token.
	invite string
	// deviceCookie and csrfCookie are the hosted pages' cookies for the
	// flow of token; hostedCSRF its CSRF field.
	deviceCookie, csrfCookie, hostedCSRF string
	// demoCSRF is the demo app's sign-in form field (the cookies are the hosted ones).
	demoCSRF string
	// values fill the routes' wildcards with things that exist.
	values map[string]string
}

// newSurface starts the server on the database at dbURL ("" for SQLite),
// logging from level up.
func newSurface(t testing.TB, dbURL string, level slog.Level) *surface {
	t.Helper()
	s := &surface{t: t, logs: &logBuffer{}, mail: notifytest.StartSMTP(t)}
	log := slog.New(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: level}))
	email, err := notify.NewSMTPSender(s.mail.URL(), "no-reply@example.com")
	if err != nil {
		t.Fatal(err)
	}
	s.env = apitest.NewWith(t, apitest.Options{Log: log, DatabaseURL: dbURL, Email: email})
	s.tenant, s.secret = s.env.Tenant("Acme")

	// The demo app calls the Server API over HTTP, as `uplift demo` does.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	app := demo.New(client.New(srv.URL+"/v1", s.secret), origin, log)
	s.handler = server.New(s.env.App, log, server.WithDemo(app),
		server.WithDevInbox(notify.NewInbox(nil, 0, nil)), server.WithMetrics(metrics.New(metrics.Sources{}), true)).Handler()

	ctx := context.Background()
	svc := s.env.App.Tenancy
	if s.spareKeyID, _, err = svc.IssueKey(ctx, s.tenant.ID); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"signIn", "doomed"} {
		s.mustOK(s.api("POST", "/v1/management/action-configurations", map[string]any{"actionCode": code}))
	}
	rule := map[string]any{"name": "New devices", "type": "CHALLENGE", "priority": 1, "isActive": true,
		"conditions": map[string]any{"==": []any{map[string]any{"var": "device.isNew"}, true}}}
	ruleID := s.mustOK(s.api("POST", "/v1/management/action-configurations/signIn/rules", rule)).Str("ruleId")
	for _, alias := range []string{"blocked", "doomed"} {
		s.mustOK(s.api("POST", "/v1/management/value-lists", map[string]any{"alias": alias, "name": alias,
			"itemType": "string", "valueListItems": []string{"x"}}))
	}
	authID := s.mustOK(s.api("POST", "/v1/users/alice/authenticators", map[string]any{
		"verificationMethod": "EMAIL_OTP", "email": "alice@example.com"})).JSON["authenticator"].(map[string]any)["userAuthenticatorId"].(string)
	experimentID := s.mustOK(s.api("POST", "/v1/management/experiments", experimentSample)).Str("experimentId")
	tracked := s.mustOK(s.api("POST", "/v1/users/alice/actions/signIn", map[string]any{"redirectUrl": origin + "/done"}))
	s.token, s.key = tracked.Str("token"), tracked.Str("idempotencyKey")
	s.values = map[string]string{
		"userId": "alice", "action": "signIn", "idempotencyKey": s.key, "userAuthenticatorId": authID,
		"actionCode": "signIn", "ruleId": ruleID, "alias": "blocked", "code": "signIn", "keyId": s.spareKeyID,
		"method": string(model.MethodEmailOTP), "name": "hosted.js", "experimentId": experimentID,
	}

	s.enrolAdmin()
	s.openHostedFlow()
	p := s.send(s.request("GET", "/demo", nil, ""))
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no CSRF field on the demo's page (%d)", p.status)
	}
	s.demoCSRF = m[1]
	return s
}

// enrolAdmin makes an admin through an invitation and keeps the session,
// its CSRF field and another, unused invitation.
func (s *surface) enrolAdmin() {
	t := s.t
	ctx := context.Background()
	invite := func() string {
		link, err := s.env.App.Admin.CreateAdminInvite(ctx, s.tenant.ID)
		if err != nil {
			t.Fatal(err)
		}
		return link.URL[strings.LastIndex(link.URL, "/")+1:]
	}
	tok := invite()
	s.invite = invite()
	auth := virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{})
	cred := webauthntest.MustCredential()
	rp := virtualwebauthn.RelyingParty{ID: "localhost", Name: "Uplift console", Origin: origin}
	start := s.send(s.consoleJSON("/console/invite/"+tok+"/options", map[string]any{"name": "Ada Admin"}))
	var begun struct {
		CeremonyID string          `json:"ceremonyId"`
		Options    json.RawMessage `json:"options"`
	}
	if err := json.Unmarshal([]byte(start.body), &begun); err != nil || start.status != 200 {
		t.Fatalf("invite options: %d %s", start.status, start.body)
	}
	o, err := virtualwebauthn.ParseAttestationOptions(string(begun.Options))
	if err != nil {
		t.Fatal(err)
	}
	auth.Options.UserHandle = []byte(o.UserID)
	done := s.send(s.consoleJSON("/console/invite/"+tok+"/register", map[string]any{"ceremonyId": begun.CeremonyID,
		"response": json.RawMessage(virtualwebauthn.CreateAttestationResponse(rp, auth, cred, *o))}))
	for _, c := range done.cookies {
		if c.Name == console.SessionCookie && c.Value != "" {
			s.session = c.Value
		}
	}
	if s.session == "" {
		t.Fatalf("invite register: %d %s", done.status, done.body)
	}
	settings := s.send(s.request("GET", "/console/settings", nil, ""))
	m := regexp.MustCompile(`data-csrf="([^"]+)"`).FindStringSubmatch(settings.body)
	if m == nil {
		t.Fatalf("no CSRF value on the console's settings page (%d)", settings.status)
	}
	s.consoleCSRF = m[1]
}

// openHostedFlow loads the hosted page of the client token, as a browser
// would, and keeps its cookies and CSRF field.
func (s *surface) openHostedFlow() {
	p := s.send(httptest.NewRequest("GET", "/login?token="+url.QueryEscape(s.token), nil))
	for _, c := range p.cookies {
		switch c.Name {
		case hosted.DeviceCookie:
			s.deviceCookie = c.Value
		case hosted.CSRFCookie:
			s.csrfCookie = c.Value
		}
	}
	secret, err := base64.RawURLEncoding.DecodeString(s.csrfCookie)
	if err != nil || s.deviceCookie == "" {
		s.t.Fatalf("the hosted page set no usable cookies (%d)", p.status)
	}
	s.hostedCSRF = hosted.CSRFField(secret, s.tenant.ID+"/"+s.key)
}

// emailLinkCSRF is the CSRF field of the email link page opening the
// link to challenge id, for the hosted pages' cookie.
func (s *surface) emailLinkCSRF(id string) string {
	secret, err := base64.RawURLEncoding.DecodeString(s.csrfCookie)
	if err != nil {
		s.t.Fatal(err)
	}
	return hosted.CSRFField(secret, hosted.EmailLinkScope(id))
}

// answer is a response with its body read.
type answer struct {
	status  int
	header  http.Header
	body    string
	cookies []*http.Cookie
}

// send serves one request.
func (s *surface) send(req *http.Request) answer {
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return answer{status: rec.Code, header: rec.Header(), body: string(b), cookies: res.Cookies()}
}

// jsonRoutes are the routes outside /v1/ that take JSON bodies.
var jsonRoutes = map[string]bool{
	"/login/capabilities": true, "/login/passkey/options": true, "/login/passkey/verify": true,
	"/login/passkey/register/options": true, "/login/passkey/register": true, "/login/prompt/result": true,
	"/console/signin/options": true, "/console/signin/verify": true, "/console/invite/{token}/options": true,
	"/console/invite/{token}/register": true, "/console/api/conditions/check": true, "/console/api/dashboard": true,
}

// takesJSON reports whether the route's body is JSON rather than a form.
func takesJSON(r route) bool { return strings.HasPrefix(r.path, "/v1/") || jsonRoutes[r.path] }

// request builds a request to path carrying the credentials its surface
// wants: the secret key, the client token, the console session, the
// hosted flow's or the demo's cookies. body is sent as it is, with
// contentType ("" for none).
func (s *surface) request(method, path string, body []byte, contentType string) *http.Request {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Origin", origin)
	switch {
	case strings.HasPrefix(path, "/v1/client/"):
		req.Header.Set("Authorization", "Bearer "+s.token)
	case strings.HasPrefix(path, "/v1/"):
		req.SetBasicAuth(s.secret, "")
	case strings.HasPrefix(path, "/console"):
		if s.session != "" {
			req.AddCookie(&http.Cookie{Name: console.SessionCookie, Value: s.session})
			req.Header.Set(console.CSRFHeader, s.consoleCSRF)
		}
	default: // hosted pages and the demo
		if s.deviceCookie != "" {
			req.AddCookie(&http.Cookie{Name: hosted.DeviceCookie, Value: s.deviceCookie})
			req.AddCookie(&http.Cookie{Name: hosted.CSRFCookie, Value: s.csrfCookie})
			req.Header.Set(hosted.CSRFHeader, s.hostedCSRF)
		}
	}
	return req
}

// consoleJSON is a JSON post to a console step.
func (s *surface) consoleJSON(path string, body any) *http.Request {
	b, err := json.Marshal(body)
	if err != nil {
		s.t.Fatal(err)
	}
	return s.request("POST", path, b, "application/json")
}

// api sends a Server or Management API request with the secret key.
func (s *surface) api(method, path string, body any) apitest.Response {
	s.t.Helper()
	e := s.env.With(s.t)
	e.Handler = s.handler
	return e.Do(s.secret, method, path, body)
}

func (s *surface) mustOK(r apitest.Response) apitest.Response {
	s.t.Helper()
	return r.MustOK(s.t)
}

// sample is a request a route accepts (or at least reads in full): a JSON
// body or a form, and query parameters.
type sample struct {
	json  map[string]any
	form  url.Values
	query url.Values
}

// credential is a passkey response as the browser SDK sends it: well
// formed, signed by nobody.
func credential() map[string]any {
	return map[string]any{"id": "AAAA", "rawId": "AAAA", "type": "public-key", "authenticatorAttachment": "platform",
		"response": map[string]any{"clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0", "authenticatorData": "AAAA",
			"signature": "AAAA", "userHandle": "AAAA", "attestationObject": "o2NmbXRkbm9uZQ", "transports": []any{"internal"}},
		"clientExtensionResults": map[string]any{}}
}

// samples returns what each route is sent, by pattern; routes not listed
// are sent no body and no query.
func (s *surface) samples() map[string]sample {
	const someID = "0190c6b2-7e5f-7a3c-9d41-2b8e6f1a0c3d"
	flow := func(extra url.Values) url.Values {
		v := url.Values{"token": {s.token}, "csrf": {s.hostedCSRF}}
		for k, vs := range extra {
			v[k] = vs
		}
		return v
	}
	consoleForm := func(extra url.Values) url.Values {
		v := url.Values{console.CSRFField: {s.consoleCSRF}}
		for k, vs := range extra {
			v[k] = vs
		}
		return v
	}
	ruleForm := url.Values{"name": {"Rule"}, "description": {"two\nlines"}, "priority": {"2"}, "active": {"on"},
		"outcome": {"CHALLENGE"}, "methods": {"PASSKEY"}, "defaultMethod": {"PASSKEY"},
		"conditions": {`{"==":[{"var":"device.isNew"},true]}`}}
	rule := map[string]any{"name": "R", "description": "d", "isActive": true, "priority": 3, "type": "CHALLENGE",
		"verificationMethods": []any{"PASSKEY"}, "conditions": map[string]any{"==": []any{map[string]any{"var": "device.isNew"}, true}}}
	actionConfig := map[string]any{"defaultUserActionResult": "CHALLENGE", "verificationMethods": []any{"PASSKEY"},
		"redirectUrl": origin + "/x"}
	return map[string]sample{
		"GET /v1/users": {query: url.Values{"email": {"a@example.com"}, "username": {"ada"}, "lastEvaluatedUserId": {"a"}}},
		"PATCH /v1/users/{userId}": {json: map[string]any{"email": "alice@example.com", "username": "alice",
			"displayName": "Alice", "custom": map[string]any{"plan": "pro"}, "locale": "en"}},
		"POST /v1/users/{userId}/authenticators": {json: map[string]any{"verificationMethod": "EMAIL_OTP", "email": "a@example.com"}},
		"POST /v1/users/{userId}/actions/{action}": {json: map[string]any{"redirectUrl": origin + "/cb",
			"ipAddress": "203.0.113.9", "userAgent": "Mozilla/5.0", "deviceId": "d1", "scope": "add:authenticators",
			"email": "alice@example.com", "phoneNumber": "+14155550100", "username": "alice",
			"custom": map[string]any{"plan": "pro"}, "locale": "en"}},
		"GET /v1/users/{userId}/actions":                             {query: url.Values{"fromDate": {"2026-01-01T00:00:00Z"}, "codes": {"signIn"}, "state": {"ALLOW"}}},
		"PATCH /v1/users/{userId}/actions/{action}/{idempotencyKey}": {json: map[string]any{"state": "REVIEW_SUCCEEDED"}},
		"POST /v1/validate":                                          {json: map[string]any{"token": s.token, "userId": "alice", "action": "signIn"}},
		"POST /v1/challenge": {json: map[string]any{"verificationMethod": "EMAIL_OTP", "action": "signIn",
			"email": "c@example.com", "userId": "carol", "deviceId": "d", "ipAddress": "203.0.113.9", "userAgent": "x",
			"custom": map[string]any{"a": "b"}, "locale": "en"}},
		"GET /v1/challenges": {query: url.Values{"challengeId": {someID}, "userId": {"alice"}, "action": {"signIn"},
			"verificationMethod": {"EMAIL_OTP"}}},
		"POST /v1/claim": {json: map[string]any{"challengeId": someID, "userId": "alice",
			"skipVerificationCheck": true}},
		"POST /v1/verify":                            {json: map[string]any{"challengeId": someID, "verificationCode": "123456"}},
		"GET /v1/users/{userId}/uplift":              {query: url.Values{"deviceId": {"d1"}, "action": {"signIn"}}},
		"GET /v1/client/user-authenticators/passkey": {query: url.Values{"credentialIds": {"AAAA,BBBB"}}},
		"POST /v1/client/user-authenticators/passkey/registration-options": {json: map[string]any{"username": "alice",
			"displayName": "Alice", "authenticatorAttachment": "platform", "hints": []any{"client-device"}}},
		"POST /v1/client/user-authenticators/passkey": {json: map[string]any{"challengeId": someID,
			"registrationCredential": credential(), "deviceId": "d1"}},
		"POST /v1/client/challenge": {json: map[string]any{"action": "signIn", "idempotencyKey": "k1"}},
		"POST /v1/client/user-authenticators/passkey/authentication-options": {json: map[string]any{"challengeId": someID}},
		"POST /v1/client/verify/passkey": {json: map[string]any{"challengeId": someID,
			"authenticationCredential": credential(), "deviceId": "d1"}},
		"POST /v1/client/user-authenticators/email-otp": {json: map[string]any{"email": "a@example.com"}},
		"POST /v1/client/user-authenticators/sms":       {json: map[string]any{"phoneNumber": "+14155550100"}},
		"POST /v1/client/challenge/sms":                 {json: map[string]any{"smsChannel": "DEFAULT"}},
		"POST /v1/client/verify/email-otp":              {json: map[string]any{"verificationCode": "123456"}},
		"POST /v1/client/verify/sms":                    {json: map[string]any{"verificationCode": "123456"}},
		"POST /v1/client/verify/totp":                   {json: map[string]any{"verificationCode": "123456"}},
		"PATCH /v1/management/authenticator-configurations/passkey": {json: map[string]any{"relyingParty": "localhost",
			"relyingPartyName": "Acme", "expectedOrigins": []any{origin}, "userVerificationRequirement": "preferred",
			"recoveryMethods": []any{"EMAIL_OTP"}}},
		"POST /v1/management/action-configurations":                              {json: merge(actionConfig, map[string]any{"actionCode": "other"})},
		"PATCH /v1/management/action-configurations/{actionCode}":                {json: actionConfig},
		"POST /v1/management/action-configurations/{actionCode}/rules":           {json: rule},
		"PATCH /v1/management/action-configurations/{actionCode}/rules/{ruleId}": {json: rule},
		"POST /v1/management/value-lists": {json: map[string]any{"alias": "other", "name": "Other", "itemType": "string",
			"valueListItems": []any{"a", "b"}, "isActive": true}},
		"POST /v1/management/experiments":          {json: experimentSample},
		"PATCH /v1/management/value-lists/{alias}": {json: map[string]any{"name": "Blocked", "valueListItems": []any{"a"}}},
		"GET /login":               {query: url.Values{"token": {s.token}}},
		"GET /login/methods":       {query: url.Values{"token": {s.token}}},
		"POST /login/passkey":      {form: flow(nil)},
		"POST /login/email":        {form: flow(url.Values{"method": {"EMAIL_OTP"}})},
		"POST /login/sms":          {form: flow(url.Values{"method": {"SMS"}})},
		"POST /login/enroll/email": {form: flow(url.Values{"email": {"alice@example.com"}})},
		"GET /login/code":          {query: url.Values{"token": {s.token}, "method": {"EMAIL_OTP"}, "notice": {"sent"}, "wait": {"30"}}},
		"POST /login/resend":       {form: flow(url.Values{"method": {"EMAIL_OTP"}})},
		"POST /login/verify":       {form: flow(url.Values{"method": {"EMAIL_OTP"}, "code": {"123456"}})},
		"GET /login/done":          {query: url.Values{"token": {s.token}}},
		"POST /login/prompt":       {form: flow(url.Values{"choice": {"dismiss"}})},
		"GET /login/created":       {query: url.Values{"token": {s.token}}},
		"GET /login/finish":        {query: url.Values{"token": {s.token}}},
		"GET /login/email-link":    {query: url.Values{"t": {s.tenant.ID}, "c": {someID}, "s": {strings.Repeat("A", 43)}}},
		"POST /login/email-link": {form: url.Values{"t": {s.tenant.ID}, "c": {someID}, "s": {strings.Repeat("A", 43)},
			"csrf": {s.emailLinkCSRF(someID)}}},
		"POST /login/capabilities": {json: map[string]any{"token": s.token, "capabilities": map[string]any{
			"webauthn": true, "uvpaa": true, "conditionalMediation": false}}},
		"POST /login/passkey/options":          {json: map[string]any{"token": s.token}},
		"POST /login/passkey/verify":           {json: map[string]any{"token": s.token, "challengeId": someID, "credential": credential()}},
		"POST /login/passkey/register/options": {json: map[string]any{"token": s.token}},
		"POST /login/passkey/register":         {json: map[string]any{"token": s.token, "challengeId": someID, "credential": credential()}},
		"POST /login/prompt/result":            {json: map[string]any{"token": s.token, "outcome": "dismissed", "cause": "NotAllowedError"}},
		"GET /login/passkeys":                  {query: url.Values{"token": {s.token}}},
		"POST /login/passkeys/rename":          {form: flow(url.Values{"id": {someID}, "name": {"Laptop"}})},
		"POST /login/passkeys/remove":          {form: flow(url.Values{"id": {someID}})},
		"POST /login/passkeys/add":             {form: flow(nil)},
		"POST /login/passkeys/add/options":     {json: map[string]any{"token": s.token}},
		"POST /login/passkeys/add/verify":      {json: map[string]any{"token": s.token, "challengeId": someID, "credential": credential()}},
		"GET /console/signin":                  {query: url.Values{"next": {"/console/users"}}},
		"POST /console/signin/verify": {json: map[string]any{"ceremonyId": someID, "response": credential(),
			"next": "/console/"}},
		"POST /console/invite/{token}/options":  {json: map[string]any{"name": "Grace Admin"}},
		"POST /console/invite/{token}/register": {json: map[string]any{"ceremonyId": someID, "response": credential()}},
		"GET /console/{$}":                      {query: url.Values{"period": {"30d"}}},
		"POST /console/signout":                 {form: consoleForm(nil)},
		"POST /console/settings": {form: consoleForm(url.Values{"prompt": {"on"}, "recovery": {"EMAIL_OTP"},
			"rpId": {"localhost"}, "rpName": {"Acme"}, "origins": {origin + "\n"}, "uv": {"preferred"}, "interval": {"0"}})},
		"POST /console/actions": {form: consoleForm(url.Values{"code": {"fromConsole"}})},
		"POST /console/actions/{code}": {form: consoleForm(url.Values{"prompt": {"on"}, "outcome": {"CHALLENGE"},
			"methods": {"PASSKEY"}, "defaultMethod": {"PASSKEY"}, "redirectUrl": {origin + "/x"}})},
		"POST /console/actions/{code}/rules":                 {form: consoleForm(ruleForm)},
		"POST /console/actions/{code}/rules/{ruleId}":        {form: consoleForm(ruleForm)},
		"POST /console/actions/{code}/rules/{ruleId}/delete": {form: consoleForm(nil)},
		"GET /console/users":                                 {query: url.Values{"q": {"alice"}, "order": {"recent"}}},
		"POST /console/keys":                                 {form: consoleForm(nil)},
		"POST /console/keys/{keyId}/revoke":                  {form: consoleForm(nil)},
		"GET /console/api/dashboard":                         {query: url.Values{"period": {"7d"}}},
		"POST /console/api/conditions/check":                 {json: map[string]any{"conditions": map[string]any{"==": []any{1, 1}}}},
		"POST /demo/signin":                                  {form: url.Values{"csrf": {s.demoCSRF}, "username": {"ada@example.com"}}},
		"GET /demo/callback":                                 {query: url.Values{"token": {s.token}}},
	}
}

// experimentSample is a prompt experiment with three variants.
var experimentSample = map[string]any{"name": "Heading", "variants": []any{
	map[string]any{"heading": "Create a passkey", "explanation": "Sign in with your face.", "weight": 2},
	map[string]any{"heading": "Skip the code", "explanation": "One touch next time.", "weight": 1},
	map[string]any{"heading": "Faster sign-in", "explanation": "No code to type.", "weight": 1},
}}

func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// build makes the request of a route with its sample, path values and
// query, body given raw (nil: the sample's).
func (s *surface) build(r route, method string, sm sample, values map[string]string, query url.Values, body []byte) *http.Request {
	target := r.fill(values)
	if r.path == "/v1/client/" || r.path == "/v1/" || r.path == "/console/" {
		target += "x"
	}
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	ct := ""
	switch {
	case body != nil && takesJSON(r):
		ct = "application/json"
	case body != nil:
		ct = "application/x-www-form-urlencoded"
	case sm.json != nil:
		b, err := json.Marshal(sm.json)
		if err != nil {
			s.t.Fatal(err)
		}
		body, ct = b, "application/json"
	case sm.form != nil:
		body, ct = []byte(sm.form.Encode()), "application/x-www-form-urlencoded"
	case method == "POST" && takesJSON(r):
		body, ct = []byte(`{}`), "application/json"
	}
	return s.request(method, target, body, ct)
}
