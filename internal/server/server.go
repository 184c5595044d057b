// Package server wires Uplift's surfaces into one HTTP handler and runs it.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/admin"
	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/branding"
	"github.com/uplift-dev/uplift/internal/clientapi"
	"github.com/uplift-dev/uplift/internal/console"
	"github.com/uplift-dev/uplift/internal/experiments"
	"github.com/uplift-dev/uplift/internal/hosted"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/managementapi"
	"github.com/uplift-dev/uplift/internal/metrics"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/passkeys"
	"github.com/uplift-dev/uplift/internal/prompt"
	"github.com/uplift-dev/uplift/internal/ratelimit"
	"github.com/uplift-dev/uplift/internal/serverapi"
	"github.com/uplift-dev/uplift/internal/sessions"
	"github.com/uplift-dev/uplift/internal/tracing"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// Server is Uplift's HTTP server.
type Server struct {
	confirmFor    time.Duration
	svc           *actions.Service
	admins        *admin.Service
	keys          *passkeys.Service
	sessions      *sessions.Service
	experiments   *experiments.Service
	prompt        *prompt.Service
	webhooks      *webhooks.Service
	branding      *branding.Service
	log           *slog.Logger
	serverAPI     *serverapi.API
	managementAPI *managementapi.API
	analytics     *managementapi.Analytics
	clientAPI     *clientapi.API
	hosted        *hosted.Pages
	console       *console.Console
	publicURL     string
	demo          Demo
	devInbox      *notify.Inbox
	rateLimits    ratelimit.Limits
	limits        limiters
	// metrics, when set, counts requests and refusals; serveMetrics
	// serves them at GET /metrics on this listener.
	metrics      *metrics.Metrics
	serveMetrics bool
	// tracer, when set, gives each request a span.
	tracer *tracing.Tracer
}

// Option adjusts a Server.
type Option func(*Server)

// WithPublicURL tells the server the URL users reach it at; an https URL
// makes the hosted pages' cookies Secure.
func WithPublicURL(u string) Option { return func(s *Server) { s.publicURL = u } }

// Demo is the example app `uplift demo` serves at /demo.
type Demo interface {
	Home(w http.ResponseWriter, r *http.Request) error
	SignIn(w http.ResponseWriter, r *http.Request) error
	Callback(w http.ResponseWriter, r *http.Request) error
	// CSRFScope is what the sign-in form's CSRF field is bound to (see
	// hosted.CSRFField); the browser mux checks it on every post.
	CSRFScope() string
}

// WithDemo serves the example app at /demo (development mode only).
func WithDemo(d Demo) Option { return func(s *Server) { s.demo = d } }

// WithConfirmation sets how long the hosted pages' confirmations show
// before they continue by themselves.
func WithConfirmation(d time.Duration) Option { return func(s *Server) { s.confirmFor = d } }

// WithDevInbox serves the messages in inbox at GET /dev/inbox, for
// development mode, where inbox stands in for the email and SMS senders.
func WithDevInbox(inbox *notify.Inbox) Option { return func(s *Server) { s.devInbox = inbox } }

// WithMetrics counts every request (by route pattern and status class)
// and every rate-limit refusal in m. With serve, m is also served at
// GET /metrics on this server's listener, which the proxy in front must
// then keep from the public; otherwise /metrics is not found here.
func WithMetrics(m *metrics.Metrics, serve bool) Option {
	return func(s *Server) { s.metrics, s.serveMetrics = m, serve }
}

// WithTracer gives each request a span of t's.
func WithTracer(t *tracing.Tracer) Option { return func(s *Server) { s.tracer = t } }

// New returns a server over the services of a.
func New(a *app.App, log *slog.Logger, opts ...Option) *Server {
	svc := a.Actions
	s := &Server{svc: svc, prompt: a.Prompt, admins: a.Admin, keys: a.Passkeys, sessions: a.Sessions, log: log, serverAPI: serverapi.New(svc, a.Tenancy, a.Policy, a.Codes, a.Passkeys, a.Prompt, log), managementAPI: managementapi.New(svc, a.Tenancy, a.Policy, a.Experiments, log), clientAPI: clientapi.New(svc, a.Tenancy, a.Codes, a.Passkeys, a.Prompt, log)}
	s.webhooks = a.Webhooks
	s.managementAPI.SetWebhooks(a.Webhooks)
	s.experiments = a.Experiments
	for _, o := range opts {
		o(s)
	}
	s.hosted = hosted.New(svc, a.Tenancy, a.Policy, a.Codes, a.Passkeys, a.Prompt, log, s.publicURL, s.confirmFor)
	s.console = console.New(svc, a.Tenancy, a.Policy, a.Codes, a.Passkeys, a.Admin, a.Prompt, a.Experiments, log)
	s.console.SetWebhooks(a.Webhooks)
	s.hosted.SetBranding(a.Branding)
	s.console.SetBranding(a.Branding)
	s.branding = a.Branding
	s.analytics = managementapi.NewAnalytics(a.Prompt)
	s.limits = newLimiters(s.rateLimits, svc.Now)
	return s
}

// Handler returns the handler serving every route.
func (s *Server) Handler() http.Handler { return s.routes() }

// Run serves on ln until ctx is cancelled, then shuts down gracefully,
// giving requests in flight up to grace to finish. While it runs, expired
// ceremonies are deleted every JanitorInterval.
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
	ticker := time.NewTicker(JanitorInterval)
	defer ticker.Stop()
	defer s.startJanitor(ctx, ticker.C)()
	poll := time.NewTicker(webhooks.PollInterval)
	defer poll.Stop()
	defer s.webhooks.Start(ctx, poll.C)()
	fold := time.NewTicker(prompt.AnalyticsFoldInterval)
	defer fold.Stop()
	defer s.startFolding(ctx, fold.C)()
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
	if err := s.svc.Ping(ctx); err != nil {
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
// logged: tokens travel in it. With metrics it counts the request, and
// with a tracer it gives it a span.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		if s.tracer != nil {
			ctx, end := s.tracer.StartRequest(r)
			r = r.WithContext(ctx) // the mux sets this copy's Pattern
			defer func() { end(r.Pattern, rec.status) }()
		}
		next.ServeHTTP(rec, r)
		if s.metrics != nil {
			s.metrics.Request(jsonapi.Route(r), rec.status, time.Since(start))
		}
		level := slog.LevelDebug
		if rec.status >= 500 {
			level = slog.LevelWarn
		}
		if s.log.Enabled(r.Context(), level) { // the arguments alone cost allocations on every request
			s.log.Log(r.Context(), level, "request", "method", r.Method, "path", loggedPath(r),
				"status", rec.status, "duration", time.Since(start))
		}
	})
}

// loggedPath is the path a request log names: the route's pattern, or
// "unmatched", never the path itself, since some paths carry secrets (a
// console invitation's token); the query string, where tokens travel, is
// never logged either.
func loggedPath(r *http.Request) string { return jsonapi.Route(r) }

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
