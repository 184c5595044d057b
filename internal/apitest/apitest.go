// Package apitest runs Uplift in process for tests of its HTTP surfaces: a
// fresh SQLite database, the real handler, and requests with a secret key.
package apitest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/codes"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/testclock"
)

// Env is a server on a fresh database.
type Env struct {
	T       testing.TB
	Store   *store.Store
	Service *actions.Service
	// App is every domain service; Service is its Flows.
	App     *app.App
	Handler http.Handler
	// Clock is the service's time; tests may move it while the server
	// reads it.
	Clock *testclock.Clock
}

// Options adjusts the environment NewWith starts.
type Options struct {
	// Email and SMS send codes; without them, those methods are off.
	Email notify.EmailSender
	SMS   notify.SMSSender
	// Log receives the service's and server's logs; nil discards them.
	Log *slog.Logger
	// DatabaseURL names the database; empty means a new SQLite file.
	DatabaseURL string
	// SendCeilings caps each tenant's code sends an hour; zero fields take
	// the defaults.
	SendCeilings codes.SendCeilings
	// Events hears of the domain's events (the metrics); nil: nothing.
	Events model.Events
	// Server adjusts the server (metrics, tracing).
	Server []server.Option
	// TxHook, when set, wraps the store's transactions.
	TxHook store.TxHook
}

// New starts an environment whose clock reads the real time at start.
func New(t testing.TB) *Env {
	t.Helper()
	return NewWith(t, Options{})
}

// NewWith starts an environment with the given senders and logger.
func NewWith(t testing.TB, o Options) *Env {
	t.Helper()
	ctx := context.Background()
	dbURL := o.DatabaseURL
	if dbURL == "" {
		dbURL = "sqlite://" + filepath.Join(t.TempDir(), "u.db")
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if o.TxHook != nil {
		st.SetTxHook(o.TxHook)
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	clock := testclock.New(time.Now().UTC())
	uplift := app.New(app.Options{Store: st, Log: log, PublicURL: "http://localhost:8080", Now: clock.Now,
		Email: o.Email, SMS: o.SMS, SendCeilings: o.SendCeilings, Events: o.Events})
	svc := uplift.Actions
	return &Env{T: t, Store: st, Service: svc, App: uplift, Handler: server.New(uplift, log, o.Server...).Handler(), Clock: clock}
}

// With returns the environment reporting to t, for subtests and fuzz
// functions.
func (e *Env) With(t testing.TB) *Env {
	c := *e
	c.T = t
	return &c
}

// Tenant creates a tenant and returns it with its secret key.
func (e *Env) Tenant(name string) (model.Tenant, string) {
	e.T.Helper()
	t, secret, err := e.App.Tenancy.CreateTenant(context.Background(), tenancy.NewTenant{Name: name})
	if err != nil {
		e.T.Fatal(err)
	}
	return t, secret
}

// Response is an answer with its JSON body decoded into JSON (objects) or
// List (arrays).
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any
	List   []any
}

// Do sends a request with the secret key. body may be nil, a []byte sent
// as is, or a value encoded as JSON.
func (e *Env) Do(secret, method, path string, body any) Response {
	e.T.Helper()
	auth := ""
	if secret != "" {
		auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(secret+":"))
	}
	return e.DoAuth(auth, method, path, body)
}

// Client sends a Client API request with a token from track or an
// earlier client step as Bearer, as the browser SDK does.
func (e *Env) Client(token, method, path string, body any) Response {
	e.T.Helper()
	return e.DoAuth("Bearer "+token, method, path, body)
}

// DoAuth sends a request with the given Authorization header (none when
// empty). body is as for Do.
func (e *Env) DoAuth(auth, method, path string, body any) Response {
	e.T.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, r)
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	res := Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if len(res.Body) > 0 && res.Body[0] == '[' {
		json.Unmarshal(res.Body, &res.List)
	} else {
		json.Unmarshal(res.Body, &res.JSON)
	}
	return res
}

// MustOK fails the test unless the answer has status 200 or 201.
func (r Response) MustOK(t testing.TB) Response {
	t.Helper()
	if r.Status != http.StatusOK && r.Status != http.StatusCreated {
		t.Fatalf("status %d, want 200 or 201: %s", r.Status, r.Body)
	}
	return r
}

// Str returns a string field of the JSON answer.
func (r Response) Str(key string) string {
	s, _ := r.JSON[key].(string)
	return s
}
