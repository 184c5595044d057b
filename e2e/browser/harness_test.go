// Package browser_test drives Uplift's Client API from headless Chromium
// through the official @authsignal/browser SDK, with Chromium's WebAuthn
// virtual authenticator standing in for a platform passkey provider.
package browser_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify/notifytest"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/testclock"
)

const (
	chromiumPath = "/usr/bin/chromium"
	sdkPath      = "js/node_modules/@authsignal/browser/dist/index.min.js"
)

// requireBrowser skips the test when Chromium or the SDK is missing, or
// fails it when UPLIFT_REQUIRE_BROWSER=1 says they must be there.
func requireBrowser(t *testing.T) {
	t.Helper()
	requireFiles(t, chromiumPath, sdkPath)
}

// requireFiles skips the test when one of paths is missing, or fails it
// when UPLIFT_REQUIRE_BROWSER=1 says they must be there.
func requireFiles(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			msg := fmt.Sprintf("%s is missing (install Debian's chromium, and run npm ci in e2e/browser/js)", p)
			if os.Getenv("UPLIFT_REQUIRE_BROWSER") == "1" {
				t.Fatal("UPLIFT_REQUIRE_BROWSER=1 but " + msg)
			}
			t.Skip(msg)
		}
	}
}

// env is Uplift served in-process on one localhost port, the app's test
// page on another, and a browser tab on the app page.
type env struct {
	t       *testing.T
	ctx     context.Context
	api     string // http://localhost:PORT of Uplift
	app     string // http://localhost:PORT of the app page
	tenant  model.Tenant
	secret  string
	authnID webauthn.AuthenticatorID
	// mail receives the codes Uplift emails, over SMTP.
	mail *notifytest.SMTPServer
	// clock is the service's clock, starting at the real time; tests move
	// it instead of sleeping.
	clock *testclock.Clock
	// uplift is the service behind api.
	uplift *app.App
}

// listen opens a loopback listener and returns it with the localhost URL
// that reaches it: RP ID localhost works, 127.0.0.1 would not.
func listen(t *testing.T) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
}

func newEnv(t *testing.T) *env {
	t.Helper()
	requireBrowser(t)
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "uplift.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	apiLn, apiURL := listen(t)
	appLn, appURL := listen(t)
	log := slog.New(slog.DiscardHandler)
	mail, email := startMail(t)
	clock := testclock.New(time.Now().UTC())
	uplift := app.New(app.Options{Store: st, Log: log, PublicURL: apiURL, Email: email, Now: clock.Now})
	tn, secret, err := uplift.Tenancy.CreateTenant(ctx, tenancy.NewTenant{Name: "Browser test", RPID: "localhost", Origins: []string{appURL}})
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile("testdata/page.html")
	if err != nil {
		t.Fatal(err)
	}
	pages := http.NewServeMux()
	pages.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	pages.HandleFunc("GET /sdk.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		http.ServeFile(w, r, sdkPath)
	})
	// Uplift's own origin also serves the page: an origin the tenant does
	// not expect, for the wrong-origin case.
	api := http.NewServeMux()
	api.Handle("/", server.New(uplift, log).Handler())
	api.Handle("GET /page/", http.StripPrefix("/page", pages))
	serve(t, apiLn, api)
	serve(t, appLn, pages)

	e := &env{t: t, api: apiURL, app: appURL, tenant: tn, secret: secret, mail: mail, clock: clock, uplift: uplift}
	e.ctx = newBrowser(t)
	e.open(appURL + "/")
	e.authnID = e.addAuthenticator()
	return e
}

func serve(t *testing.T, ln net.Listener, h http.Handler) {
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
}

// newBrowser starts headless Chromium for the test, with a profile of its
// own: every call is a new device. extra adds command-line flags.
func newBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

// open loads a page of the app with the tenant and API in its query.
func (e *env) open(base string) {
	e.t.Helper()
	u := fmt.Sprintf("%s?tenant=%s&api=%s", base, e.tenant.ID, e.api)
	if err := chromedp.Do(e.ctx, chromedp.Navigate(u), chromedp.WaitReady("body")); err != nil {
		e.t.Fatalf("open %s: %v", u, err)
	}
}

// addAuthenticator attaches a virtual platform authenticator with resident
// keys and user verification to the tab.
func (e *env) addAuthenticator() webauthn.AuthenticatorID {
	e.t.Helper()
	return addVirtualAuthenticator(e.t, e.ctx, webauthn.AuthenticatorTransportInternal)
}

// addVirtualAuthenticator attaches a virtual authenticator with resident
// keys and user verification to the tab: transport internal stands in for
// a platform authenticator (Touch ID, Windows Hello), usb for a security
// key (whose passkeys are not backed up).
func addVirtualAuthenticator(t *testing.T, ctx context.Context, transport webauthn.AuthenticatorTransport) webauthn.AuthenticatorID {
	t.Helper()
	synced := transport == webauthn.AuthenticatorTransportInternal
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	r, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
			Transport: transport, HasResidentKey: true, HasUserVerification: true,
			IsUserVerified: true, AutomaticPresenceSimulation: true,
			DefaultBackupEligibility: synced, DefaultBackupState: synced,
		}})
	if err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
	return r.AuthenticatorID
}

// overrideBits makes the virtual authenticator tamper with its responses.
func (e *env) overrideBits(bogusSignature, badUV bool) {
	e.t.Helper()
	if _, err := chromedp.Call(e.ctx, webauthn.SetResponseOverrideBits, webauthn.SetResponseOverrideBitsParams{
		AuthenticatorID: e.authnID, IsBogusSignature: &bogusSignature, IsBadUV: &badUV,
	}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) setUserVerified(v bool) {
	e.t.Helper()
	if _, err := chromedp.Call(e.ctx, webauthn.SetUserVerified, webauthn.SetUserVerifiedParams{
		AuthenticatorID: e.authnID, IsUserVerified: v}); err != nil {
		e.t.Fatal(err)
	}
}

// outcome is what window.run reports of an SDK call.
type outcome struct {
	OK      bool           `json:"ok"`
	Value   map[string]any `json:"value"`
	Name    string         `json:"name"`
	Message string         `json:"message"`
}

// sdk runs an SDK call in the page, such as `client.passkey.signIn({action: "signIn"})`.
func (e *env) sdk(call string) outcome {
	e.t.Helper()
	out, err := chromedp.Run(e.ctx, chromedp.Evaluate[outcome](`run(() => `+call+`)`, chromedp.EvalAwaitPromise))
	if err != nil {
		e.t.Fatalf("%s: %v", call, err)
	}
	return out
}

// data returns the SDK result's data, failing when the call threw or
// answered with an error.
func (e *env) data(o outcome, call string) map[string]any {
	e.t.Helper()
	if !o.OK {
		e.t.Fatalf("%s threw %s: %s", call, o.Name, o.Message)
	}
	d, ok := o.Value["data"].(map[string]any)
	if !ok {
		e.t.Fatalf("%s answered %v", call, o.Value)
	}
	return d
}

// serverAPI calls the Server API with the tenant's secret key.
func (e *env) serverAPI(method, path string, body any) map[string]any {
	e.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, e.api+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(e.secret+":")))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode/100 != 2 {
		e.t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, out)
	}
	return out
}

// track tracks an action with the SDK's anonymous id as the device id,
// as the SDK's documentation recommends, and returns its token.
func (e *env) track(userID, action string) string {
	e.t.Helper()
	deviceID, err := chromedp.Run(e.ctx, chromedp.Evaluate[string](`client.anonymousId`))
	if err != nil {
		e.t.Fatal(err)
	}
	return e.serverAPI("POST", "/v1/users/"+userID+"/actions/"+action,
		map[string]any{"deviceId": deviceID})["token"].(string)
}

func (e *env) validate(tok string) map[string]any {
	e.t.Helper()
	return e.serverAPI("POST", "/v1/validate", map[string]any{"token": tok})
}
