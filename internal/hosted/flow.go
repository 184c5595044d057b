package hosted

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/uplift-dev/uplift/internal/devices"
	"github.com/uplift-dev/uplift/internal/i18n"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/token"
)

// flow is one sign-in in progress, rebuilt on every request from the
// signed token the page carries (tenant, user, action, idempotency key)
// and the browser's cookies (device id, CSRF secret). Nothing about it is
// kept in the process, so any instance can serve any step.
type flow struct {
	caller   tenancy.ClientCaller
	raw      string
	deviceID string
	csrf     string
	// popup says the browser SDK launched the flow in a popup or window
	// (see popup.go).
	popup bool
	// theme is the tenant's branding (see branding.go).
	theme model.Theme
	// lang is the language the flow's pages and messages speak, once
	// langSet (see language.go).
	lang    i18n.Lang
	langSet bool
}

func (f *flow) tenant() model.Tenant  { return f.caller.Tenant }
func (f *flow) claims() token.Claims  { return *f.caller.Claims }
func (f *flow) csrfScope() string     { return csrfScope(f.claims()) }
func (f *flow) query() string         { return f.queryWith(f.raw) }
func csrfScope(c token.Claims) string { return c.TenantID + "/" + c.IdempotencyKey }

// queryWith is the query of a link to the next step of the flow with
// token tok, in the flow's mode.
func (f *flow) queryWith(tok string) string {
	q := "token=" + url.QueryEscape(tok)
	if f.popup {
		q += "&mode=" + popupMode
	}
	return q
}

// openFlow starts or resumes a flow from a page load: it checks the token,
// gives the browser a device id and CSRF secret if it has none, and
// records the device as seen with its user agent.
func (p *Pages) openFlow(w http.ResponseWriter, r *http.Request, raw string) (*flow, error) {
	c, err := p.tenancy.ClientByToken(r.Context(), raw)
	if err != nil {
		return nil, err
	}
	f := &flow{caller: c, raw: raw, deviceID: p.cookies.DeviceID(w, r), popup: inPopup(r),
		theme: p.themeOf(r.Context(), c.Tenant.ID)}
	f.csrf = CSRFField(p.cookies.CSRFSecret(w, r), f.csrfScope())
	f.lang, f.langSet = p.flowLang(r, c), true
	noteFlow(r, f)
	if err := p.touchDevice(r.Context(), f, r.UserAgent()); err != nil {
		return nil, err
	}
	return f, nil
}

// formFlow returns the flow of a form post, which the CSRF guard resumed
// from the form's hidden fields and checked.
func (p *Pages) formFlow(r *http.Request) (*flow, error) { return postedFlow(r) }

func (p *Pages) touchDevice(ctx context.Context, f *flow, userAgent string) error {
	return p.svc.TouchDevice(ctx, model.Device{TenantID: f.tenant().ID, ID: f.deviceID,
		UserAgent: devices.ParseUserAgent(userAgent).UA, CreatedAt: p.svc.Now(), LastSeenAt: p.svc.Now()})
}

// action loads the flow's action, checking that it still belongs to the
// token's user.
func (p *Pages) action(ctx context.Context, f *flow) (model.Action, error) {
	a, err := p.svc.Action(ctx, f.tenant().ID, f.claims().IdempotencyKey)
	if errors.Is(err, model.ErrNotFound) || (err == nil && (a.UserID != f.claims().UserID || a.Code != f.claims().ActionCode)) {
		return a, model.Errorf(model.ErrUnauthenticated, "invalid_token", "the token's action no longer exists")
	}
	return a, err
}

// freshToken issues a new token for the flow's action, bound to this
// device, for the next page or the app.
func (p *Pages) freshToken(f *flow) (string, error) {
	c := f.claims()
	return p.tenancy.IssueActionToken(f.tenant(), model.Action{UserID: c.UserID, Code: c.ActionCode,
		IdempotencyKey: c.IdempotencyKey}, f.deviceID, c.Scope)
}

// seeOther redirects a post to a page (Post/Redirect/Get), so reloading
// the page never posts twice.
func seeOther(w http.ResponseWriter, r *http.Request, target string) error {
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}
