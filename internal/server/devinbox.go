package server

import (
	"html/template"
	"net/http"
	"time"
)

// devInboxTemplate lists the messages development mode kept instead of
// sending them, newest first.
var devInboxTemplate = template.Must(template.New("inbox").Funcs(template.FuncMap{
	"when": func(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05") },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dev inbox</title>
<style>
body{font-family:system-ui,sans-serif;margin:0 auto;padding:1rem;max-width:48rem;color:#1a1a1a}
article{border:1px solid #ccc;border-radius:6px;padding:.75rem 1rem;margin:0 0 1rem}
h2{font-size:1rem;margin:0 0 .25rem}
p{margin:.25rem 0;color:#555}
pre{white-space:pre-wrap;font-size:1rem;margin:.5rem 0 0}
</style></head>
<body><main>
<h1>Dev inbox</h1>
<p>Uplift runs in development mode: emails and text messages are kept here, and printed to the terminal, instead of being sent. Newest first; <a href="/dev/inbox">refresh</a>.</p>
{{range .}}<article aria-labelledby="m{{.ID}}">
<h2 id="m{{.ID}}">{{if eq .Kind "sms"}}Text message{{else}}Email{{end}} #{{.ID}} to {{.To}}</h2>
<p><time datetime="{{.At.UTC.Format "2006-01-02T15:04:05Z"}}">{{when .At}}</time>{{if .Subject}} · {{.Subject}}{{end}}</p>
<pre>{{.Text}}</pre>
</article>
{{else}}<p>No messages yet.</p>
{{end}}</main></body></html>`))

// devInboxPage serves GET /dev/inbox, registered only in development
// mode.
func (s *Server) devInboxPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := devInboxTemplate.Execute(w, s.devInbox.List()); err != nil {
		s.log.WarnContext(r.Context(), "render dev inbox", "err", err)
	}
}
