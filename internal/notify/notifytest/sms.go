package notifytest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/uplift-dev/uplift/internal/mailparse"
)

// Text is one text message the webhook received.
type Text struct {
	To   string `json:"to"`
	Body string `json:"body"`
}

// SMSReceiver is an SMS webhook on 127.0.0.1: it takes POST {to, body}
// as Uplift's webhook sender sends it and keeps every message.
type SMSReceiver struct {
	// URL is where to post messages, as UPLIFT_SMS_URL takes it.
	URL string

	mu       sync.Mutex
	received []Text
	refused  []Text
	status   int
}

// StartSMS runs an SMS webhook until the test ends.
func StartSMS(t testing.TB) *SMSReceiver {
	t.Helper()
	r := &SMSReceiver{status: http.StatusOK}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/sms"
	return r
}

// serve records a posted message and answers the status in force.
func (r *SMSReceiver) serve(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || req.URL.Path != "/sms" {
		http.NotFound(w, req)
		return
	}
	var m Text
	if err := json.NewDecoder(req.Body).Decode(&m); err != nil {
		http.Error(w, "bad JSON", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	status := r.status
	if status >= 200 && status < 300 {
		r.received = append(r.received, m)
	} else {
		r.refused = append(r.refused, m)
	}
	r.mu.Unlock()
	w.WriteHeader(status)
}

// Answer makes the webhook answer status to the messages that follow
// (200 accepts them; anything else refuses them after reading them).
func (r *SMSReceiver) Answer(status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = status
}

// Messages returns the messages accepted so far, oldest first.
func (r *SMSReceiver) Messages() []Text {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Text(nil), r.received...)
}

// Refused returns the messages read and then refused, oldest first.
func (r *SMSReceiver) Refused() []Text {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Text(nil), r.refused...)
}

// LastCode returns the code in the newest message accepted for the
// phone number to.
func (r *SMSReceiver) LastCode(to string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.received) - 1; i >= 0; i-- {
		if r.received[i].To == to {
			return mailparse.FindCode(r.received[i].Body)
		}
	}
	return "", ErrNoMessage
}
