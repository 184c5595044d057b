// Package notifytest receives the email and text messages Uplift sends,
// for tests: an SMTP server and an SMS webhook, both in process on the
// loopback interface, that keep every message and can refuse them.
package notifytest

import "errors"

// ErrNoMessage is returned when no message was received for an address.
var ErrNoMessage = errors.New("notifytest: no message for that address")
