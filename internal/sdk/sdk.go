// Package sdk serves the browser code apps load from Uplift: the
// <uplift-passkey-prompt> web component (uplift-prompt.js), hand-written
// JavaScript with no build step, so `go build` needs no Node.
package sdk

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"net/http"
	"path"
	"time"
)

// ComponentPath is where the web component is served.
const ComponentPath = "/sdk/uplift-prompt.js"

//go:embed uplift-prompt.js
var files embed.FS

// file is one embedded file with its entity tag.
type file struct {
	body []byte
	etag string
}

// Handler serves GET /sdk/{name}. An app's page loads the component from
// its own origin, as a module script, so the answer allows every origin
// (it carries nothing private) and may be embedded cross-origin. Its URL
// stays the same across releases, so caches keep it for an hour and
// then revalidate it by its entity tag.
func Handler() http.Handler {
	byName := map[string]file{}
	entries, _ := files.ReadDir(".")
	for _, e := range entries {
		b, err := files.ReadFile(e.Name())
		if err != nil {
			panic(err) // embedded at build time: cannot fail
		}
		sum := sha256.Sum256(b)
		byName[e.Name()] = file{body: b, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := path.Base(r.PathValue("name"))
		f, ok := byName[name]
		if !ok || path.Ext(name) != ".js" {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "public, max-age=3600")
		h.Set("ETag", f.etag)
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.body))
	})
}
