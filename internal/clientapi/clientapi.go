// Package clientapi is the Client API: the JSON endpoints a browser or app
// calls directly, shaped like those the @authsignal/browser SDK calls.
// Callers authenticate with a token (Bearer) or, for username-less passkey
// sign-in, only name their tenant (Basic base64(tenantId), exactly as the
// SDK sends it). Responses carry CORS headers for the tenant's expected
// origins only.
package clientapi

import (
	"encoding/base64"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/codes"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/passkeys"
	"github.com/uplift-dev/uplift/internal/prompt"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// API serves the Client API.
type API struct {
	svc     *actions.Service
	tenancy *tenancy.Service
	codes   *codes.Service
	keys    *passkeys.Service
	prompt  *prompt.Service
	log     *slog.Logger
}

// New returns the Client API over svc.
func New(svc *actions.Service, tn *tenancy.Service, cd *codes.Service, pk *passkeys.Service, pr *prompt.Service, log *slog.Logger) *API {
	return &API{svc: svc, tenancy: tn, codes: cd, keys: pk, prompt: pr, log: log}
}

// HandlerFunc is a Client API handler; it runs for an authenticated caller.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error

// Handler authenticates the caller, answers CORS for the caller's tenant
// and runs fn.
func (a *API) Handler(fn HandlerFunc) http.Handler {
	return jsonapi.Adapt(a.log, func(w http.ResponseWriter, r *http.Request) error {
		c, err := a.caller(r)
		if err != nil {
			a.allowKnownOrigin(w, r)
			return err
		}
		a.allowTenantOrigin(w, r, c.Tenant)
		err = fn(w, r, c)
		setRetryAfter(w, err)
		return err
	})
}

// caller reads the Authorization header: "Bearer <token>" or
// "Basic <base64>" where the base64 holds the URI-encoded tenant id (the
// SDK's btoa(encodeURIComponent(tenantId))), optionally followed by ':'.
func (a *API) caller(r *http.Request) (tenancy.ClientCaller, error) {
	h := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(h, " ")
	switch strings.ToLower(scheme) {
	case "bearer":
		return a.tenancy.ClientByToken(r.Context(), strings.TrimSpace(cred))
	case "basic":
		id, ok := tenantIDFromBasic(strings.TrimSpace(cred))
		if ok {
			return a.tenancy.ClientByTenantID(r.Context(), id)
		}
	}
	return tenancy.ClientCaller{}, model.Errorf(model.ErrUnauthenticated, "unauthorized",
		"send a token as Bearer, or the tenant id as Basic, in the Authorization header")
}

func tenantIDFromBasic(cred string) (string, bool) {
	if len(cred) > 256 {
		return "", false
	}
	raw, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		return "", false
	}
	user, _, _ := strings.Cut(string(raw), ":")
	id, err := url.PathUnescape(user)
	return id, err == nil && id != ""
}

// clientIP is the caller's address as the connection shows it.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return ""
	}
	return host
}
