package console

import (
	"context"
	"crypto/hmac"
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
)

// The server's browser mux runs one of the guards below on every console
// request whose method is not GET or HEAD, before the route's handler:
// CSRF behind the sign-in, SignInCSRF before it. The adapters refuse such
// a request that reached them without a guard, so a route registered
// around the mux fails closed.

// sessionKey keys the session CSRF opened in a request's context.
type sessionKey struct{}

// guardedKey marks a request SignInCSRF let through.
type guardedKey struct{}

// errUnguarded is a post that reached a handler without passing a guard:
// a route registered outside the browser mux's surfaces. It is a fault
// of the server, answered 500 and logged.
var errUnguarded = errors.New("console: a post reached its handler without passing the CSRF guard")

// CSRF guards the pages and endpoints behind the sign-in. A request that
// opens a session must not come from another origin (when it names one)
// and must carry the session's CSRF value: a form's csrf field, or the
// X-Uplift-CSRF header of the console's script; the session is then
// handed to the handler. A request without a valid session goes on to
// the page, which sends it to the sign-in (a JSON endpoint answers 401):
// there is no session to ride on.
func (c *Console) CSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := c.openSession(r)
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		if err := c.checkPost(r, s); err != nil {
			secureHeaders(w)
			if isForm(r) {
				c.renderError(w, r, nil, err)
			} else {
				jsonapi.WriteError(w, r, c.log, err)
			}
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, s)))
	})
}

// checkPost checks that a post with session s comes from the console:
// not from another origin, and with the session's CSRF value.
func (c *Console) checkPost(r *http.Request, s *Session) error {
	var submitted string
	var formErr error
	if isForm(r) {
		formErr = parseForm(r)
		submitted = r.PostFormValue(CSRFField)
	} else {
		submitted = r.Header.Get(CSRFHeader)
	}
	if err := c.checkOrigin(r); err != nil {
		return err
	}
	if !hmac.Equal([]byte(submitted), []byte(s.CSRF)) {
		if formErr != nil {
			// The CSRF field was not read because the form was not.
			return model.Errorf(model.ErrInvalid, "invalid_request",
				"the form could not be read (it may be larger than %d KiB); nothing was saved", formLimit(r)>>10)
		}
		return errCSRF
	}
	return nil
}

// SignInCSRF guards the steps before sign-in (the sign-in and invitation
// ceremonies), which have no session to derive a CSRF value from: they
// take JSON, which a form on another site cannot send, from the
// console's own origin only. Refusals are JSON, as the steps answer.
func (c *Console) SignInCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := c.checkOrigin(r)
		if ct := r.Header.Get("Content-Type"); err == nil && !strings.HasPrefix(ct, "application/json") {
			err = model.Invalid("send the request as application/json")
		}
		if err != nil {
			secureHeaders(w)
			jsonapi.WriteError(w, r, c.log, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), guardedKey{}, true)))
	})
}

// parseForm reads a posted form, a multipart one (an upload) included,
// whose files stay in memory: the body is bounded by MaxUploadBody.
func parseForm(r *http.Request) error {
	if isUpload(r) {
		return r.ParseMultipartForm(MaxUploadBody)
	}
	return r.ParseForm()
}

// isUpload reports whether a request's body is a multipart form.
func isUpload(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// formLimit is the largest form body r may have.
func formLimit(r *http.Request) int {
	if isUpload(r) {
		return MaxUploadBody
	}
	return MaxFormBody
}

// isForm reports whether a request's body is a form.
func isForm(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data"
}

// unsafeMethod reports whether a request may change something, so that it
// must have passed a guard.
func unsafeMethod(r *http.Request) bool {
	return r.Method != http.MethodGet && r.Method != http.MethodHead
}

// guarded reports whether a request may reach a handler before sign-in:
// it changes nothing, or SignInCSRF let it through.
func guarded(r *http.Request) bool {
	_, ok := r.Context().Value(guardedKey{}).(bool)
	return ok || !unsafeMethod(r)
}
