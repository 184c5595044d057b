package hosted

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
)

// The server's browser mux runs one of the guards below on every request
// to the hosted pages (and the example app) whose method is not GET or
// HEAD, before the route's handler; the handlers check no CSRF field
// themselves. Page and JSON refuse a post that reached them without a
// guard, so a route registered around the mux fails closed.

// flowKey keys the flow CSRF resumed in a request's context.
type flowKey struct{}

// guardedKey marks a request ScopeCSRF let through.
type guardedKey struct{}

// errUnguarded is a post that reached a handler without passing a guard:
// a route registered outside the browser mux's surfaces. It is a fault
// of the server, answered 500 and logged.
var errUnguarded = errors.New("hosted: a post reached its handler without passing the CSRF guard")

// CSRF guards the posts of a sign-in flow. It resumes the posted flow —
// the token must be valid, the CSRF field must be the one the browser's
// cookie gives for the token's flow (compared in constant time), and the
// browser must hold a device id — and hands it to next, which takes it
// with formFlow or jsonFlow. Forms carry the token and the field as
// hidden fields; the pages' script sends the token in its JSON body and
// the field in the X-Uplift-CSRF header. Anything else is refused, as a
// page for a form and as JSON otherwise.
func (p *Pages) CSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := p.resumePosted(r)
		if err != nil {
			p.refuse(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), flowKey{}, f)))
	})
}

// ScopeCSRF guards posts of a form bound to scope rather than to a flow
// (the example app's sign-in): its csrf field must be the one the
// browser's cookie gives for scope.
func (p *Pages) ScopeCSRF(scope string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			err := r.ParseForm()
			if err != nil {
				err = model.Invalid("the form could not be read")
			} else {
				err = CheckCSRF(r, scope, r.PostFormValue("csrf"))
			}
			if err != nil {
				p.refuse(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), guardedKey{}, true)))
		})
	}
}

// resumePosted resumes the flow of a post: its token must be valid, its
// CSRF field must match the browser's cookie, and the browser must hold
// a device id.
func (p *Pages) resumePosted(r *http.Request) (*flow, error) {
	raw, csrf, err := postedFields(r)
	if err != nil {
		return nil, err
	}
	c, err := p.tenancy.ClientByToken(r.Context(), raw)
	if err != nil {
		return nil, err
	}
	if err := CheckCSRF(r, csrfScope(*c.Claims), csrf); err != nil {
		return nil, err
	}
	deviceID, ok := p.cookies.ExistingDeviceID(r)
	if !ok {
		return nil, errCookies
	}
	f := &flow{caller: c, raw: raw, deviceID: deviceID, csrf: csrf, popup: inPopup(r),
		theme: p.themeOf(r.Context(), c.Tenant.ID)}
	if isForm(r) {
		// A form's answer is a page, or a step that sends a code: both
		// speak the flow's language. The script's JSON steps need none.
		f.lang, f.langSet = p.flowLang(r, c), true
	}
	return f, nil
}

// postedFields reads a post's token and CSRF field: a form's hidden
// fields, or else the token of the JSON body and the X-Uplift-CSRF
// header, which no form on another site can set. A JSON body is left for
// the handler to decode.
func postedFields(r *http.Request) (token, csrf string, err error) {
	if isForm(r) {
		if err := r.ParseForm(); err != nil {
			return "", "", model.Invalid("the form could not be read")
		}
		return r.PostFormValue("token"), r.PostFormValue("csrf"), nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, jsonapi.MaxBody+1))
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return "", "", model.Invalid("could not read the request body")
	}
	var in struct {
		Token string `json:"token"`
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return "", "", model.Invalid("request body: not a JSON object with the flow's token")
		}
	}
	return in.Token, r.Header.Get(CSRFHeader), nil
}

// isForm reports whether a request's body is a form.
func isForm(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data"
}

// refuse answers a request a guard refused: a page for a form, JSON for
// the script.
func (p *Pages) refuse(w http.ResponseWriter, r *http.Request, err error) {
	SecureHeaders(w, nil)
	if isForm(r) {
		if inPopup(r) {
			// The page shows in the app's frame when the token names
			// the tenant: only its origins, which may frame the flow's
			// other pages anyway, may frame it. The flow is not resumed.
			if c, cerr := p.tenancy.ClientByToken(r.Context(), r.PostFormValue("token")); cerr == nil {
				r = withPageFlow(r)
				noteFlow(r, &flow{caller: c, popup: true})
			}
		}
		p.renderError(w, r, err)
		return
	}
	jsonapi.WriteError(w, r, p.log, err)
}

// guarded reports whether a request may reach a handler: it changes
// nothing, or a guard let it through.
func guarded(r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	_, flow := r.Context().Value(flowKey{}).(*flow)
	_, scoped := r.Context().Value(guardedKey{}).(bool)
	return flow || scoped
}

// postedFlow returns the flow CSRF resumed for this post.
func postedFlow(r *http.Request) (*flow, error) {
	if f, ok := r.Context().Value(flowKey{}).(*flow); ok {
		return f, nil
	}
	return nil, errUnguarded
}
