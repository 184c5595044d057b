package server_test

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/server"
)

// The request log names routes, not paths, where a path holds a secret:
// a console invitation's token must not reach the log.
func TestRequestLogKeepsPathSecretsOut(t *testing.T) {
	e := apitest.New(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := server.New(e.App, log).Handler()
	const secret = "inviteTOKENabcdefghijklmnopqrstuvwxyz0123456"
	for _, target := range []string{"/console/invite/" + secret, "/console/invite/" + secret + "/options", "/v1/validate?token=" + secret, "/v1/client/" + secret, "/v1/" + secret} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", target, nil))
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("the log holds the secret:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "/console/invite/{token}") {
		t.Errorf("the log does not name the route:\n%s", logs.String())
	}
}
