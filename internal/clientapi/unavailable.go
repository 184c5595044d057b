package clientapi

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// Methods the browser SDK offers that a self-hosted server cannot
// serve: each needs a service outside Uplift. See
// docs/sdk-compatibility.md.
var (
	// PushUnavailable answers the SDK's push calls (push.challenge,
	// push.verify): a push goes to Authsignal's mobile SDK in an app the
	// user has installed, through Apple's and Google's push services.
	PushUnavailable = unavailable("push", "push challenges go to an app built with Authsignal's mobile SDK, "+
		"through Apple's and Google's push services; Uplift has neither. Use a passkey, an email code or a text message code")
	// QRCodeUnavailable answers the SDK's QR code calls (qrCode.challenge,
	// refresh, and the mobile app's verify): the code is scanned by an app
	// built with Authsignal's mobile SDK.
	QRCodeUnavailable = unavailable("QR code", "a QR code challenge is scanned and approved in an app built with "+
		"Authsignal's mobile SDK; Uplift has no such app. Use a passkey: a phone nearby can sign in with one through the browser's own QR code")
	// WhatsAppUnavailable answers the SDK's WhatsApp calls
	// (whatsapp.challenge, whatsapp.verify): sending a code by WhatsApp
	// needs a WhatsApp Business account and approved message templates.
	WhatsAppUnavailable = unavailable("WhatsApp", "sending codes by WhatsApp needs a WhatsApp Business account "+
		"with approved message templates, which Uplift does not have. Use a text message (sms) or an email code")
)

func unavailable(name, why string) HandlerFunc {
	err := model.Errorf(model.ErrInvalid, "method_unavailable", "%s is not available on this server: %s", name, why)
	return func(http.ResponseWriter, *http.Request, tenancy.ClientCaller) error { return err }
}

// CookiesUnavailable answers the passkey calls the browser SDK makes
// with useCookies (the .../web endpoints): the Client API authenticates
// by header and never by cookie, so that no other site can make a
// browser call it with the user's credentials. The same calls without
// useCookies are served.
func CookiesUnavailable(http.ResponseWriter, *http.Request, tenancy.ClientCaller) error {
	return errCookies
}

var errCookies = model.Errorf(model.ErrInvalid, "cookies_unavailable",
	"useCookies is not available on this server: the Client API authenticates by the token or tenant id in "+
		"the Authorization header, never by cookie. Call passkey.signIn and passkey.signUp without useCookies")

// AllowCredentials lets a page read the answers of h to requests it made
// with credentials: "include" (the browser SDK's useCookies), which a
// browser hides without Access-Control-Allow-Credentials. It is only for
// routes that read no cookie: their answers do not depend on what the
// browser sent with them. The origin is still allowed by h alone (the
// tenant's own origins), never the wildcard.
func AllowCredentials(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		h.ServeHTTP(w, r)
	})
}

// Socket protocols the browser SDK offers when it opens its QR code
// WebSocket: its own name, then the token or the tenant id.
const (
	socketTokenPrefix  = "x.authsignal.token."
	socketTenantPrefix = "x.authsignal.tenant."
)

// SocketHandler is Handler for a WebSocket handshake: browsers cannot
// set the Authorization header of one, so the SDK sends its token (or its
// tenant id) as a Sec-WebSocket-Protocol value, and this reads it from
// there. The handshake is answered over plain HTTP; no socket is opened.
func (a *API) SocketHandler(fn HandlerFunc) http.Handler {
	h := a.Handler(fn)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth, ok := socketAuthorization(r.Header.Values("Sec-WebSocket-Protocol")); ok {
			r = r.Clone(r.Context())
			r.Header.Set("Authorization", auth)
		}
		h.ServeHTTP(w, r)
	})
}

// socketAuthorization turns the SDK's socket protocols into the
// Authorization header the Client API reads.
func socketAuthorization(values []string) (string, bool) {
	for _, v := range values {
		for p := range strings.SplitSeq(v, ",") {
			p = strings.TrimSpace(p)
			if tok, ok := strings.CutPrefix(p, socketTokenPrefix); ok && tok != "" {
				return "Bearer " + tok, true
			}
			if id, ok := strings.CutPrefix(p, socketTenantPrefix); ok && id != "" && len(id) <= 256 {
				return "Basic " + base64.StdEncoding.EncodeToString([]byte(id)), true
			}
		}
	}
	return "", false
}
