package browser_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// device is one browser profile, with the authenticators a test gives it.
type device struct {
	e   *hostedEnv
	t   *testing.T
	ctx context.Context
	// platform is its platform authenticator, if it has one.
	platform webauthn.AuthenticatorID
	// noAutofill is the script that hides passkey autofill (see
	// newDevice); offerAutofill removes it.
	noAutofill page.ScriptIdentifier
}

// newDevice starts a browser with a fresh profile and the virtual
// authenticators of the given transports (internal for a platform
// authenticator, usb for a security key; none for a device that cannot
// make passkeys). They are attached before any hosted page loads, so the
// page reports the device's capabilities with them.
func (e *hostedEnv) newDevice(transports ...webauthn.AuthenticatorTransport) *device {
	e.t.Helper()
	d := &device{e: e, t: e.t, ctx: newBrowser(e.t)}
	d.open(e.api + "/healthz")
	d.hideAutofill()
	for _, tr := range transports {
		id := addVirtualAuthenticator(e.t, d.ctx, tr)
		if tr == webauthn.AuthenticatorTransportInternal {
			d.platform = id
		}
	}
	return d
}

func (d *device) open(u string) {
	d.t.Helper()
	if err := chromedp.Do(d.ctx, chromedp.Navigate(u), chromedp.WaitReady("body")); err != nil {
		d.t.Fatalf("open %s: %v", u, err)
	}
}

// waitTimeout bounds how long a page takes to show a control.
const waitTimeout = 15 * time.Second

// find waits until the page has a control of the role with the accessible
// name, and returns its DOM node.
func (d *device) find(role, name string) cdp.BackendNodeID {
	d.t.Helper()
	id, err := d.poll(role, name, waitTimeout)
	if err != nil {
		d.t.Fatalf("no %s %q on %s: %v\n%s", role, name, d.url(), err, d.text())
	}
	return id
}

// has reports whether the page has such a control now.
func (d *device) has(role, name string) bool {
	_, err := d.poll(role, name, 0)
	return err == nil
}

var errNoControl = errors.New("not found")

func (d *device) poll(role, name string, timeout time.Duration) (cdp.BackendNodeID, error) {
	deadline := time.Now().Add(timeout)
	for {
		doc, err := chromedp.Call(d.ctx, dom.GetDocument, dom.GetDocumentParams{})
		if err == nil {
			r, qerr := chromedp.Call(d.ctx, accessibility.QueryAXTree, accessibility.QueryAXTreeParams{
				NodeID: doc.Root.NodeID, AccessibleName: name, Role: role})
			err = qerr
			if qerr == nil {
				for _, n := range r.Nodes {
					if !n.Ignored && n.BackendDOMNodeID != 0 {
						return n.BackendDOMNodeID, nil
					}
				}
				err = errNoControl
			}
		}
		if time.Now().After(deadline) {
			return 0, err
		}
		time.Sleep(50 * time.Millisecond) // polling the page, not waiting out time
	}
}

// press activates a control the way a keyboard user does: focus it, then
// Enter.
func (d *device) press(role, name string) {
	d.t.Helper()
	id := d.find(role, name)
	if _, err := chromedp.Call(d.ctx, dom.Focus, dom.FocusParams{BackendNodeID: id}); err != nil {
		d.t.Fatalf("focus %s %q: %v", role, name, err)
	}
	if err := chromedp.Do(d.ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
		d.t.Fatalf("press %s %q: %v", role, name, err)
	}
}

// typeInto types text into the textbox with the accessible name.
func (d *device) typeInto(name, text string) {
	d.t.Helper()
	id := d.find("textbox", name)
	if _, err := chromedp.Call(d.ctx, dom.Focus, dom.FocusParams{BackendNodeID: id}); err != nil {
		d.t.Fatalf("focus textbox %q: %v", name, err)
	}
	if err := chromedp.Do(d.ctx, chromedp.KeyEvent(text)); err != nil {
		d.t.Fatalf("type into %q: %v", name, err)
	}
}

func (d *device) url() string {
	u, err := chromedp.Run(d.ctx, chromedp.Evaluate[string](`location.href`))
	if err != nil {
		d.t.Fatal(err)
	}
	return u
}

// text is the page's visible text, for failure messages.
func (d *device) text() string {
	s, _ := chromedp.Run(d.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	return s
}

// waitForApp waits until the browser is back at the app and returns the
// URL it landed on.
func (d *device) waitForApp() string {
	d.t.Helper()
	return d.waitForURL(d.e.app + "/callback")
}

// waitForURL waits until the browser is at a URL starting with prefix and
// returns it.
func (d *device) waitForURL(prefix string) string {
	d.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		u := d.url()
		if strings.HasPrefix(u, prefix) {
			return u
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("still on %s, want %s:\n%s", u, prefix, d.text())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// promptOrApp waits for what follows a successful challenge: the uplift
// prompt (true) or the app (false).
func (d *device) promptOrApp() bool {
	d.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		if d.has("heading", "Create a passkey") {
			return true
		}
		if strings.HasPrefix(d.url(), d.e.app+"/callback") {
			return false
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("neither the prompt nor the app on %s:\n%s", d.url(), d.text())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// deviceID is the device id the hosted pages gave this browser.
func (d *device) deviceID() string {
	d.t.Helper()
	r, err := chromedp.Call(d.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{d.e.api + "/login"}})
	if err != nil {
		d.t.Fatal(err)
	}
	for _, c := range r.Cookies {
		if c.Name == "uplift_did" {
			return c.Value
		}
	}
	d.t.Fatal("the browser has no uplift_did cookie")
	return ""
}

// credentials lists the passkeys a virtual authenticator holds.
func (d *device) credentials(id webauthn.AuthenticatorID) []*webauthn.Credential {
	d.t.Helper()
	r, err := chromedp.Call(d.ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: id})
	if err != nil {
		d.t.Fatal(err)
	}
	return r.Credentials
}

// signInWithEmailCode opens a hosted URL, asks for an email code, enters
// it, and returns whether the uplift prompt followed (else the app).
func (d *device) signInWithEmailCode(hostedURL, email string) bool {
	d.t.Helper()
	d.open(hostedURL)
	if !d.has("button", "Email me a code") {
		d.press("link", "Use another method")
	}
	d.press("button", "Email me a code")
	d.find("textbox", "Verification code") // the code has been sent once the page asks for it
	d.typeInto("Verification code", d.e.lastCode(email))
	d.press("button", "Verify")
	return d.promptOrApp()
}

// createPasskeyFromPrompt accepts the prompt, waits for the confirmation
// and continues to the app, returning where it landed.
func (d *device) createPasskeyFromPrompt() string {
	d.t.Helper()
	d.press("button", "Create passkey")
	d.find("heading", "Passkey created")
	d.press("link", "Continue")
	return d.waitForApp()
}
