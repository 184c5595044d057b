// Package notifytest receives the email and text messages Uplift sends,
// for tests: an SMTP server and an SMS webhook, both in process on the
// loopback interface, that keep every message and can refuse them.
package notifytest

import (
	"errors"
	"regexp"
)

// codePattern finds a six-digit code in a message.
var codePattern = regexp.MustCompile(`\b[0-9]{6}\b`)

// ErrNoMessage is returned when no message was received for an address.
var ErrNoMessage = errors.New("notifytest: no message for that address")

// findCode returns the first six-digit code in text.
func findCode(text string) (string, error) {
	code := codePattern.FindString(text)
	if code == "" {
		return "", errors.New("notifytest: the message holds no six-digit code")
	}
	return code, nil
}
