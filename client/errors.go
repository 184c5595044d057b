package client

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is an error response from the Server API. Use errors.As to get
// at it:
//
//	var apiErr *client.Error
//	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized {
//		// the secret key is wrong
//	}
type Error struct {
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// Code is the server's error code, such as "not_found" or
	// "invalid_request". For a response without a JSON error body it is
	// derived from the HTTP status, such as "bad_gateway".
	Code string
	// Description is the server's explanation for people, or the start
	// of a non-JSON body.
	Description string
}

// Error returns the status, the code and the description.
func (e *Error) Error() string {
	s := "uplift: " + strconv.Itoa(e.StatusCode) + " " + e.Code
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// IsNotFound reports whether err is, or wraps, an *Error with HTTP status
// 404: the user, action or authenticator does not exist.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
}

// maxDescription bounds a description taken from a non-JSON body.
const maxDescription = 200

// newError builds an *Error from a failed response's status and body. The
// body is the server's {error, errorCode, errorDescription} JSON; anything
// else falls back on the HTTP status and the start of the body.
func newError(status int, body []byte) *Error {
	e := &Error{StatusCode: status}
	var wire struct {
		Error            string `json:"error"`
		ErrorCode        string `json:"errorCode"`
		ErrorDescription string `json:"errorDescription"`
		Message          string `json:"message"`
	}
	if json.Unmarshal(body, &wire) == nil {
		e.Code = wire.ErrorCode
		if e.Code == "" {
			e.Code = wire.Error
		}
		e.Description = wire.ErrorDescription
		if e.Description == "" {
			e.Description = wire.Message
		}
	} else {
		e.Description = snippet(body)
	}
	if e.Code == "" {
		e.Code = statusCode(status)
	}
	if e.Description == "" {
		e.Description = http.StatusText(status)
	}
	return e
}

// statusCode turns an HTTP status into an error code in the server's
// style: 502 becomes "bad_gateway".
func statusCode(status int) string {
	text := http.StatusText(status)
	if text == "" {
		return "http_" + strconv.Itoa(status)
	}
	text = strings.ToLower(strings.NewReplacer(" ", "_", "-", "_", "'", "").Replace(text))
	return text
}

// snippet returns the start of a non-JSON body as one line of valid text.
func snippet(body []byte) string {
	s := strings.ToValidUTF8(string(body), "")
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxDescription {
		cut := maxDescription
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
