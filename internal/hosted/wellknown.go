package hosted

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/uplift-dev/uplift/internal/i18n"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// The two well-known files a relying party serves on its own host (its
// relying party id): /.well-known/webauthn, the related origins browsers
// let use its passkeys (WebAuthn Level 3, Related Origin Requests), and
// /.well-known/passkey-endpoints, where password managers send a user to
// create or manage a passkey (W3C Passkey Endpoints). The tenants are
// found by the request's Host; an operator whose relying party id is the
// app's own domain proxies both paths from there to Uplift, keeping the
// Host (docs/passkey-standards.md). Both are public: limited per client
// address, and cacheable, as they change only with the configuration.

// wellKnownMaxAge is how long browsers and proxies may keep an answer.
const wellKnownMaxAge = "public, max-age=300"

// WellKnownWebAuthn serves GET /.well-known/webauthn: {"origins": [...]},
// the related origins of the tenants whose relying party id is the
// request's host, in the tenants' order (oldest first). A host with no
// tenant, or whose tenants list none, answers 404.
func (p *Pages) WellKnownWebAuthn(w http.ResponseWriter, r *http.Request) error {
	ts, err := p.relyingPartyTenants(r.Context(), r.Host)
	if err != nil {
		return err
	}
	origins := []string{}
	for _, t := range ts {
		for _, o := range t.Passkey.RelatedOrigins {
			if !slices.Contains(origins, o) {
				origins = append(origins, o)
			}
		}
	}
	if len(origins) == 0 {
		return model.NotFound("no related origins are configured for this relying party")
	}
	return writeWellKnown(w, struct {
		Origins []string `json:"origins"`
	}{origins})
}

// passkeyEndpointsJSON is the W3C Passkey Endpoints document.
type passkeyEndpointsJSON struct {
	Enroll string `json:"enroll,omitempty"`
	Manage string `json:"manage,omitempty"`
}

// PasskeyEndpoints serves GET /.well-known/passkey-endpoints: where a
// password manager sends a user to create (enroll) or manage passkeys of
// the relying party that is the request's host, the hosted Passkeys
// page of its tenant. Several tenants sharing the relying party id
// answer {}, which says passkeys are supported without naming a page.
func (p *Pages) PasskeyEndpoints(w http.ResponseWriter, r *http.Request) error {
	ts, err := p.relyingPartyTenants(r.Context(), r.Host)
	if err != nil {
		return err
	}
	var out passkeyEndpointsJSON
	if len(ts) == 1 {
		page := p.tenancy.PublicURL() + settingsPath + "?" + url.Values{"tenant": {ts[0].ID}}.Encode()
		out = passkeyEndpointsJSON{Enroll: page, Manage: page}
	}
	return writeWellKnown(w, out)
}

// relyingPartyTenants returns the tenants whose relying party id is the
// host of a request's Host header; none is 404.
func (p *Pages) relyingPartyTenants(ctx context.Context, hostHeader string) ([]model.Tenant, error) {
	host, ok := relyingPartyHost(hostHeader)
	if !ok {
		return nil, model.Invalid("the Host header must be a host name such as example.com")
	}
	ts, err := p.tenancy.TenantsByRPID(ctx, host)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, model.NotFound("no relying party is served at this host")
	}
	return ts, nil
}

// relyingPartyHost returns the host name of a Host header, without its
// port, in lower case: a relying party id compares with it. An IP
// address, a name too long or with other characters than a DNS name's
// is refused.
func relyingPartyHost(header string) (string, bool) {
	if len(header) > 260 {
		return "", false
	}
	host := header
	if h, _, err := net.SplitHostPort(header); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if net.ParseIP(host) != nil || !tenancy.ValidHostName(host) {
		return "", false
	}
	return host, true
}

// writeWellKnown writes a public JSON document that any site may read
// and caches may keep a while.
func writeWellKnown(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", wellKnownMaxAge)
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(append(b, '\n'))
	return err
}

// passkeysEntry is the Passkeys page reached without a flow, at the
// address /.well-known/passkey-endpoints gives password managers
// (/login/passkeys?tenant=...). Uplift shows a user's passkeys only once
// the app has sent the signed-in user there (a track with
// redirectToSettings), so this page says where to find them and leads to
// the app.
func (p *Pages) passkeysEntry(w http.ResponseWriter, r *http.Request, tenantID string) error {
	if !model.ValidUUID(tenantID) {
		return model.NotFound("unknown app")
	}
	t, err := p.tenancy.Tenant(r.Context(), tenantID)
	if err != nil {
		return err
	}
	l := i18n.Choose(r.Header.Get("Accept-Language"), t.Passkey.DefaultLocale)
	v := p.baseView(nil, problem{Title: l.T("page.title.passkeys")})
	v.L, v.AppName = l, t.RPName
	if apps := append(redirectOrigins(t), t.Origins...); len(apps) > 0 {
		v.Back = apps[0]
	}
	p.render(w, http.StatusOK, "passkeysentry", v)
	return nil
}
