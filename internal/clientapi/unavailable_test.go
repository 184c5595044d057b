package clientapi_test

import (
	"strings"
	"testing"
)

// wantRefusal fails unless r is a 400 with the code and a description
// mentioning words, readable by appOrigin (with credentials when
// credentialed).
func wantRefusal(t *testing.T, r reply, code, words string, credentialed bool) {
	t.Helper()
	if r.status != 400 || r.str("error") != code || r.str("errorCode") != code || !strings.Contains(r.str("errorDescription"), words) {
		t.Fatalf("answer %d %s, want 400 %s mentioning %q", r.status, r.raw, code, words)
	}
	if got := r.header.Get("Access-Control-Allow-Origin"); got != appOrigin {
		t.Errorf("Access-Control-Allow-Origin = %q, want %q: the page could not read the refusal", got, appOrigin)
	}
	if got := r.header.Get("Access-Control-Allow-Credentials"); credentialed != (got == "true") {
		t.Errorf("Access-Control-Allow-Credentials = %q on a request credentialed=%v", got, credentialed)
	}
}

// wantUnauthenticated fails unless r is a 401 that says nothing of the
// method being unavailable.
func wantUnauthenticated(t *testing.T, r reply) {
	t.Helper()
	if r.status != 401 || strings.Contains(string(r.raw), "unavailable") {
		t.Fatalf("answer %d %s, want 401 before any refusal", r.status, r.raw)
	}
}

// TestMethodsUnavailable: the browser SDK's push, QR code and WhatsApp
// calls answer 400 method_unavailable with a reason, after the caller is
// authenticated like any Client API call, with CORS for the tenant's
// origins only.
func TestMethodsUnavailable(t *testing.T) {
	h := newHarness(t)
	tok := h.track("ada", "signIn", nil)
	for _, tc := range []struct{ path, words string }{
		{"/v1/client/challenge/push", "push is not available on this server"},
		{"/v1/client/verify/push", "push is not available on this server"},
		{"/v1/client/challenge/qr-code", "QR code is not available on this server"},
		{"/v1/client/verify/qr-code", "QR code is not available on this server"},
		{"/v1/client/challenge/whatsapp", "WhatsApp is not available on this server"},
		{"/v1/client/verify/whatsapp", "WhatsApp is not available on this server"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			body := map[string]any{"action": "signIn", "challengeId": "00000000-0000-0000-0000-000000000000", "code": "123456"}
			for _, auth := range []string{"", "Bearer not-a-token", "Basic bm90LWEtdGVuYW50", "Basic " + strings.Repeat("A", 400)} {
				wantUnauthenticated(t, h.do("POST", tc.path, auth, body, "Origin", appOrigin))
			}
			wantRefusal(t, h.do("POST", tc.path, bearer(tok), body, "Origin", appOrigin), "method_unavailable", tc.words, false)
			wantRefusal(t, h.do("POST", tc.path, h.tenantAuth(), nil, "Origin", appOrigin), "method_unavailable", tc.words, false)

			// Another site's page cannot read it.
			r := h.do("POST", tc.path, bearer(tok), body, "Origin", "https://evil.example")
			if r.status != 400 || r.header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("from another origin: %d, Access-Control-Allow-Origin %q", r.status, r.header.Get("Access-Control-Allow-Origin"))
			}
			// Its preflight passes for the tenant's origin, as for any Client API call.
			p := h.do("OPTIONS", tc.path, "", nil, "Origin", appOrigin, "Access-Control-Request-Method", "POST",
				"Access-Control-Request-Headers", "authorization,content-type")
			if p.status != 204 || p.header.Get("Access-Control-Allow-Origin") != appOrigin {
				t.Errorf("preflight: %d, Access-Control-Allow-Origin %q", p.status, p.header.Get("Access-Control-Allow-Origin"))
			}
		})
	}
}

// TestQRCodeSocketUnavailable: the handshake of the SDK's QR code
// WebSocket names its caller in Sec-WebSocket-Protocol; it is
// authenticated from there and refused over HTTP.
func TestQRCodeSocketUnavailable(t *testing.T) {
	h := newHarness(t)
	tok := h.track("ada", "signIn", nil)
	handshake := func(protocols string) reply {
		hdr := []string{"Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Version", "13",
			"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==", "Origin", appOrigin}
		if protocols != "" {
			hdr = append(hdr, "Sec-WebSocket-Protocol", protocols)
		}
		return h.do("GET", "/ws-v1-challenge", "", nil, hdr...)
	}
	for _, protocols := range []string{"", "authsignal-ws", "authsignal-ws, x.authsignal.token.not-a-token",
		"authsignal-ws, x.authsignal.tenant.00000000-0000-0000-0000-000000000000",
		"authsignal-ws, x.authsignal.tenant.", "authsignal-ws, x.authsignal.tenant." + strings.Repeat("a", 300)} {
		wantUnauthenticated(t, handshake(protocols))
	}
	for _, protocols := range []string{"authsignal-ws, x.authsignal.token." + tok, "authsignal-ws, x.authsignal.tenant." + h.tenant.ID} {
		r := handshake(protocols)
		wantRefusal(t, r, "method_unavailable", "QR code is not available on this server", false)
		if r.header.Get("Upgrade") != "" {
			t.Errorf("the refusal upgrades the connection: %v", r.header)
		}
	}
	// curl and other clients that can set the header may use it.
	wantRefusal(t, h.do("GET", "/ws-v1-challenge", bearer(tok), nil, "Origin", appOrigin),
		"method_unavailable", "QR code", false)
}

// TestCookiesUnavailable: the passkey calls the SDK makes with
// useCookies answer 400 cookies_unavailable, after authentication, and
// the page that sent credentials can read the answer and its preflight;
// the other Client API calls still allow no credentials.
func TestCookiesUnavailable(t *testing.T) {
	h := newHarness(t)
	tok := h.track("ada", "signIn", nil)
	preflight := func(path, origin string) reply {
		return h.do("OPTIONS", path, "", nil, "Origin", origin, "Access-Control-Request-Method", "POST",
			"Access-Control-Request-Headers", "authorization,content-type")
	}
	for _, path := range []string{
		"/v1/client/user-authenticators/passkey/registration-options/web",
		"/v1/client/user-authenticators/passkey/authentication-options/web",
		"/v1/client/challenge/web",
	} {
		t.Run(path, func(t *testing.T) {
			// What the SDK sends, a credential in the header and cookies
			// alongside; the cookie authenticates nothing.
			cookie := []string{"Origin", appOrigin, "Cookie", "uplift_did=AAAAAAAAAAAAAAAAAAAAAA; session=x"}
			wantUnauthenticated(t, h.do("POST", path, "", map[string]any{}, cookie...))
			wantRefusal(t, h.do("POST", path, bearer(tok), map[string]any{"username": "ada"}, cookie...),
				"cookies_unavailable", "without useCookies", true)
			wantRefusal(t, h.do("POST", path, h.tenantAuth(), map[string]any{"action": "signIn"}, cookie...),
				"cookies_unavailable", "never by cookie", true)

			p := preflight(path, appOrigin)
			if p.status != 204 || p.header.Get("Access-Control-Allow-Origin") != appOrigin ||
				p.header.Get("Access-Control-Allow-Credentials") != "true" {
				t.Errorf("preflight: %d %v", p.status, p.header)
			}
			p = preflight(path, "https://evil.example")
			if p.status != 403 || p.header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("preflight from another origin: %d %v", p.status, p.header)
			}
			r := h.do("POST", path, bearer(tok), nil, "Origin", "https://evil.example")
			if r.header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("another origin may read the answer: %v", r.header)
			}
		})
	}
	// The calls without useCookies keep refusing credentials.
	for _, path := range []string{"/v1/client/challenge", "/v1/client/user-authenticators/passkey/authentication-options",
		"/v1/client/verify/passkey", "/v1/client/user-authenticators/passkey"} {
		if got := preflight(path, appOrigin).header.Get("Access-Control-Allow-Credentials"); got != "" {
			t.Errorf("%s preflight: Access-Control-Allow-Credentials %q", path, got)
		}
	}
	r := h.do("POST", "/v1/client/challenge", h.tenantAuth(), map[string]any{"action": "signIn"}, "Origin", appOrigin)
	if r.status != 200 || r.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("POST /v1/client/challenge: %d %v %s", r.status, r.header, r.raw)
	}
}
