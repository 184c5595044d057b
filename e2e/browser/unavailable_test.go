package browser_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestUnavailableCallsInTheBrowser: through the official browser SDK, in
// a page of the tenant's own origin, the calls Uplift cannot serve come
// back as API errors the page can read (CORS, and credentials for the
// useCookies calls), never as network errors; the same passkey calls
// without useCookies still work. See docs/sdk-compatibility.md.
func TestUnavailableCallsInTheBrowser(t *testing.T) {
	e := newEnv(t)
	e.sdk(fmt.Sprintf(`client.setToken(%q)`, e.track("ada", "signIn")))

	for _, tc := range []struct{ name, call, code, words string }{
		{"push challenge", `client.push.challenge({action: "signIn"})`, "method_unavailable", "push is not available on this server"},
		{"push verify", `client.push.verify({challengeId: "00000000-0000-4000-8000-000000000000"})`, "method_unavailable", "push is not available"},
		{"whatsapp challenge", `client.whatsapp.challenge()`, "method_unavailable", "WhatsApp is not available on this server"},
		{"whatsapp verify", `client.whatsapp.verify({code: "123456"})`, "method_unavailable", "WhatsApp is not available"},
		{"qr code by polling", `client.qrCode.challenge({action: "signIn", polling: true, onStateChange: () => {}})`, "method_unavailable", "QR code is not available on this server"},
		{"signIn with cookies", `client.passkey.signIn({useCookies: true})`, "cookies_unavailable", "without useCookies"},
		{"signIn with an action and cookies", `client.passkey.signIn({action: "signIn", useCookies: true})`, "cookies_unavailable", "without useCookies"},
		{"signUp with cookies", fmt.Sprintf(`client.passkey.signUp({token: %q, useCookies: true})`, e.track("ada", "signUp")), "cookies_unavailable", "without useCookies"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantAPIError(t, e.sdk(tc.call), tc.code, tc.words)
		})
	}

	// The QR code's WebSocket is refused at the handshake, which a page
	// cannot read: the SDK reports a connection error.
	o := e.sdk(`client.qrCode.challenge({action: "signIn", onStateChange: () => {}})`)
	if o.OK || !strings.Contains(o.Message, "WebSocket") {
		t.Errorf("qrCode.challenge over a WebSocket answered %+v, want a WebSocket error", o)
	}

	// Without useCookies, the same passkey calls are served.
	up := e.data(e.sdk(fmt.Sprintf(`client.passkey.signUp({token: %q})`, e.track("ada", "signUp"))), "signUp")
	if up["token"] == nil {
		t.Errorf("signUp without useCookies = %v", up)
	}
	if in := e.data(e.sdk(`client.passkey.signIn({action: "signIn"})`), "signIn"); in["isVerified"] != true {
		t.Errorf("signIn without useCookies = %v", in)
	}
}
