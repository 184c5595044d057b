package hosted

import (
	"context"
	"net/http"
	"strings"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/token"
)

// appLink is the way back to the app from an error page: where the
// action asked to return to (without a token: the app starts again), or
// else the tenant's first expected origin. The tenant is the flow's, or
// the one whose key signed the request's token even if it expired. An
// error page with no tenant to name gets "" (its script then offers to go
// back in the browser's history).
func (p *Pages) appLink(r *http.Request) string {
	ctx := r.Context()
	var t model.Tenant
	var claims token.Claims
	if f := requestFlow(r); f != nil {
		t = f.tenant()
		if f.caller.Claims != nil {
			claims = f.claims()
		}
	} else {
		raw := r.URL.Query().Get("token")
		if raw == "" && r.Method == http.MethodPost && isForm(r) {
			raw = r.PostFormValue("token")
		}
		if raw == "" || len(raw) > maxTokenField {
			return ""
		}
		c, err := token.ParseExpired(raw, func(tenantID string) ([]byte, error) {
			if !model.ValidUUID(tenantID) {
				return nil, model.Invalid("malformed tenant id")
			}
			var err error
			t, err = p.tenancy.Tenant(ctx, tenantID)
			return t.TokenKey, err
		})
		if err != nil {
			return ""
		}
		claims = c
	}
	if target := p.actionTarget(ctx, t, claims); target != "" {
		return target
	}
	return p.tenantHome(ctx, t.ID)
}

// actionTarget is the redirect URL of the claims' action, when it still
// exists, belongs to their user and the tenant allows the URL.
func (p *Pages) actionTarget(ctx context.Context, t model.Tenant, c token.Claims) string {
	if t.ID == "" || c.IdempotencyKey == "" {
		return ""
	}
	a, err := p.svc.Action(ctx, t.ID, c.IdempotencyKey)
	if err != nil || a.UserID != c.UserID {
		return ""
	}
	target, err := p.redirectTarget(ctx, t, a)
	if err != nil {
		return ""
	}
	return target
}

// tenantHome is the first expected origin of the tenant with id, the way
// back to its app from a page outside any flow (the email link's); "" for
// an id that names no tenant.
func (p *Pages) tenantHome(ctx context.Context, id string) string {
	if !model.ValidUUID(id) {
		return ""
	}
	t, err := p.tenancy.Tenant(ctx, id)
	if err != nil || len(t.Origins) == 0 || !strings.HasPrefix(t.Origins[0], "http") {
		return ""
	}
	return t.Origins[0] + "/"
}
