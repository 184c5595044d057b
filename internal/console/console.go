// Package console serves the admin console at /console: passkey sign-in
// for a tenant's admins, the passkey and prompt settings, actions and
// their rules, users with the uplift diagnosis, the adoption dashboard
// and API keys.
//
// Pages are rendered on the server. Every page and endpoint behind the
// sign-in goes through Page or API, which open the admin's session from
// its cookie (no session: pages redirect to /console/signin, JSON answers
// 401). The server's browser mux runs CSRF, which checks the Origin and
// the session's CSRF field, on every post before the handler, and
// SignInCSRF on the steps before sign-in, so no handler can forget
// either. Every query a handler makes is scoped to the session's tenant.
package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/admin"
	"github.com/uplift-dev/uplift/internal/branding"
	"github.com/uplift-dev/uplift/internal/codes"
	"github.com/uplift-dev/uplift/internal/experiments"
	"github.com/uplift-dev/uplift/internal/hosted"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/passkeys"
	"github.com/uplift-dev/uplift/internal/policy"
	"github.com/uplift-dev/uplift/internal/prompt"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// Cookie and field names of the console.
const (
	// SessionCookie holds the admin's session token.
	SessionCookie = "uplift_console"
	// CSRFField is the hidden form field every post carries.
	CSRFField = "csrf"
	// CSRFHeader carries the same value on JSON requests.
	CSRFHeader = "X-Uplift-CSRF"
	// SignInPath is where a visitor without a session is sent.
	SignInPath = admin.ConsolePath + "/signin"
)

// errCSRF refuses a post without the session's CSRF field.
var errCSRF = model.Errorf(model.ErrForbidden, "csrf", "this form did not come from your console session; reload the page and try again")

// errOrigin refuses a post sent from another site.
var errOrigin = model.Errorf(model.ErrForbidden, "bad_origin", "this request came from another site")

// Console serves the admin console.
type Console struct {
	svc    *actions.Service
	admins *admin.Service
	prompt *prompt.Service
	// experiments runs the prompt's experiments and holds its copy.
	experiments *experiments.Service
	tenancy     *tenancy.Service
	codes       *codes.Service
	keys        *passkeys.Service
	policy      *policy.Service
	// webhooks holds the tenant's webhook settings and deliveries.
	webhooks *webhooks.Service
	// branding holds the tenant's theme (see SetBranding).
	branding *branding.Service
	log      *slog.Logger
	origin   string
	secure   bool
	views    *views
}

// New returns the console over svc, served at the service's public URL:
// its origin is the only one posts are accepted from, and an https URL
// makes the session cookie Secure.
func New(svc *actions.Service, tn *tenancy.Service, pol *policy.Service, cd *codes.Service, pk *passkeys.Service, admins *admin.Service, pr *prompt.Service, ex *experiments.Service, log *slog.Logger) *Console {
	c := &Console{svc: svc, tenancy: tn, policy: pol, codes: cd, keys: pk, admins: admins, prompt: pr, experiments: ex,
		log: log, views: mustParseViews()}
	if rp, err := admins.ConsoleRelyingParty(); err == nil {
		c.origin = rp.Origins[0]
		c.secure = strings.HasPrefix(c.origin, "https://")
	}
	return c
}

// Session is a signed-in admin's request: who, which tenant, and the CSRF
// value the pages embed.
type Session struct {
	admin.ConsoleSession
	// CSRF is the value of the CSRF field and header for this session.
	CSRF  string
	token string
}

// csrfFor derives a session's CSRF value from its secret token: another
// site can neither read the cookie nor compute the value.
func csrfFor(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("uplift-console-csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// PageFunc is a console page handler for a signed-in admin.
type PageFunc func(w http.ResponseWriter, r *http.Request, s *Session) error

// PublicFunc is a handler of the pages and endpoints before sign-in.
type PublicFunc func(w http.ResponseWriter, r *http.Request) error

// session returns the request's session: the one the CSRF guard opened
// and checked for a post, or, for a GET or HEAD, the cookie's. A post
// with a session the guard did not see is refused.
func (c *Console) session(r *http.Request) (*Session, error) {
	if s, ok := r.Context().Value(sessionKey{}).(*Session); ok {
		return s, nil
	}
	s, err := c.openSession(r)
	if err == nil && unsafeMethod(r) {
		return nil, errUnguarded
	}
	return s, err
}

// openSession opens the session the request's cookie names.
func (c *Console) openSession(r *http.Request) (*Session, error) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil, model.Errorf(model.ErrUnauthenticated, "unauthenticated", "please sign in to the console")
	}
	cs, err := c.admins.AdminSession(r.Context(), ck.Value)
	if err != nil {
		return nil, err
	}
	return &Session{ConsoleSession: cs, CSRF: csrfFor(ck.Value), token: ck.Value}, nil
}

// checkOrigin refuses a post whose Origin header names another site.
// Browsers send it on every post; a request without one (a script, a
// test) still needs the session and the CSRF value.
func (c *Console) checkOrigin(r *http.Request) error {
	if o := r.Header.Get("Origin"); o != "" && c.origin != "" && !strings.EqualFold(o, c.origin) {
		return errOrigin
	}
	return nil
}

// MaxFormBody is the largest form a console page accepts: four times the
// JSON APIs' limit, so that anything the Management API accepts (a rule's
// condition, say) can be saved through a form, whose encoding makes it
// up to three times longer.
const MaxFormBody = 4 * jsonapi.MaxBody

// Page adapts a page behind the sign-in. Without a session, a GET is
// redirected to the sign-in page (and back afterwards) and anything else
// is sent there too; the CSRF guard has checked a post's field.
func (c *Console) Page(fn PageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secureHeaders(w)
		s, err := c.session(r)
		if errors.Is(err, model.ErrUnauthenticated) {
			c.clearSession(w)
			target := SignInPath
			if r.Method == http.MethodGet {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		if err == nil {
			err = checkInput(r)
		}
		if err == nil {
			err = fn(w, r, s)
		}
		if err != nil {
			c.renderError(w, r, s, err)
		}
	})
}

// checkInput refuses a page request whose text breaks its rule: path,
// query and User-Agent (see jsonapi.CheckRequest), and every field of a
// posted form (see formRule).
func checkInput(r *http.Request) error {
	if err := jsonapi.CheckRequest(r); err != nil {
		return err
	}
	return jsonapi.CheckForm(r, formRule)
}

// formRule is the text rule of a console form field: one line of at most
// model.MaxText characters, except a rule's description and condition and
// the lists of expected and related origins, which span lines.
func formRule(field string) model.TextRule {
	switch field {
	case "description":
		return model.TextRule{Free: true, Max: 1000}
	case "conditions":
		return model.TextRule{Free: true, Max: -1} // the form's size bounds it
	case "origins", "relatedOrigins":
		return model.TextRule{Free: true, Max: 8192}
	case "redirectUrl":
		return model.TextRule{Max: 2048}
	}
	if strings.HasPrefix(field, "explanation") || field == "promptExplanation" {
		return model.TextRule{Max: experiments.MaxExplanation}
	}
	return model.TextRule{}
}

// API adapts a JSON endpoint behind the sign-in: 401 without a session;
// the CSRF guard has checked a post's header.
func (c *Console) API(fn PageFunc) http.Handler {
	inner := jsonapi.Adapt(c.log, func(w http.ResponseWriter, r *http.Request) error {
		s, err := c.session(r)
		if err != nil {
			return err
		}
		return fn(w, r, s)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secureHeaders(w)
		inner.ServeHTTP(w, r)
	})
}

// Public adapts a page before sign-in.
func (c *Console) Public(fn PublicFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secureHeaders(w)
		err := jsonapi.CheckRequest(r)
		if err == nil && !guarded(r) {
			err = errUnguarded
		}
		if err == nil {
			err = fn(w, r)
		}
		if err != nil {
			c.renderError(w, r, nil, err)
		}
	})
}

// PublicJSON adapts a JSON step of the sign-in ceremonies, whose posts
// SignInCSRF has checked: from this site only, as JSON.
func (c *Console) PublicJSON(fn PublicFunc) http.Handler {
	inner := jsonapi.Adapt(c.log, func(w http.ResponseWriter, r *http.Request) error {
		if !guarded(r) {
			return errUnguarded
		}
		return fn(w, r)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secureHeaders(w)
		inner.ServeHTTP(w, r)
	})
}

// setSession gives the browser a new session's cookie: HttpOnly, for the
// console's paths only, SameSite=Strict, Secure on https.
func (c *Console) setSession(w http.ResponseWriter, r *http.Request, in admin.AdminSignIn) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: in.Token, Path: admin.ConsolePath,
		Expires: in.ExpiresAt, MaxAge: int(time.Until(in.ExpiresAt) / time.Second), HttpOnly: true,
		Secure: c.secure || r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

func (c *Console) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: admin.ConsolePath, MaxAge: -1,
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteStrictMode})
}

// secureHeaders sets the headers of every console response: the hosted
// pages' strict policy (own scripts and styles only, no framing), except
// that the referrer is kept for this origin, so browsers send the Origin
// header that checkOrigin reads (with no-referrer, a form post says
// "Origin: null").
func secureHeaders(w http.ResponseWriter) {
	hosted.SecureHeaders(w, nil)
	w.Header().Set("Referrer-Policy", "same-origin")
}

// redirect sends the browser to path after a successful post, with a
// notice code the next page turns into a message (never reflected text).
func redirect(w http.ResponseWriter, r *http.Request, path, notice string) {
	if notice != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "done=" + url.QueryEscape(notice)
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// safeNext returns a console path to continue to after sign-in, or the
// dashboard: never another site.
func safeNext(next string) string {
	if strings.HasPrefix(next, admin.ConsolePath+"/") && !strings.HasPrefix(next, "//") &&
		!strings.ContainsAny(next, "\\\r\n") && !strings.HasPrefix(next, SignInPath) {
		return next
	}
	return admin.ConsolePath + "/"
}

// NotFound answers console paths that match no page, after the sign-in
// check, so they reveal nothing to a visitor.
func (c *Console) NotFound(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("there is no console page at %s", r.URL.Path)
}
