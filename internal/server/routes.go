package server

import (
	"net/http"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
)

// routes lists every route Uplift serves.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	api := s.serverAPI
	secret := api.Handler

	// Health.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)

	// Server API (secret key).
	mux.Handle("GET /v1/users", secret(api.QueryUsers))
	mux.Handle("GET /v1/users/{userId}", secret(api.GetUser))
	mux.Handle("PATCH /v1/users/{userId}", secret(api.UpdateUser))
	mux.Handle("DELETE /v1/users/{userId}", secret(api.DeleteUser))
	mux.Handle("GET /v1/users/{userId}/authenticators", secret(api.ListAuthenticators))
	mux.Handle("POST /v1/users/{userId}/authenticators", secret(api.EnrollAuthenticator))
	mux.Handle("DELETE /v1/users/{userId}/authenticators/{userAuthenticatorId}", secret(api.DeleteAuthenticator))
	mux.Handle("POST /v1/users/{userId}/actions/{action}", secret(api.Track))
	mux.Handle("GET /v1/users/{userId}/actions", secret(api.QueryActions))
	mux.Handle("GET /v1/users/{userId}/actions/{action}/{idempotencyKey}", secret(api.GetAction))
	mux.Handle("PATCH /v1/users/{userId}/actions/{action}/{idempotencyKey}", secret(api.UpdateAction))
	mux.Handle("POST /v1/validate", secret(api.Validate))

	// Hosted UI.
	mux.HandleFunc("GET /login", s.login)

	// Anything else under /v1 answers in JSON.
	mux.Handle("/v1/", jsonapi.Adapt(s.log, func(w http.ResponseWriter, r *http.Request) error {
		return model.NotFound("no such endpoint: %s %s", r.Method, r.URL.Path)
	}))
	return s.logRequests(s.recoverPanics(s.limitBodies(mux)))
}
