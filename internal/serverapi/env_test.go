package serverapi_test

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

	"github.com/uplift-dev/uplift/internal/flows"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/store"
)

// env is a running server on a fresh SQLite database.
type env struct {
	t     testing.TB
	store *store.Store
	svc   *flows.Service
	h     http.Handler
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "u.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	svc := flows.New(flows.Options{Store: st, Log: log, PublicURL: "http://localhost:8080"})
	return &env{t: t, store: st, svc: svc, h: server.New(svc, log).Handler()}
}

// with returns the environment reporting to t, for use inside subtests
// and fuzz functions.
func (e *env) with(t testing.TB) *env {
	c := *e
	c.t = t
	return &c
}

func (e *env) tenant(name string) (model.Tenant, string) {
	e.t.Helper()
	t, secret, err := e.svc.CreateTenant(context.Background(), flows.NewTenant{Name: name})
	if err != nil {
		e.t.Fatal(err)
	}
	return t, secret
}

// response is a recorded answer with its JSON body decoded.
type response struct {
	status int
	body   []byte
	json   map[string]any
	list   []any
}

// do sends a request with the secret key and returns the answer. body may
// be nil, a []byte sent as is, or a value encoded as JSON.
func (e *env) do(secret, method, path string, body any) response {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, r)
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if secret != "" {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(secret+":")))
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	res := response{status: rec.Code, body: rec.Body.Bytes()}
	if len(res.body) > 0 && res.body[0] == '[' {
		json.Unmarshal(res.body, &res.list)
	} else {
		json.Unmarshal(res.body, &res.json)
	}
	return res
}

// mustOK fails the test unless the answer is 200.
func (r response) mustOK(t testing.TB) response {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", r.status, r.body)
	}
	return r
}

// str returns a string field of the JSON answer.
func (r response) str(key string) string {
	s, _ := r.json[key].(string)
	return s
}
