package hosted

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/uplift-dev/uplift/internal/branding"
	"github.com/uplift-dev/uplift/internal/model"
)

// The pages of a flow wear its tenant's theme (see package branding): the
// display name and logo at the top, the favicon, and a stylesheet of CSS
// custom properties with the brand colour, loaded after the pages' own.
// Uplift serves all three itself, from the database, under
// branding.PathPrefix: the strict policy of the pages (images, styles
// from this origin only, no inline style) holds.

// DefaultFaviconPath is Uplift's own favicon, which every page without a
// tenant's favicon links, so that no browser meets a 404 for it.
const DefaultFaviconPath = "/favicon.ico"

// SetBranding gives the pages the tenants' themes.
func (p *Pages) SetBranding(b *branding.Service) { p.branding = b }

// brandView is what the layout shows of a flow's theme.
type brandView struct {
	// LogoURL is the tenant's logo, if it uploaded one.
	LogoURL string
	// FaviconURL is the tenant's favicon or Uplift's own.
	FaviconURL string
	// StylesheetURL is the theme's stylesheet, when it has a colour.
	StylesheetURL string
}

// themeOf returns the tenant's theme, or the default look without a
// branding service or when it cannot be read.
func (p *Pages) themeOf(ctx context.Context, tenantID string) model.Theme {
	if p.branding == nil {
		return model.Theme{TenantID: tenantID}
	}
	return p.branding.ThemeOrDefault(ctx, tenantID)
}

// brandFrom puts flow f's theme into the view: its display name in place
// of the relying party's, its logo, favicon and stylesheet.
func (v *view) brandFrom(f *flow) {
	v.Brand = brandView{FaviconURL: DefaultFaviconPath}
	if f == nil {
		return
	}
	th := f.theme
	if th.Name != "" {
		v.AppName = th.Name
	}
	v.Brand.LogoURL = branding.ImagePath(th, model.ThemeLogo)
	if u := branding.ImagePath(th, model.ThemeFavicon); u != "" {
		v.Brand.FaviconURL = u
	}
	v.Brand.StylesheetURL = branding.StylesheetPath(th)
}

// brandCache is how long a response under branding.PathPrefix may be
// cached when its URL does not carry the current version: long enough to
// spare the database, short enough for a change to show soon.
const brandCache = "public, max-age=300"

// brandHeaders sets the headers of every response under
// branding.PathPrefix: its type, no sniffing, and a policy that lets the
// response run nothing even if opened on its own.
func brandHeaders(w http.ResponseWriter, contentType string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin") // emails show the logo
}

// serveVersioned serves body with the caching its URL allows: a URL
// carrying the current version may be kept for a year, any other for a
// few minutes; both answer If-None-Match by the version.
func serveVersioned(w http.ResponseWriter, r *http.Request, version string, body []byte) {
	cache := brandCache
	if r.URL.Query().Get("v") == version {
		cache = "public, max-age=31536000, immutable"
	}
	w.Header().Set("Cache-Control", cache)
	w.Header().Set("ETag", `"`+version+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// BrandStylesheet serves GET /login/brand/{tenantId}/theme.css: the
// theme's custom properties (see branding.Stylesheet). A tenant without
// a colour, or an unknown id, gets a stylesheet that sets nothing.
func (p *Pages) BrandStylesheet(w http.ResponseWriter, r *http.Request) {
	if !p.brandRequest(w, r) {
		return
	}
	th := p.themeOf(r.Context(), r.PathValue("tenantId"))
	css := branding.Stylesheet(th)
	brandHeaders(w, "text/css; charset=utf-8")
	serveVersioned(w, r, branding.StylesheetVersion(th), css)
}

// BrandLogo serves GET /login/brand/{tenantId}/logo.
func (p *Pages) BrandLogo(w http.ResponseWriter, r *http.Request) {
	p.serveImage(w, r, model.ThemeLogo)
}

// BrandFavicon serves GET /login/brand/{tenantId}/favicon: the tenant's
// favicon, or Uplift's own when it has none.
func (p *Pages) BrandFavicon(w http.ResponseWriter, r *http.Request) {
	p.serveImage(w, r, model.ThemeFavicon)
}

// serveImage serves one of a theme's images from the database with the
// type it was checked as, or 404.
func (p *Pages) serveImage(w http.ResponseWriter, r *http.Request, kind model.ThemeImageKind) {
	if !p.brandRequest(w, r) {
		return
	}
	var img model.ThemeImage
	err := errors.New("no branding")
	if p.branding != nil {
		img, err = p.branding.Image(r.Context(), r.PathValue("tenantId"), kind)
	}
	switch {
	case errors.Is(err, model.ErrNotFound) && kind == model.ThemeFavicon:
		p.DefaultFavicon(w, r)
		return
	case errors.Is(err, model.ErrNotFound):
		http.NotFound(w, r)
		return
	case err != nil:
		p.log.ErrorContext(r.Context(), "theme image not read", "kind", kind, "err", err)
		http.Error(w, "the image cannot be read right now", http.StatusServiceUnavailable)
		return
	}
	brandHeaders(w, img.ContentType)
	serveVersioned(w, r, img.Hash, img.Data)
}

// brandRequest refuses a request whose path or query breaks the text
// rule, and answers whether to go on.
func (p *Pages) brandRequest(w http.ResponseWriter, r *http.Request) bool {
	if err := checkInput(r); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return false
	}
	return true
}

// DefaultFavicon serves GET /favicon.ico: Uplift's own favicon (a PNG,
// which every browser takes at that path).
func (p *Pages) DefaultFavicon(w http.ResponseWriter, r *http.Request) {
	brandHeaders(w, "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(branding.DefaultFavicon()))
}
