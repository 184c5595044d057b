package hosted

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/i18n"
	"github.com/uplift-dev/uplift/internal/model"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets/*
var assetFiles embed.FS

// AssetPrefix is the path the pages' stylesheet and script are served under.
const AssetPrefix = "/login/assets/"

// views holds one template set per page and the versioned asset URLs.
type views struct {
	pages  map[string]*template.Template
	assets assetURLs
}

// assetURLs are the stylesheet's and script's URLs, with a content hash so
// a new binary's files are never served from an old cache.
type assetURLs struct{ CSS, JS string }

var pageNames = []string{"challenge", "code", "enroll", "prompt", "created", "signedin", "error", "close", "passkeys", "passkeysentry"}

func mustParseViews() *views {
	v := &views{pages: map[string]*template.Template{}, assets: assetURLs{
		CSS: assetURL("hosted.css"), JS: assetURL("hosted.js"),
	}}
	base := template.Must(template.New("layout.html").Funcs(template.FuncMap{"control": control}).
		ParseFS(templateFiles, "templates/layout.html", "templates/parts.html"))
	for _, name := range pageNames {
		t := template.Must(base.Clone())
		v.pages[name] = template.Must(t.ParseFS(templateFiles, "templates/"+name+".html"))
	}
	return v
}

// StylesheetURL is the versioned URL of the hosted pages' stylesheet, for
// other pages Uplift serves in the same look.
func StylesheetURL() string { return assetURL("hosted.css") }

func assetURL(name string) string {
	b, err := assetFiles.ReadFile("assets/" + name)
	if err != nil {
		panic(fmt.Sprintf("hosted: embedded asset %s: %v", name, err))
	}
	sum := sha256.Sum256(b)
	return AssetPrefix + name + "?v=" + hex.EncodeToString(sum[:6])
}

// view is what every page template receives; each page uses the fields it
// needs.
type view struct {
	Assets assetURLs
	// L is the language the page speaks (see language.go).
	L i18n.Lang
	// ScriptText is the script's messages in L (scriptText).
	ScriptText map[string]any
	// AppName is the relying party's display name, when the flow is known.
	AppName string
	// Brand is the flow's theme: logo, favicon, stylesheet (branding.go).
	Brand   brandView
	Problem problem
	// Token and CSRF are the flow's hidden fields; empty outside a flow.
	Token, CSRF string
	// ReportCapabilities asks the script to report the device's
	// capabilities (on every page before the uplift decision).
	ReportCapabilities bool
	Error, Notice      string
	// Back is a link back to the app, on error pages.
	Back string

	Challenge challengeView
	Code      codeView
	Enroll    enrollView
	// OfferOptOut adds "Don't ask again" to the uplift prompt.
	OfferOptOut bool
	// Explanation is the uplift prompt's text under its heading.
	Explanation string
	// Later says under the prompt when "Not now" brings it back.
	Later string
	// Wait is how many seconds must pass before a new code may be asked
	// for, counted down on the page; WaitMethod is the method whose
	// button it holds back on the challenge page.
	Wait       int
	WaitMethod model.VerificationMethod
	// Saved names the provider of the passkey just made, when known.
	Saved *providerView
	// Settings is the Passkeys page (settings.go).
	Settings settingsView
	// Next is where a confirmation page continues to, by itself after
	// ContinueAfterMS milliseconds.
	Next            string
	ContinueAfterMS int64

	// Popup is a flow in popup mode (see popup.go): a compact page whose
	// script posts its messages to each of PopupOrigins, the tenant's
	// origins, space-separated.
	Popup        bool
	PopupOrigins string
	// CloseToken is the token the close page hands to the app.
	CloseToken string

	formTargets []string
	// frameAncestors may frame the page; none when nil.
	frameAncestors []string
}

// baseView starts the view of a page in flow f (nil outside a flow).
func (p *Pages) baseView(f *flow, pr problem) view {
	v := view{Assets: p.views.assets, Problem: pr}
	if f != nil {
		v.L = f.lang
		v.AppName = f.tenant().RPName
		v.Token, v.CSRF = f.raw, f.csrf
		v.formTargets = redirectOrigins(f.tenant())
		v.popupFrom(f)
	}
	v.brandFrom(f)
	return v
}

// popupFrom puts flow f's mode into the view: in popup mode the page may
// be framed by the tenant's origins, and posts its messages to them.
func (v *view) popupFrom(f *flow) {
	if f == nil || !f.popup {
		return
	}
	v.Popup = true
	v.frameAncestors = popupOrigins(f.tenant().Origins)
	v.PopupOrigins = strings.Join(v.frameAncestors, " ")
}

// render writes page name with status. Rendering into a buffer first keeps
// a template error from sending half a page.
func (p *Pages) render(w http.ResponseWriter, status int, name string, v view) {
	t, ok := p.views.pages[name]
	var buf bytes.Buffer
	if !ok {
		panic("hosted: no page " + name)
	}
	v.ScriptText = scriptText(v.L)
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		p.log.Error("render hosted page", "page", name, "err", err)
		http.Error(w, v.L.T("error.internal.title")+". "+v.L.T("error.internal.detail"), http.StatusInternalServerError)
		return
	}
	pageHeaders(w, v.formTargets, v.frameAncestors)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// Asset serves the embedded stylesheet and script. Their URLs carry a
// content hash, so they may be cached for long.
func (p *Pages) Asset(w http.ResponseWriter, r *http.Request) {
	name := path.Base(r.PathValue("name"))
	b, err := fs.ReadFile(assetFiles, "assets/"+name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ctype := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}[path.Ext(name)]
	if ctype == "" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}

// methodControl is what the "method" template renders: the control that
// starts a method, styled as the page's main action or as an alternative.
type methodControl struct {
	View   view
	Method model.VerificationMethod
	Class  string
}

func control(v view, m model.VerificationMethod, primary bool) methodControl {
	c := methodControl{View: v, Method: m, Class: "secondary"}
	if primary {
		c.Class = "primary"
	}
	return c
}

// codeView is the code entry page.
type codeView struct {
	Method model.VerificationMethod
	// Email is the masked address an email code went to; PhoneEnding the
	// last digits of the number a text went to. Both are empty for an
	// authenticator app.
	Email, PhoneEnding string
	// Resend offers a new code (not for an authenticator app).
	Resend bool
	// Others offers "Use another method".
	Others bool
}

// enrollView is the page that enrols a user's first method.
type enrollView struct {
	Email string
	// Fixed says the app gave the address, which is confirmed as it is.
	Fixed bool
}
