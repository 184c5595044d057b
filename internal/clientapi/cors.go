package clientapi

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
)

// Preflight answers CORS preflight requests under /v1/client/. A preflight
// carries no credentials, so it is allowed for an origin that any tenant
// expects; the actual request is then allowed only for its own tenant's
// origins. The wildcard origin is never sent, and neither are credentials
// allowed: the Client API authenticates by header, not cookie.
func (a *API) Preflight() http.Handler {
	return jsonapi.Adapt(a.log, func(w http.ResponseWriter, r *http.Request) error {
		origin, ok := normalOrigin(r.Header.Get("Origin"))
		if !ok {
			return model.Errorf(model.ErrForbidden, "forbidden", "a CORS preflight needs a valid Origin header")
		}
		known, err := a.tenancy.OriginKnown(r.Context(), origin)
		if err != nil {
			return err
		}
		w.Header().Add("Vary", "Origin")
		if !known {
			return model.Errorf(model.ErrForbidden, "forbidden", "origin %s is not expected by any tenant", origin)
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Methods", "GET, POST")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// allowTenantOrigin lets the browser read the response when the request
// comes from one of the tenant's expected origins.
func (a *API) allowTenantOrigin(w http.ResponseWriter, r *http.Request, t model.Tenant) {
	origin, ok := normalOrigin(r.Header.Get("Origin"))
	w.Header().Add("Vary", "Origin")
	if ok && slices.Contains(t.Origins, origin) {
		w.Header().Set("Access-Control-Allow-Origin", origin)
		// A page may read when it can ask for another code.
		w.Header().Set("Access-Control-Expose-Headers", "Retry-After")
	}
}

// allowKnownOrigin lets the browser read an authentication error when the
// request comes from an origin some tenant expects, so the SDK can report
// it instead of a bare network error.
func (a *API) allowKnownOrigin(w http.ResponseWriter, r *http.Request) {
	origin, ok := normalOrigin(r.Header.Get("Origin"))
	w.Header().Add("Vary", "Origin")
	if !ok {
		return
	}
	if known, err := a.tenancy.OriginKnown(r.Context(), origin); err == nil && known {
		w.Header().Set("Access-Control-Allow-Origin", origin)
	}
}

// normalOrigin checks an Origin header and returns it in the form tenants
// store origins: lower-case scheme://host[:port].
func normalOrigin(raw string) (string, bool) {
	if raw == "" || raw == "null" || len(raw) > 512 {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" ||
		u.RawQuery != "" || u.User != nil || u.Fragment != "" {
		return "", false
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), true
}
