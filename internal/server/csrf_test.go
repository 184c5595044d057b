package server_test

import (
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/client"
	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/console"
	"github.com/uplift-dev/uplift/internal/demo"
	"github.com/uplift-dev/uplift/internal/hosted"
	"github.com/uplift-dev/uplift/internal/metrics"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/server"
)

// browserSurface names the CSRF scheme a browser route's posts follow.
type browserSurface int

const (
	// hostedFlow: the flow's CSRF field, from the hosted pages' cookie.
	hostedFlow browserSurface = iota
	// exampleApp: the example app's field, from the same cookie.
	exampleApp
	// consoleSession: the console session's CSRF field, and its origin.
	consoleSession
	// consoleSignIn: before sign-in, JSON from the console's origin.
	consoleSignIn
	// readOnlyPage: no posts at all.
	readOnlyPage
)

// surfaceOf returns the scheme of a browser route by its path; a route no
// scheme covers fails the test, so that it gets one.
func surfaceOf(t *testing.T, r route) browserSurface {
	t.Helper()
	p := r.path
	switch {
	case p == "/login" || strings.HasPrefix(p, "/login/"):
		return hostedFlow
	case p == "/demo" || strings.HasPrefix(p, "/demo/"):
		return exampleApp
	case strings.HasPrefix(p, "/console/signin") || strings.HasPrefix(p, "/console/invite/"):
		return consoleSignIn
	case p == "/console" || strings.HasPrefix(p, "/console/"):
		return consoleSession
	case p == "/dev/inbox":
		return readOnlyPage
	}
	t.Fatalf("browser route %s belongs to no surface this test knows; add it", r.pattern)
	return 0
}

// unsafeMethods are the methods of a route that change things: its own
// unless GET, or, for a route that names none, every unsafe one.
func unsafeMethods(r route) []string {
	switch r.method {
	case "":
		return []string{"POST", "PUT", "PATCH", "DELETE"}
	case "GET", "HEAD":
		return nil
	}
	return []string{r.method}
}

// forgery is a request a route must refuse, made from the one it accepts.
type forgery struct {
	name string
	// change alters the accepted request; the form, when there is one,
	// comes parsed.
	change func(req *http.Request, form url.Values)
}

// withoutCookie drops a cookie from a request.
func withoutCookie(req *http.Request, name string) {
	cookies := req.Cookies()
	req.Header.Del("Cookie")
	for _, c := range cookies {
		if c.Name != name {
			req.AddCookie(c)
		}
	}
}

// forgeries returns the requests a route of surface k must refuse. other
// is a CSRF field of the right shape that another flow's page carries.
func (s *surface) forgeries(k browserSurface, other string) []forgery {
	field := func(name, value string) func(*http.Request, url.Values) {
		return func(req *http.Request, form url.Values) {
			header := hosted.CSRFHeader
			if k == consoleSession {
				header = console.CSRFHeader
			}
			if value == "" {
				form.Del(name)
				req.Header.Del(header)
				return
			}
			if form.Has(name) {
				form.Set(name, value)
			}
			req.Header.Set(header, value)
		}
	}
	switch k {
	case hostedFlow, exampleApp:
		return []forgery{
			{"no CSRF field", field("csrf", "")},
			{"another flow's CSRF field", field("csrf", other)},
			{"a made-up CSRF field", field("csrf", strings.Repeat("A", 43))},
			{"no CSRF cookie", func(req *http.Request, _ url.Values) { withoutCookie(req, hosted.CSRFCookie) }},
		}
	case consoleSession:
		return []forgery{
			{"no CSRF field", field(console.CSRFField, "")},
			{"the hosted pages' CSRF field", field(console.CSRFField, other)},
			{"a made-up CSRF field", field(console.CSRFField, strings.Repeat("A", 43))},
			{"another origin", func(req *http.Request, _ url.Values) { req.Header.Set("Origin", "https://evil.example") }},
		}
	case consoleSignIn:
		return []forgery{
			{"another origin", func(req *http.Request, _ url.Values) { req.Header.Set("Origin", "https://evil.example") }},
			{"a form", func(req *http.Request, _ url.Values) {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}},
			{"text", func(req *http.Request, _ url.Values) { req.Header.Set("Content-Type", "text/plain") }},
		}
	case readOnlyPage:
		return []forgery{{"any post", func(*http.Request, url.Values) {}}}
	}
	return nil
}

// refusedByGuard reports whether an answer is a guard's refusal of a
// forged request: 403 with the surface's CSRF or origin error, or, for
// the steps before the console's sign-in, 400 for a body that is not
// JSON.
func refusedByGuard(k browserSurface, a answer) bool {
	body := strings.ToLower(a.body)
	switch {
	case k == consoleSignIn && a.status == http.StatusBadRequest:
		return strings.Contains(body, "send the request as application/json")
	case a.status != http.StatusForbidden:
		return false
	case k == readOnlyPage:
		return true
	}
	for _, marker := range []string{`"error":"csrf"`, `"error":"bad_origin"`, "please start again",
		"did not come from your console session", "came from another site"} {
		if strings.Contains(body, marker) {
			return true
		}
	}
	return false
}

// accepted builds the request of a browser route that its guard lets
// through: its sample with the surface's cookies, CSRF field and origin.
func (s *surface) accepted(r route, method string, values map[string]string) (*http.Request, url.Values) {
	sm := s.samples()[r.pattern]
	req := s.build(r, method, sm, values, sm.query, nil)
	if sm.form == nil {
		return req, nil
	}
	form := url.Values{}
	for k, vs := range sm.form {
		form[k] = slices.Clone(vs)
	}
	return req, form
}

// sendForm serves a request with form as its body (nil: the body as
// built).
func (s *surface) sendForm(req *http.Request, form url.Values) answer {
	if form != nil {
		body := form.Encode()
		req.Body = http.NoBody
		if body != "" {
			req.Body = io.NopCloser(strings.NewReader(body))
		}
		req.ContentLength = int64(len(body))
	}
	return s.send(req)
}

// TestEveryUnsafeBrowserRouteRefusesForgedRequests reads routes.go and
// sends every route of the browser mux, with every method that is not
// GET or HEAD, its sample request forged in each way its surface must
// catch: the CSRF field missing, wrong (another flow's, made up) or its
// cookie gone, another origin, or, before the console's sign-in, a body
// that is not JSON. Each is refused by the guard with 403 (400 for the
// body) and nothing is sent. Then the sample itself, with the right
// field, gets past the guard, so the refusals were the guard's.
func TestEveryUnsafeBrowserRouteRefusesForgedRequests(t *testing.T) {
	s := newSurface(t, "", slog.LevelWarn)
	values := map[string]string{"token": s.invite}
	for k, v := range s.values {
		values[k] = v
	}
	secret, err := base64.RawURLEncoding.DecodeString(s.csrfCookie)
	if err != nil {
		t.Fatal(err)
	}
	other := hosted.CSRFField(secret, s.tenant.ID+"/another-action")

	type target struct {
		r      route
		method string
		k      browserSurface
	}
	var targets []target
	for _, r := range readRoutes(t) {
		if r.mux != "browser" {
			continue
		}
		for _, m := range unsafeMethods(r) {
			targets = append(targets, target{r, m, surfaceOf(t, r)})
		}
	}
	// 13 hosted posts, the demo's sign-in, 4 steps before the console's
	// sign-in, 11 console posts and 4 methods of its catch-all.
	if len(targets) < 33 {
		t.Fatalf("found %d unsafe browser routes in routes.go, want at least 33", len(targets))
	}
	mailBefore := len(s.mail.Messages())
	for _, tg := range targets {
		for _, f := range s.forgeries(tg.k, other) {
			req, form := s.accepted(tg.r, tg.method, values)
			f.change(req, form)
			a := s.sendForm(req, form)
			if !refusedByGuard(tg.k, a) {
				t.Errorf("%s %s with %s: %d %.200s; want the guard's refusal", tg.method, tg.r.pattern, f.name, a.status, a.body)
			}
		}
	}
	if n := len(s.mail.Messages()) - mailBefore; n != 0 {
		t.Errorf("forged posts sent %d emails", n)
	}

	// The right field gets past the guard: to the handler, whatever it
	// then makes of the sample. Routes that end the session go last.
	slices.SortStableFunc(targets, func(a, b target) int {
		switch {
		case destructive(a.r) == destructive(b.r):
			return 0
		case destructive(a.r):
			return 1
		}
		return -1
	})
	for _, tg := range targets {
		if tg.k == readOnlyPage {
			continue
		}
		req, form := s.accepted(tg.r, tg.method, values)
		a := s.sendForm(req, form)
		if refusedByGuard(tg.k, a) || a.status >= 500 {
			t.Errorf("%s %s with the right CSRF field: %d %.200s; want it past the guard", tg.method, tg.r.pattern, a.status, a.body)
		}
	}
}

// TestEveryRouteIsOnTheMuxItsPathReaches reads routes.go: every route
// listed for the browser mux is registered through one of its surfaces
// (so its guard sees its posts), in the same order, and every route's
// path is one the server sends to the mux that lists it.
func TestEveryRouteIsOnTheMuxItsPathReaches(t *testing.T) {
	env := apitest.New(t)
	app := demo.New(client.New("http://localhost:1/v1", "unused"), origin, slog.New(slog.DiscardHandler))
	srv := server.New(env.App, slog.New(slog.DiscardHandler), server.WithDemo(app),
		server.WithDevInbox(notify.NewInbox(nil, 0, nil)), server.WithMetrics(metrics.New(metrics.Sources{}), true))
	var listed []string
	for _, r := range readRoutes(t) {
		if r.mux == "browser" {
			listed = append(listed, r.pattern)
		}
		reached := "browser"
		if server.APIPath(r.fill(nil)) {
			reached = "api"
		}
		if reached != r.mux {
			t.Errorf("%s is listed for the %s mux, but the server sends its path to the %s mux", r.pattern, r.mux, reached)
		}
	}
	if diff := cmp.Diff(server.BrowserPatterns(srv), listed); diff != "" {
		t.Errorf("browser routes registered through a surface (-) and listed in routes.go (+):\n%s", diff)
	}
}
