// Package jsonapi is the JSON plumbing the API surfaces share: strict
// request decoding, responses, and the one table from error kind to HTTP
// status.
package jsonapi

import (
	"bytes"
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/uplift-dev/uplift/internal/model"
)

// MaxBody is the largest request body accepted.
const MaxBody = 64 << 10

// HandlerFunc is an HTTP handler that returns its error instead of writing it.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Decode reads r's JSON body into v. It refuses bodies over MaxBody,
// unknown fields, trailing data, non-JSON content types and text that
// breaks its field's rule (see CheckText); an empty body leaves v
// untouched.
func Decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !isJSON(ct) {
		return model.Errorf(model.ErrInvalid, "invalid_request", "Content-Type must be application/json")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return model.Invalid("could not read the request body")
	}
	if len(body) > MaxBody {
		return errTooLarge
	}
	return DecodeBytes(body, v)
}

// DecodeBytes decodes one JSON value from body into v with Decode's rules.
func DecodeBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return model.Invalid("request body: %s", describe(err))
	}
	if dec.More() {
		return model.Invalid("request body: unexpected data after the JSON value")
	}
	if _, err := dec.Token(); err != io.EOF {
		return model.Invalid("request body: unexpected data after the JSON value")
	}
	if !utf8.Valid(body) {
		// Outside strings JSON is ASCII, so a string holds the bad bytes.
		name, key := invalidUTF8Field(body)
		if key {
			return fieldTextError(name, "has a key that is not valid UTF-8")
		}
		return fieldTextError(name, "is not valid UTF-8")
	}
	return CheckText(v)
}

var errTooLarge = &model.Error{Kind: model.ErrInvalid, Code: "request_too_large",
	Description: fmt.Sprintf("the request body is larger than %d bytes", MaxBody)}

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// describe turns a decoding error into a sentence safe to return.
func describe(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("field %q must be %s, not %s", typ.Field, typ.Type, typ.Value)
		}
		return fmt.Sprintf("expected %s, not %s", typ.Type, typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "malformed JSON: it ends too early"
	}
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120]
	}
	return msg // e.g. `json: unknown field "x"`
}

// Write sends v as JSON with the given status.
func Write(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// ErrorBody is the JSON shape of every error response.
type ErrorBody struct {
	Error            string `json:"error"`
	ErrorCode        string `json:"errorCode,omitempty"`
	ErrorDescription string `json:"errorDescription"`
}

var statusByKind = []struct {
	kind   error
	status int
	code   string
}{
	{model.ErrInvalid, http.StatusBadRequest, "invalid_request"},
	{model.ErrNotFound, http.StatusNotFound, "not_found"},
	{model.ErrUnauthenticated, http.StatusUnauthorized, "unauthorized"},
	{model.ErrForbidden, http.StatusForbidden, "forbidden"},
	{model.ErrConflict, http.StatusConflict, "conflict"},
	{model.ErrRateLimited, http.StatusTooManyRequests, "too_many_requests"},
	{model.ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
}

// Status returns the HTTP status and safe body for err. Errors of no known
// kind are internal: the client learns nothing of them.
func Status(err error) (int, ErrorBody) {
	for _, k := range statusByKind {
		if errors.Is(err, k.kind) {
			body := ErrorBody{Error: k.code, ErrorDescription: http.StatusText(k.status)}
			var me *model.Error
			if errors.As(err, &me) {
				body.Error, body.ErrorDescription = me.Code, me.Description
				if me == errTooLarge {
					return http.StatusRequestEntityTooLarge, withCode(body)
				}
			}
			return k.status, withCode(body)
		}
	}
	if unreachable(err) {
		return http.StatusServiceUnavailable, withCode(ErrorBody{Error: "unavailable",
			ErrorDescription: "the database is unavailable; try again in a moment"})
	}
	return http.StatusInternalServerError, withCode(ErrorBody{Error: "internal_error",
		ErrorDescription: "something went wrong on our side; it has been logged"})
}

// unreachable reports whether err says the database could not be
// reached or went away (refused or dropped connections, timeouts, a
// server shutting down or starting up), as opposed to a fault of the
// request or of the code: the same request may well succeed in a moment.
// PostgreSQL's errors say so by their SQLSTATE class: 08 connection
// exception, 53 insufficient resources, 57 operator intervention.
func unreachable(err error) bool {
	var ne net.Error
	var state interface{ SQLState() string }
	switch {
	case errors.As(err, &ne), errors.Is(err, driver.ErrBadConn),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &state):
		class := state.SQLState()[:min(2, len(state.SQLState()))]
		return class == "08" || class == "53" || class == "57"
	}
	return false
}

func withCode(b ErrorBody) ErrorBody {
	b.ErrorCode = b.Error
	return b
}

// WriteError sends err as a JSON error and logs internal errors in full.
// The log names the route, never the path: some paths carry secrets (a
// console invitation's token), and queries carry tokens.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status, body := Status(err)
	if status >= 500 {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "route", Route(r), "err", err)
	} else if log.Enabled(r.Context(), slog.LevelDebug) {
		log.DebugContext(r.Context(), "request refused", "method", r.Method, "route", Route(r), "status", status, "err", err)
	}
	Write(w, status, body)
}

// Route is what a log line may say of a request's path: the pattern of
// the route that matched it, or "unmatched".
func Route(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return "unmatched"
}

// Adapt turns a HandlerFunc into an http.Handler that writes its error.
// Text outside the body that breaks its rule (see CheckRequest) is
// refused before fn runs, and before any credential is looked at.
func Adapt(log *slog.Logger, fn HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := CheckRequest(r)
		if err == nil {
			err = fn(w, r)
		}
		if err != nil {
			WriteError(w, r, log, err)
		}
	})
}

// Time formats a time the way the APIs report it (ISO 8601 UTC with
// milliseconds); the zero time becomes "".
func Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// BasicUser returns the user name of the request's HTTP Basic credentials,
// where the APIs carry secret keys, or an ErrUnauthenticated error asking
// for one.
func BasicUser(w http.ResponseWriter, r *http.Request) (string, error) {
	user, _, ok := r.BasicAuth()
	if !ok || user == "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="uplift"`)
		return "", model.Errorf(model.ErrUnauthenticated, "unauthorized", "send the secret key as the Basic auth user name")
	}
	return user, nil
}
