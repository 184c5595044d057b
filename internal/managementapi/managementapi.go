// Package managementapi is the Management API: a tenant's policy (action
// configurations, their rules, value lists and the passkey configuration
// with the uplift prompt's settings), edited with the tenant's secret key.
// Shapes follow Authsignal's Management API.
package managementapi

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/experiments"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/policy"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// API serves the Management API.
type API struct {
	svc     *actions.Service
	tenancy *tenancy.Service
	policy  *policy.Service
	// experiments holds the prompt's copy, part of the passkey configuration.
	experiments *experiments.Service
	log         *slog.Logger
	// webhooks keeps the action configurations' verificationWebhookUrl
	// (see SetWebhooks).
	webhooks *webhooks.Service
}

// New returns the Management API over svc.
func New(svc *actions.Service, tn *tenancy.Service, pol *policy.Service, ex *experiments.Service, log *slog.Logger) *API {
	return &API{svc: svc, tenancy: tn, policy: pol, experiments: ex, log: log}
}

// HandlerFunc is a Management API handler; it runs with the caller's tenant.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, t model.Tenant) error

// Handler authenticates the caller by secret key (HTTP Basic, the key as
// user name; see jsonapi.SecretKey) and runs fn for its tenant.
func (a *API) Handler(fn HandlerFunc) http.Handler {
	return jsonapi.SecretKey(a.log, a.tenancy.TenantForSecret)(jsonapi.TenantFunc(fn))
}

// optional is a PATCH field: Set tells whether the field was present, and
// a JSON null clears it (Value stays the zero value).
type optional[T any] struct {
	Set   bool
	Value T
}

// UnmarshalJSON records that the field was present.
func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		var zero T
		o.Value = zero
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// apply sets *dst when the field was present.
func (o optional[T]) apply(dst *T) {
	if o.Set {
		*dst = o.Value
	}
}

func actionCode(r *http.Request) (string, error) {
	code := r.PathValue("actionCode")
	if !model.ValidActionCode(code) {
		return "", model.Invalid("actionCode must match ^[a-zA-Z0-9_-]{1,64}$")
	}
	return code, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
