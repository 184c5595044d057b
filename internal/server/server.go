// Package server wires Uplift's surfaces into one HTTP handler and runs it.
package server

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/uplift-dev/uplift/internal/clientapi"
	"github.com/uplift-dev/uplift/internal/flows"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/managementapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/serverapi"
)

// Server is Uplift's HTTP server.
type Server struct {
	svc           *flows.Service
	log           *slog.Logger
	serverAPI     *serverapi.API
	managementAPI *managementapi.API
	clientAPI     *clientapi.API
}

// New returns a server over svc.
func New(svc *flows.Service, log *slog.Logger) *Server {
	return &Server{svc: svc, log: log, serverAPI: serverapi.New(svc, log), managementAPI: managementapi.New(svc, log), clientAPI: clientapi.New(svc, log)}
}

// Handler returns the handler serving every route.
func (s *Server) Handler() http.Handler { return s.routes() }

// Run serves on ln until ctx is cancelled, then shuts down gracefully,
// giving requests in flight up to grace to finish.
func (s *Server) Run(ctx context.Context, ln net.Listener, grace time.Duration) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	jsonapi.Write(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.svc.Store().Ping(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		jsonapi.Write(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
		return
	}
	jsonapi.Write(w, http.StatusOK, map[string]string{"status": "ready"})
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// logRequests logs each request's method, path, status and duration at
// debug level, and server errors at warn. The query string is never
// logged: tokens travel in it.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		level := slog.LevelDebug
		if rec.status >= 500 {
			level = slog.LevelWarn
		}
		s.log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "duration", time.Since(start))
	})
}

// limitBodies caps every request body; the JSON decoder reports the excess.
func (s *Server) limitBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, jsonapi.MaxBody+1)
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic in a handler into a logged 500.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				jsonapi.WriteError(w, r, s.log, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in</title></head>
<body><main>
{{if .Error}}<h1>This sign-in link cannot be used</h1><p>{{.Error}}</p>
{{else}}<h1>Sign in</h1>
<p>This link is valid for the action <strong>{{.Action}}</strong>. Sign-in screens are not served by this version of Uplift; the app can complete the challenge through the Client API.</p>{{end}}
</main></body></html>`))

// login is the entry to the hosted UI that track's url points at. For now
// it checks the token and says what it is for.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	data := struct{ Action, Error string }{}
	claims, err := s.svc.ParseTokenAnyTenant(r.Context(), r.URL.Query().Get("token"))
	if err != nil {
		var me *model.Error
		data.Error = "The link is not valid."
		if errors.As(err, &me) {
			data.Error = me.Description + "."
		}
		w.WriteHeader(http.StatusBadRequest)
	} else {
		data.Action = claims.ActionCode
	}
	loginPage.Execute(w, data)
}
