package clientapi_test

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

	"github.com/descope/virtualwebauthn"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/testclock"
	"github.com/uplift-dev/uplift/internal/webauthntest"
)

// appOrigin is the origin the test tenant's pages are served from.
const appOrigin = "http://localhost:3000"

// rp is the relying party the software authenticator signs for.
var rp = virtualwebauthn.RelyingParty{ID: "localhost", Name: "Acme", Origin: appOrigin}

// harness is one Uplift server over HTTP with one tenant.
type harness struct {
	t      testing.TB
	url    string
	svc    *actions.Service
	app    *app.App
	store  *store.Store
	tenant model.Tenant
	secret string
	clock  *testclock.Clock
}

// newHarness starts Uplift on a fresh SQLite file.
func newHarness(t testing.TB) *harness {
	t.Helper()
	return newHarnessOn(t, "sqlite://"+filepath.Join(t.TempDir(), "uplift.db"), nil)
}

// newHarnessOn starts Uplift on the database at dbURL. With share nil it
// migrates and creates a tenant; otherwise it serves share's tenant on
// share's clock. opts adjust the service's options.
func newHarnessOn(t testing.TB, dbURL string, share *harness, opts ...func(*app.Options)) *harness {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	h := &harness{t: t, store: st, clock: testclock.New(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))}
	if share != nil {
		h.clock = share.clock
	}
	o := app.Options{Store: st, Log: slog.New(slog.DiscardHandler), Now: h.clock.Now, PublicURL: "http://localhost:8080"}
	for _, adjust := range opts {
		adjust(&o)
	}
	h.app = app.New(o)
	h.svc = h.app.Actions
	if share == nil {
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		h.tenant, h.secret, err = h.app.Tenancy.CreateTenant(ctx, tenancy.NewTenant{Name: "Acme", RPID: "localhost",
			Origins: []string{appOrigin}})
		if err != nil {
			t.Fatalf("create tenant: %v", err)
		}
	} else {
		h.tenant, h.secret = share.tenant, share.secret
	}
	srv := httptest.NewServer(server.New(h.app, slog.New(slog.DiscardHandler)).Handler())
	t.Cleanup(srv.Close)
	h.url = srv.URL
	return h
}

// reply is an HTTP response with its decoded JSON body.
type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (r reply) str(key string) string { s, _ := r.body[key].(string); return s }

// do sends a request with a JSON body (nil for none) and an
// Authorization header (empty for none).
func (h *harness) do(method, path, auth string, body any, hdr ...string) reply {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(bytes.TrimSpace(raw)) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			h.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return r
}

// must fails the test unless r has the wanted status.
func (h *harness) must(r reply, want int) reply {
	h.t.Helper()
	if r.status != want {
		h.t.Fatalf("status %d, want %d; body %s", r.status, want, r.raw)
	}
	return r
}

func (h *harness) secretAuth() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(h.secret+":"))
}

// tenantAuth is the header the browser SDK sends for username-less calls:
// btoa(encodeURIComponent(tenantId)).
func (h *harness) tenantAuth() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(h.tenant.ID))
}

func bearer(tok string) string { return "Bearer " + tok }

// track tracks an action through the Server API and returns its token.
func (h *harness) track(userID, action string, extra map[string]any) string {
	h.t.Helper()
	body := map[string]any{"deviceId": "device-" + userID}
	for k, v := range extra {
		body[k] = v
	}
	r := h.must(h.do("POST", "/v1/users/"+userID+"/actions/"+action, h.secretAuth(), body), 200)
	return r.str("token")
}

// validate reports the state validate gives for a token.
func (h *harness) validate(tok string) reply {
	h.t.Helper()
	return h.must(h.do("POST", "/v1/validate", h.secretAuth(), map[string]any{"token": tok}), 200)
}

// passkeyDevice is a software authenticator holding one credential.
type passkeyDevice struct {
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
	rp   virtualwebauthn.RelyingParty
}

func newPasskeyDevice(opts virtualwebauthn.AuthenticatorOptions) *passkeyDevice {
	return &passkeyDevice{auth: virtualwebauthn.NewAuthenticatorWithOptions(opts),
		cred: webauthntest.MustCredential(), rp: rp}
}

// attest answers creation options as the authenticator would.
func (d *passkeyDevice) attest(t testing.TB, options any) json.RawMessage {
	t.Helper()
	raw, _ := json.Marshal(options)
	o, err := virtualwebauthn.ParseAttestationOptions(string(raw))
	if err != nil {
		t.Fatalf("parse creation options %s: %v", raw, err)
	}
	d.auth.Options.UserHandle = []byte(o.UserID)
	return json.RawMessage(virtualwebauthn.CreateAttestationResponse(d.rp, d.auth, d.cred, *o))
}

// assert answers request options as the authenticator would.
func (d *passkeyDevice) assert(t testing.TB, options any) json.RawMessage {
	t.Helper()
	raw, _ := json.Marshal(options)
	o, err := virtualwebauthn.ParseAssertionOptions(string(raw))
	if err != nil {
		t.Fatalf("parse request options %s: %v", raw, err)
	}
	return json.RawMessage(virtualwebauthn.CreateAssertionResponse(d.rp, d.auth, d.cred, *o))
}

// register adds d's credential for the token's user and returns the
// add-authenticator reply.
func (h *harness) register(tok string, d *passkeyDevice, conditional bool) reply {
	h.t.Helper()
	o := h.must(h.do("POST", "/v1/client/user-authenticators/passkey/registration-options", bearer(tok),
		map[string]any{"username": "ada", "authenticatorAttachment": "platform"}), 200)
	return h.do("POST", "/v1/client/user-authenticators/passkey", bearer(tok), map[string]any{
		"challengeId": o.str("challengeId"), "registrationCredential": d.attest(h.t, o.body["options"]),
		"conditionalCreate": conditional,
	}, "User-Agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36")
}

// enrol tracks a first action for a new user and registers d for them.
func (h *harness) enrol(userID string, d *passkeyDevice) reply {
	h.t.Helper()
	return h.must(h.register(h.track(userID, "signUp", nil), d, false), 200)
}

// signInOptions returns authentication options (and the challenge id) for
// a username-less sign-in of action.
func (h *harness) signInOptions(action string) reply {
	h.t.Helper()
	ch := h.must(h.do("POST", "/v1/client/challenge", h.tenantAuth(), map[string]any{"action": action}), 200)
	return h.must(h.do("POST", "/v1/client/user-authenticators/passkey/authentication-options", h.tenantAuth(),
		map[string]any{"challengeId": ch.str("challengeId")}), 200)
}

// signIn runs a username-less sign-in of action with d and returns the
// verify reply.
func (h *harness) signIn(action string, d *passkeyDevice) reply {
	h.t.Helper()
	o := h.signInOptions(action)
	return h.do("POST", "/v1/client/verify/passkey", h.tenantAuth(), map[string]any{
		"challengeId": o.str("challengeId"), "authenticationCredential": d.assert(h.t, o.body["options"]),
		"deviceId": "anon-1",
	})
}

// signInWithToken runs a sign-in for a tracked action's token.
func (h *harness) signInWithToken(tok string, d *passkeyDevice) reply {
	h.t.Helper()
	o := h.must(h.do("POST", "/v1/client/user-authenticators/passkey/authentication-options", bearer(tok),
		map[string]any{}), 200)
	return h.do("POST", "/v1/client/verify/passkey", bearer(tok), map[string]any{
		"challengeId": o.str("challengeId"), "authenticationCredential": d.assert(h.t, o.body["options"]),
	})
}

// wantError fails unless r is an error reply with the status and code.
func wantError(t testing.TB, r reply, status int, code string) {
	t.Helper()
	if r.status != status || r.str("error") != code || r.str("errorCode") != code || r.str("errorDescription") == "" {
		t.Fatalf("got %d %s, want %d with error %q and a description", r.status, r.raw, status, code)
	}
}
