package serverapi

import (
	"net/http"

	"github.com/uplift-dev/uplift/internal/model"
)

// Server API calls of @authsignal/node that a self-hosted server cannot
// serve: each needs a service outside Uplift. See
// docs/sdk-compatibility.md.

// errWhatsApp answers a challenge by WhatsApp (verificationMethod or
// smsChannel WHATSAPP).
var errWhatsApp = model.Errorf(model.ErrInvalid, "method_unavailable",
	"WhatsApp is not available on this server: sending codes by WhatsApp needs a WhatsApp Business account "+
		"with approved message templates, which Uplift does not have. Send verificationMethod SMS or EMAIL_OTP")

// whatsAppRequested reports whether a challenge asks for a code by
// WhatsApp, either way the SDK lets it ask.
func whatsAppRequested(method model.VerificationMethod, smsChannel string) bool {
	return method == "WHATSAPP" || smsChannel == "WHATSAPP"
}

// CallConnectUnavailable answers the CallConnect client's calls
// (startCall, finishCall): they verify a caller on a phone call to a
// contact centre, through Authsignal's telephony integrations.
func (a *API) CallConnectUnavailable(http.ResponseWriter, *http.Request, model.Tenant) error {
	return errCallConnect
}

var errCallConnect = model.Errorf(model.ErrInvalid, "method_unavailable",
	"Call Connect is not available on this server: it verifies callers on phone calls through Authsignal's "+
		"contact centre integrations, which Uplift does not have. Challenge the user with POST /v1/challenge instead")
