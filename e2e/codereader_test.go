package e2e

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/uplift-dev/uplift/internal/notify/notifytest"
)

// startCodeReader serves, until the test ends, the codes the test's SMTP
// server and SMS webhook received, for test suites outside Go:
// GET /email?to=ADDRESS and GET /sms?to=NUMBER answer {"code": "123456"}
// for the newest message, or 404. It returns the base URL.
func startCodeReader(t *testing.T, mail *notifytest.SMTPServer, sms *notifytest.SMSReceiver) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /email", func(w http.ResponseWriter, r *http.Request) {
		code, err := mail.LastCode(r.URL.Query().Get("to"))
		answerCode(w, code, err)
	})
	mux.HandleFunc("GET /sms", func(w http.ResponseWriter, r *http.Request) {
		code, err := sms.LastCode(r.URL.Query().Get("to"))
		answerCode(w, code, err)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func answerCode(w http.ResponseWriter, code string, err error) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case errors.Is(err, notifytest.ErrNoMessage):
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
	case err != nil:
		w.WriteHeader(http.StatusInternalServerError)
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
	default:
		json.NewEncoder(w).Encode(map[string]string{"code": code})
	}
}
