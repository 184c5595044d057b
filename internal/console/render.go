package console

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

	"github.com/uplift-dev/uplift/internal/jsonapi"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets/*
var assetFiles embed.FS

// AssetPrefix is the path the console's stylesheet and script are served
// under.
const AssetPrefix = "/console/assets/"

// views holds one template set per page.
type views struct {
	pages  map[string]*template.Template
	assets assetURLs
}

// assetURLs are the versioned URLs of the stylesheet and the script.
type assetURLs struct{ CSS, JS string }

// funcs are the helpers templates may call.
var funcs = template.FuncMap{
	"date":     func(t time.Time) string { return formatTime(t, "2 Jan 2006") },
	"datetime": func(t time.Time) string { return formatTime(t, "2 Jan 2006 15:04 MST") },
	"join":     strings.Join,
}

func formatTime(t time.Time, layout string) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(layout)
}

func mustParseViews() *views {
	v := &views{pages: map[string]*template.Template{}, assets: assetURLs{CSS: assetURL("console.css"), JS: assetURL("console.js")}}
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html"))
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		t := template.Must(base.Clone())
		v.pages[name] = template.Must(t.ParseFS(templateFiles, n))
	}
	return v
}

func assetURL(name string) string {
	b, err := assetFiles.ReadFile("assets/" + name)
	if err != nil {
		panic(fmt.Sprintf("console: embedded asset %s: %v", name, err))
	}
	sum := sha256.Sum256(b)
	return AssetPrefix + name + "?v=" + hex.EncodeToString(sum[:6])
}

// View is what every page template receives. Data is the page's own.
type View struct {
	Title   string
	Assets  assetURLs
	Session *Session
	// Section marks the navigation entry of the page.
	Section string
	Error   string
	Notice  string
	Data    any
}

// notices are the messages a redirect's done= code shows; only these
// fixed texts are ever shown, never text from the URL.
var notices = map[string]string{
	"settings-saved":      "Settings saved.",
	"branding-saved":      "Branding saved: the sign-in pages and emails show it now.",
	"action-created":      "Action created.",
	"action-saved":        "Action saved.",
	"rule-created":        "Rule created.",
	"rule-saved":          "Rule saved.",
	"rule-deleted":        "Rule deleted.",
	"key-revoked":         "API key revoked.",
	"webhook-resent":      "Delivery queued: it is sent again in a moment.",
	"lock-lifted":         "Lock lifted: the user can enter codes again.",
	"opt-out-reset":       "Don't ask again reset: the passkey prompt may appear again.",
	"experiment-created":  "Experiment started: each user now sees one variant of the prompt.",
	"experiment-stopped":  "Experiment stopped: the prompt shows the copy in Settings again.",
	"experiment-promoted": "Variant promoted: its copy is now the prompt's for every user.",
}

// render writes page name for a signed-in admin or a visitor (s nil).
// Rendering into a buffer first keeps a template error from sending half
// a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, s *Session, v View) {
	t, ok := c.views.pages[name]
	if !ok {
		panic("console: no page " + name)
	}
	v.Assets, v.Session = c.views.assets, s
	if v.Notice == "" && r != nil {
		v.Notice = notices[r.URL.Query().Get("done")]
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		c.log.Error("render console page", "page", name, "err", err)
		http.Error(w, "Something went wrong on our side. Please try again in a moment.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderError shows err as a page with the status its kind calls for;
// the detail goes to the log only.
func (c *Console) renderError(w http.ResponseWriter, r *http.Request, s *Session, err error) {
	status, body := jsonapi.Status(err)
	if status >= 500 {
		// The route, not the path: an invitation's path holds its token.
		c.log.ErrorContext(r.Context(), "console page failed", "method", r.Method, "route", jsonapi.Route(r), "err", err)
	}
	title := "Something went wrong"
	switch status {
	case http.StatusNotFound:
		title = "Not found"
	case http.StatusForbidden:
		title = "Not allowed"
	case http.StatusBadRequest:
		title = "That did not work"
	}
	c.render(w, r, status, "error", s, View{Title: title, Error: sentence(body.ErrorDescription)})
}

// Asset serves the embedded stylesheet and script.
func (c *Console) Asset(w http.ResponseWriter, r *http.Request) {
	name := path.Base(r.PathValue("name"))
	b, err := fs.ReadFile(assetFiles, "assets/"+name)
	ctype := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}[path.Ext(name)]
	if err != nil || ctype == "" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}

// sentence starts an error description with a capital letter and ends it
// with a full stop, for pages.
func sentence(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
