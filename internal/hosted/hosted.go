// Package hosted serves Uplift's pre-built sign-in pages: the challenge at
// the url that track returns, code entry, enrolment of a first method, the
// passkey uplift prompt, and the way back to the app (SPEC §2, §5, §8).
//
// Pages are rendered on the server with html/template; one small
// JavaScript module and one stylesheet, embedded in the binary, run the
// WebAuthn ceremonies, report the device's capabilities and call the
// Signal API. Every page carries a strict Content-Security-Policy, every
// post a CSRF field that the CSRF guard checks before any handler runs,
// and no state lives in the process: the signed token in the page
// identifies the flow, cookies identify the browser.
package hosted

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/branding"
	"github.com/uplift-dev/uplift/internal/codes"
	"github.com/uplift-dev/uplift/internal/i18n"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/passkeys"
	"github.com/uplift-dev/uplift/internal/policy"
	"github.com/uplift-dev/uplift/internal/prompt"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// Pages serves the hosted UI.
type Pages struct {
	svc     *actions.Service
	prompt  *prompt.Service
	tenancy *tenancy.Service
	codes   *codes.Service
	keys    *passkeys.Service
	policy  *policy.Service
	log     *slog.Logger
	cookies Cookies
	// branding holds the tenants' themes (see SetBranding).
	branding *branding.Service
	views    *views
	// confirmFor is how long a confirmation page shows before it moves on.
	confirmFor time.Duration
}

// DefaultConfirmation is how long the "Passkey created" confirmation shows
// before the page continues to the app by itself.
const DefaultConfirmation = 3 * time.Second

// New returns the hosted pages over svc, served at publicURL; confirmFor
// is how long confirmations show (DefaultConfirmation when zero).
func New(svc *actions.Service, tn *tenancy.Service, pol *policy.Service, cd *codes.Service, pk *passkeys.Service, pr *prompt.Service, log *slog.Logger, publicURL string, confirmFor time.Duration) *Pages {
	if confirmFor <= 0 {
		confirmFor = DefaultConfirmation
	}
	return &Pages{svc: svc, tenancy: tn, policy: pol, codes: cd, keys: pk, prompt: pr, log: log, cookies: NewCookies(publicURL), views: mustParseViews(), confirmFor: confirmFor}
}

// pageFunc is a page handler; its error becomes a page a person can read.
type pageFunc func(w http.ResponseWriter, r *http.Request) error

// jsonFunc is a handler of the pages' JSON endpoints.
type jsonFunc func(w http.ResponseWriter, r *http.Request) error

// Page adapts a page handler: it sets the security headers, refuses text
// that breaks its rule (path, query, User-Agent and, on a post, every
// form field; see jsonapi.CheckRequest) and a post no guard let through,
// and renders an error as a page.
func (p *Pages) Page(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SecureHeaders(w, nil)
		err := checkInput(r)
		if inPopup(r) {
			// Browsers apply the opener policy to redirects too: one on
			// a step's redirect would cut the SDK's window off from the
			// app that opened it. Rendered pages set their own.
			w.Header().Del("Cross-Origin-Opener-Policy")
		}
		r = withPageFlow(r)
		if err == nil && !guarded(r) {
			err = errUnguarded
		}
		if err == nil {
			err = fn(w, r)
		}
		if err != nil {
			p.renderError(w, r, err)
		}
	})
}

// maxTokenField is the longest token a form carries, as the domain packages take it.
const maxTokenField = 4096

// checkInput checks the text a page request carries. Form fields are one
// line of at most model.MaxText characters, except the flow's token.
func checkInput(r *http.Request) error {
	if err := jsonapi.CheckRequest(r); err != nil {
		return err
	}
	if r.Method != http.MethodPost {
		return nil
	}
	if err := r.ParseForm(); err != nil {
		return model.Invalid("the form could not be read")
	}
	return jsonapi.CheckForm(r, func(field string) model.TextRule {
		if field == "token" {
			return model.TextRule{Max: maxTokenField}
		}
		return model.TextRule{}
	})
}

// JSON adapts a JSON endpoint: security headers, a post no guard let
// through refused, and errors as {"error", "errorDescription"}.
func (p *Pages) JSON(fn jsonFunc) http.Handler {
	inner := jsonapi.Adapt(p.log, func(w http.ResponseWriter, r *http.Request) error {
		if !guarded(r) {
			return errUnguarded
		}
		return fn(w, r)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SecureHeaders(w, nil)
		inner.ServeHTTP(w, r)
	})
}

// renderError shows err as a page: a sentence a person understands, the
// HTTP status its kind calls for, and the detail in the log only.
func (p *Pages) renderError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := jsonapi.Status(err)
	if status >= 500 {
		p.log.ErrorContext(r.Context(), "hosted page failed", "method", r.Method, "route", jsonapi.Route(r), "err", err)
	} else {
		p.log.DebugContext(r.Context(), "hosted page refused", "method", r.Method, "route", jsonapi.Route(r), "status", status, "err", err)
	}
	l := requestLang(r)
	pr := explain(l, body.Error)
	if body.Error == jsonapi.TextErrorCode && l.Tag() == i18n.English {
		// Which field, and what is wrong with it (never its value); the
		// description is English, so only an English page quotes it.
		pr.Detail = "The " + body.ErrorDescription + ". Go back to the app and start again."
	}
	v := p.baseView(nil, pr)
	v.L = l
	// An error in a flow in popup mode shows in the app's frame too.
	v.popupFrom(requestFlow(r))
	v.brandFrom(requestFlow(r))
	v.Back = backLink(err)
	if v.Back == "" && !v.Popup {
		v.Back = p.appLink(r)
	}
	p.render(w, status, "error", v)
}

// pageError is an error whose page offers a way back to the app.
type pageError struct {
	err  error
	back string
}

func (e *pageError) Error() string { return e.err.Error() }
func (e *pageError) Unwrap() error { return e.err }

func backLink(err error) string {
	var pe *pageError
	if errors.As(err, &pe) {
		return pe.back
	}
	return ""
}

// explained are the error codes with words of their own in the
// catalogues (error.<code>.title and .detail).
var explained = map[string]string{
	"expired_token": "expired_token", "invalid_token": "invalid_token", "token_not_set": "invalid_token",
	"not_found": "invalid_token", "csrf": "csrf", "cookies_required": "cookies_required",
	"too_many_requests": "too_many_requests", "too_many_attempts": "too_many_attempts",
	"action_closed": "action_closed", jsonapi.TextErrorCode: "invalid_text",
	"method_not_offered": "method_not_offered", "no_method": "no_method", "sign_in_refused": "sign_in_refused",
	"webhook_unavailable": "webhook_unavailable", "internal_error": "internal", "unavailable": "internal",
}

// explain turns an error code into sentences, in l, for the person in
// front of the page.
func explain(l i18n.Lang, code string) problem {
	key, ok := explained[code]
	if !ok {
		key = "other"
	}
	return problem{l.T("error." + key + ".title"), l.T("error." + key + ".detail")}
}

// problem is what an error page says: a heading and a sentence.
type problem struct{ Title, Detail string }

var errCookies = model.Errorf(model.ErrInvalid, "cookies_required", "the device cookie is missing")

// clientIP is the caller's address as the connection shows it.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return ""
	}
	return host
}
