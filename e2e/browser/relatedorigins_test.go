package browser_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/testclock"
)

// The relying party of the related-origin scenario: the app's domain,
// whose passkeys the hosted pages on another domain (loginHost) use.
// Chromium resolves both names to the loopback listener
// (--host-resolver-rules), example.com's port 443 included, where it
// fetches https://example.com/.well-known/webauthn; it trusts the test's
// certificate by its key (--ignore-certificate-errors-spki-list), so the
// pages are secure contexts and the fetch is a valid https one.
const (
	rpHost    = "example.com"
	loginHost = "login.example.net"
)

// testCertificate makes a self-signed certificate for the names, and
// the base64 SHA-256 of its public key that Chromium is told to accept.
func testCertificate(t *testing.T, names ...string) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(spki)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, base64.StdEncoding.EncodeToString(sum[:])
}

// relatedEnv is Uplift whose public URL is https://login.example.net:PORT
// for a tenant whose relying party id is example.com; the same server
// answers https://example.com (Chromium's port 443 mapped to it). env.api
// is a plain loopback listener of the same server, for the Server API
// calls the test makes.
type relatedEnv struct {
	*hostedEnv
	login string // https://login.example.net:PORT
	flags []chromedp.ExecAllocatorOption
	// fetched counts the browser's requests of /.well-known/webauthn
	// with Host example.com, on the TLS listener.
	fetched *atomic.Int64
}

func newRelatedEnv(t *testing.T) *relatedEnv {
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
	tlsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := tlsLn.Addr().(*net.TCPAddr).Port
	login := fmt.Sprintf("https://%s:%d", loginHost, port)
	apiLn, apiURL := listen(t)
	appLn, appURL := listen(t)
	clock := testclock.New(time.Now().UTC())
	inbox := notify.NewInbox(nil, 0, clock.Now)
	log := slog.New(slog.DiscardHandler)
	uplift := app.New(app.Options{Store: st, Log: log, PublicURL: login, Now: clock.Now, Email: inbox})
	tn, secret, err := uplift.Tenancy.CreateTenant(ctx, tenancy.NewTenant{Name: "Related origins test", RPName: "Example app",
		RPID: rpHost, Origins: []string{"https://" + rpHost}, RedirectPrefixes: []string{appURL + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	h := server.New(uplift, log, server.WithPublicURL(login)).Handler()
	serve(t, apiLn, h)
	cert, spki := testCertificate(t, rpHost, loginHost)
	fetched := new(atomic.Int64)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/webauthn" && r.Host == rpHost {
			fetched.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	srv.Listener.Close()
	srv.Listener = tlsLn
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	cb := http.NewServeMux()
	cb.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><title>App</title><h1>Back in the app</h1></html>`)
	})
	serve(t, appLn, cb)
	e := &hostedEnv{env: &env{t: t, api: apiURL, app: appURL, tenant: tn, secret: secret, clock: clock},
		st: st, svc: uplift.Actions, admin: uplift.Admin, inbox: inbox}
	return &relatedEnv{hostedEnv: e, login: login, fetched: fetched, flags: []chromedp.ExecAllocatorOption{
		chromedp.Flag("host-resolver-rules", fmt.Sprintf("MAP %s:443 127.0.0.1:%d,MAP %s 127.0.0.1", rpHost, port, loginHost)),
		chromedp.Flag("ignore-certificate-errors-spki-list", spki),
	}}
}

// device starts a browser that reaches both names, with a platform
// authenticator.
func (e *relatedEnv) device() *device {
	e.t.Helper()
	d := &device{e: e.hostedEnv, t: e.t, ctx: newBrowser(e.t, e.flags...)}
	d.open(e.login + "/healthz")
	d.hideAutofill()
	d.platform = addVirtualAuthenticator(e.t, d.ctx, platform)
	return d
}

// wellKnown fetches /.well-known/webauthn as a browser would on host,
// from the server's plain listener (the Host header picks the tenant).
func (e *relatedEnv) wellKnown(host string) (int, string, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.api+"/.well-known/webauthn", nil)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header.Get("Content-Type"), out
}

// A tenant's relying party id is the app's domain (example.com) and the
// hosted pages live on another (login.example.net). A passkey made on
// example.com signs in on login.example.net only once the tenant lists
// that origin in relatedOrigins: Chromium then finds it in
// https://example.com/.well-known/webauthn, served by Uplift for the
// tenant whose relying party id is the Host, and Uplift's ceremony
// accepts the related origin. Before, the same sign-in is refused by the
// browser.
func TestHostedRelatedOriginSignIn(t *testing.T) {
	e := newRelatedEnv(t)
	email := e.emailUser("ada")
	d := e.device()

	// The passkey is made on the relying party's own origin.
	onRP := strings.Replace(e.trackSignIn("ada", "signUp", nil), e.login, "https://"+rpHost, 1)
	if !d.signInWithEmailCode(onRP, email) {
		t.Fatalf("no prompt on %s:\n%s", rpHost, d.text())
	}
	e.validateRedirect(d.createPasskeyFromPrompt(), "EMAIL_OTP")
	if n := len(e.passkeys("ada")); n != 1 {
		t.Fatalf("%d passkeys stored, want 1", n)
	}

	// Without related origins the well-known file is absent and the
	// browser refuses the relying party id on login.example.net.
	if status, _, _ := e.wellKnown(rpHost); status != http.StatusNotFound {
		t.Errorf("GET /.well-known/webauthn without related origins: %d, want 404", status)
	}
	// login.example.net has its own cookies, so the device is new there
	// and the passkey is one of the other methods.
	d.open(e.trackSignIn("ada", "signIn", nil))
	d.press("link", "Use another method")
	d.press("button", "Sign in with passkey")
	d.waitForText("couldn't sign you in")
	before := e.fetched.Load()
	t.Logf("the browser fetched https://%s/.well-known/webauthn %d times before relatedOrigins (404)", rpHost, before)

	e.setPasskeyConfig(map[string]any{"relatedOrigins": []string{e.login}})
	status, ctype, doc := e.wellKnown(rpHost)
	if status != http.StatusOK || ctype != "application/json" {
		t.Fatalf("GET /.well-known/webauthn on %s: %d %s, want 200 application/json", rpHost, status, ctype)
	}
	if got, _ := json.Marshal(doc["origins"]); string(got) != fmt.Sprintf("[%q]", e.login) {
		t.Errorf("/.well-known/webauthn lists %s, want [%q]", got, e.login)
	}

	d.open(e.trackSignIn("ada", "signIn", nil))
	if !d.has("button", "Sign in with passkey") {
		d.press("link", "Use another method")
	}
	d.press("button", "Sign in with passkey")
	e.validateRedirect(d.waitForApp(), "PASSKEY")
	if after := e.fetched.Load(); after == before {
		t.Errorf("the browser did not fetch https://%s/.well-known/webauthn for the related-origin sign-in", rpHost)
	} else {
		t.Logf("fetched %d more times for the sign-in on %s", after-before, loginHost)
	}

	// Passkey autofill on the related origin too.
	d.offerAutofill()
	d.open(e.trackSignIn("ada", "signIn", nil))
	e.validateRedirect(d.waitForApp(), "PASSKEY")
}
