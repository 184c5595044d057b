// Package demo is the example app `uplift demo` serves at /demo: a page
// that signs a user in through Uplift's hosted pages with nothing but the
// Go client package, exactly as an app's backend would. Enter a username,
// the app tracks a signIn action and sends the browser to the returned
// URL; Uplift sends it back to /demo/callback with a token the app
// validates.
package demo

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/uplift-dev/uplift/client"
	"github.com/uplift-dev/uplift/internal/hosted"
)

//go:embed templates/*.html
var templateFiles embed.FS

var pages = template.Must(template.New("demo").Funcs(template.FuncMap{"css": hosted.StylesheetURL}).
	ParseFS(templateFiles, "templates/*.html"))

// csrfScope binds the sign-in form's CSRF field to this app.
const csrfScope = "demo"

// App is the example app. It holds no state of its own: the user it
// signs in is shown once and forgotten.
type App struct {
	api       *client.Client
	publicURL string
	cookies   hosted.Cookies
	log       *slog.Logger
}

// New returns the example app, which calls the Server API through api and
// is reached at publicURL.
func New(api *client.Client, publicURL string, log *slog.Logger) *App {
	return &App{api: api, publicURL: strings.TrimRight(publicURL, "/"), cookies: hosted.NewCookies(publicURL), log: log}
}

// view is what the demo's pages show.
type view struct {
	CSRF, Username, Error string
	// Signed-in result, on the callback page.
	Valid              bool
	UserID, Method     string
	State, Explanation string
}

// CSRFScope is what the sign-in form's CSRF field is bound to: the
// server checks it on every post, with hosted.CheckCSRF.
func (a *App) CSRFScope() string { return csrfScope }

// Home serves GET /demo: the sign-in form.
func (a *App) Home(w http.ResponseWriter, r *http.Request) error {
	return a.home(w, r, "", "", http.StatusOK)
}

func (a *App) home(w http.ResponseWriter, r *http.Request, username, problem string, status int) error {
	a.cookies.DeviceID(w, r)
	v := view{Username: username, Error: problem,
		CSRF: hosted.CSRFField(a.cookies.CSRFSecret(w, r), csrfScope)}
	return render(w, status, "home.html", v)
}

// SignIn serves POST /demo/signin: it tracks a signIn action for the
// username, on this browser's device id, and sends the browser to the
// hosted pages. The server has checked the form's CSRF field (see
// CSRFScope).
func (a *App) SignIn(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	username := strings.TrimSpace(r.PostFormValue("username"))
	if username == "" || utf8.RuneCountInString(username) > 64 || strings.ContainsAny(username, "/") {
		return a.home(w, r, username, "Enter a username of up to 64 characters, without slashes.", http.StatusBadRequest)
	}
	attrs := client.TrackAttributes{
		RedirectURL: a.publicURL + "/demo/callback",
		DeviceID:    a.cookies.DeviceID(w, r),
		UserAgent:   r.UserAgent(),
		IPAddress:   remoteIP(r),
		Username:    username,
	}
	if strings.Contains(username, "@") {
		attrs.Email = username
	}
	res, err := a.api.Track(r.Context(), username, "signIn", attrs)
	var apiErr *client.Error
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest {
		return a.home(w, r, username, "That username can't be used: "+apiErr.Description+".", http.StatusBadRequest)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, res.URL, http.StatusSeeOther)
	return nil
}

// Callback serves GET /demo/callback?token=...: the app validates the
// token the hosted pages returned and says who signed in, and how.
func (a *App) Callback(w http.ResponseWriter, r *http.Request) error {
	tok := r.URL.Query().Get("token")
	if tok == "" {
		return a.home(w, r, "", "The sign-in did not come back with a token. Try again.", http.StatusBadRequest)
	}
	res, err := a.api.Validate(r.Context(), client.ValidateRequest{Token: tok, Action: "signIn"})
	var apiErr *client.Error
	if errors.As(err, &apiErr) && apiErr.StatusCode < http.StatusInternalServerError {
		// Uplift refused the token itself (too long, say): the link is bad, not the app.
		return a.home(w, r, "", "The sign-in came back with a token that doesn't work. Try again.", http.StatusBadRequest)
	}
	if err != nil {
		return err
	}
	v := view{Valid: res.IsValid, UserID: res.UserID, Method: string(res.VerificationMethod),
		State: string(res.State), Explanation: res.Error}
	return render(w, http.StatusOK, "callback.html", v)
}

func render(w http.ResponseWriter, status int, name string, v view) error {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return ""
	}
	return host
}
