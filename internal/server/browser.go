package server

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/uplift-dev/uplift/internal/console"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/managementapi"
	"github.com/uplift-dev/uplift/internal/ratelimit"
)

// Uplift answers two kinds of caller, on two muxes.
//
// The JSON APIs (/v1/..., /healthz, /readyz) are called by apps' backends,
// the SDKs and probes with a secret key, a token or a tenant id, never
// with a cookie: a request another site makes a browser send carries no
// credential of theirs.
//
// The browser mux serves what browsers load with cookies: the hosted
// sign-in pages, the console, the example app and the development inbox.
// There any request that changes something must prove it comes from the
// site's own pages, so every route belongs to a surface, and the mux
// runs the surface's guard on every request with an unsafe method before
// the route's handler: a new route cannot forget the check.

// guard is a browser surface's protection against cross-site requests.
// The browser mux hands it every request with an unsafe method; it calls
// next only for a request that proves it comes from the surface's own
// pages, and answers any other itself.
type guard func(next http.Handler) http.Handler

// safeMethod reports whether a request with method m changes nothing, so
// that no guard needs to see it. Everything else, OPTIONS included, is
// guarded.
func safeMethod(m string) bool { return m == http.MethodGet || m == http.MethodHead }

// browserMux holds the browser's routes. They are registered through a
// surface only, so none escapes its surface's guard.
type browserMux struct {
	mux *http.ServeMux
	// patterns are the routes registered, in order, for the tests to
	// compare with routes.go.
	patterns []string
}

func newBrowserMux() *browserMux { return &browserMux{mux: http.NewServeMux()} }

func (b *browserMux) ServeHTTP(w http.ResponseWriter, r *http.Request) { b.mux.ServeHTTP(w, r) }

// surface returns the registrar of the routes g guards.
func (b *browserMux) surface(g guard) browserRoutes {
	return browserRoutes{b: b, guard: g}
}

// browserRoutes registers routes of one surface, with the same rate
// limit.
type browserRoutes struct {
	b     *browserMux
	guard guard
	limit func(http.Handler) http.Handler // nil: none
}

// limited returns the registrar of the same surface whose routes are
// limited by limit first, so that a refused request costs its guard no
// work.
func (rs browserRoutes) limited(limit func(http.Handler) http.Handler) browserRoutes {
	rs.limit = limit
	return rs
}

// Handle serves pattern with h. A request with an unsafe method passes
// the surface's guard first, after the rate limit if the routes have one.
func (rs browserRoutes) Handle(pattern string, h http.Handler) {
	checked := rs.guard(h)
	var route http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if safeMethod(r.Method) {
			h.ServeHTTP(w, r)
			return
		}
		checked.ServeHTTP(w, r)
	})
	if rs.limit != nil {
		route = rs.limit(route)
	}
	rs.b.mux.Handle(pattern, route)
	rs.b.patterns = append(rs.b.patterns, pattern)
}

// readOnly guards a surface that changes nothing (the development
// inbox): it refuses every request with an unsafe method.
func readOnly(http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "this page accepts no posts", http.StatusForbidden)
	})
}

// byAddress returns the wrapper that limits a route per client address
// with l, refusing as says (see perAddress).
func (s *Server) byAddress(l *ratelimit.Limiter[netip.Addr], rf *refusals, as refusal) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler { return s.perAddress(l, rf, as, h) }
}

// apiPath reports whether a request path belongs to the JSON APIs.
// /ws-v1-challenge is where the browser SDK opens its QR code WebSocket
// (its base URL with "v1" replaced).
func apiPath(p string) bool {
	return p == "/v1" || strings.HasPrefix(p, "/v1/") || p == "/healthz" || p == "/readyz" || p == "/ws-v1-challenge"
}

// byPath sends each request to the API or the browser handler by its
// path.
func byPath(api, browser http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if apiPath(r.URL.Path) {
			api.ServeHTTP(w, r)
			return
		}
		browser.ServeHTTP(w, r)
	})
}

// limitBodies caps every request body at limit(r) bytes and one more, so
// that the JSON decoder and the form parser report the excess.
func limitBodies(limit func(*http.Request) int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, limit(r)+1)
		next.ServeHTTP(w, r)
	})
}

// apiBodyLimit is the largest body of a JSON API request: jsonapi.MaxBody,
// except for the theme, which carries images.
func apiBodyLimit(r *http.Request) int64 {
	if r.URL.Path == "/v1/management/theme" {
		return managementapi.MaxThemeBody
	}
	return jsonapi.MaxBody
}

// browserBodyLimit is the largest body a browser may post: the JSON
// APIs' limit, except for console forms (see console.MaxFormBody) and
// the console's uploads (console.MaxUploadBody).
func browserBodyLimit(r *http.Request) int64 {
	if strings.HasPrefix(r.URL.Path, "/console/") &&
		strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return console.MaxUploadBody
	}
	if strings.HasPrefix(r.URL.Path, "/console/") &&
		strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return console.MaxFormBody
	}
	return jsonapi.MaxBody
}
