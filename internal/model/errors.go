// Package model holds Uplift's domain types and error kinds. It depends on
// the standard library only.
package model

import (
	"errors"
	"fmt"
)

// Error kinds. Every error a surface reports wraps exactly one of these, and
// one table in the server maps each kind to an HTTP status.
var (
	ErrInvalid         = errors.New("invalid")
	ErrNotFound        = errors.New("not found")
	ErrUnauthenticated = errors.New("unauthenticated")
	ErrForbidden       = errors.New("forbidden")
	ErrConflict        = errors.New("conflict")
	ErrRateLimited     = errors.New("rate limited")
	ErrUnavailable     = errors.New("unavailable")
)

// Error is an error safe to show to a client: a stable code, a human
// description, and the kind that decides the HTTP status.
type Error struct {
	Kind        error
	Code        string
	Description string
	// Cause is detail for the log only; it is never shown to a client.
	Cause error
}

// Error returns the code, the description and the cause.
func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Code + ": " + e.Description + ": " + e.Cause.Error()
	}
	return e.Code + ": " + e.Description
}

// Unwrap returns the kind and the cause, so errors.Is(err, model.ErrNotFound)
// works.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Kind, e.Cause}
	}
	return []error{e.Kind}
}

// Errorf returns an *Error of the given kind and client code with a
// formatted description.
func Errorf(kind error, code, format string, args ...any) error {
	return &Error{Kind: kind, Code: code, Description: fmt.Sprintf(format, args...)}
}

// Invalid returns an ErrInvalid error with the code "invalid_request".
func Invalid(format string, args ...any) error {
	return Errorf(ErrInvalid, "invalid_request", format, args...)
}

// NotFound returns an ErrNotFound error with the code "not_found".
func NotFound(format string, args ...any) error {
	return Errorf(ErrNotFound, "not_found", format, args...)
}
