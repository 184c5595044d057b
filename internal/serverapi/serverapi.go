// Package serverapi is the Server API: the JSON endpoints an app's backend
// calls with its secret key, shaped like those the @authsignal/node SDK
// calls.
package serverapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/codes"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/passkeys"
	"github.com/uplift-dev/uplift/internal/policy"
	"github.com/uplift-dev/uplift/internal/prompt"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// API serves the Server API.
type API struct {
	svc     *actions.Service
	prompt  *prompt.Service
	tenancy *tenancy.Service
	codes   *codes.Service
	keys    *passkeys.Service
	policy  *policy.Service
	log     *slog.Logger
}

// New returns the Server API over svc.
func New(svc *actions.Service, tn *tenancy.Service, pol *policy.Service, cd *codes.Service, pk *passkeys.Service, pr *prompt.Service, log *slog.Logger) *API {
	return &API{svc: svc, tenancy: tn, policy: pol, codes: cd, keys: pk, prompt: pr, log: log}
}

// HandlerFunc is a Server API handler; it runs with the caller's tenant.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, t model.Tenant) error

// Handler authenticates the caller by secret key (HTTP Basic, the key as
// user name; see jsonapi.SecretKey) and runs fn for its tenant.
func (a *API) Handler(fn HandlerFunc) http.Handler {
	return jsonapi.SecretKey(a.log, a.tenancy.TenantForSecret)(jsonapi.TenantFunc(fn))
}

// userID reads and checks the {userId} path value.
func userID(r *http.Request) (string, error) {
	id := r.PathValue("userId")
	if !model.ValidUserID(id) {
		return "", model.Invalid("userId must be 1 to 255 characters without slashes or control characters")
	}
	return id, nil
}

// checkQuery refuses query parameters the endpoint does not know and
// repeated ones.
func checkQuery(r *http.Request, known ...string) error {
	for k, vs := range r.URL.Query() {
		ok := false
		for _, kn := range known {
			ok = ok || k == kn
		}
		if !ok {
			return model.Invalid("unknown query parameter %q", truncate(k))
		}
		if len(vs) > 1 {
			return model.Invalid("query parameter %q given more than once", k)
		}
		if len(vs[0]) > 1024 {
			return model.Invalid("query parameter %q is too long", k)
		}
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// tenantUser loads a user of the tenant, or a not-found error.
func (a *API) tenantUser(ctx context.Context, t model.Tenant, id string) (model.User, error) {
	return a.svc.User(ctx, t.ID, id)
}
