package server

import (
	"net/http"

	"github.com/uplift-dev/uplift/internal/branding"
	"github.com/uplift-dev/uplift/internal/clientapi"
	"github.com/uplift-dev/uplift/internal/console"
	"github.com/uplift-dev/uplift/internal/hosted"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/managementapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/sdk"
	"github.com/uplift-dev/uplift/internal/serverapi"
)

// routes returns the handler of every route Uplift serves. The JSON APIs
// and the browser's pages are on separate muxes with their own
// middleware (see browser.go); the request log and the panic recovery
// are the same for both.
func (s *Server) routes() http.Handler {
	api := limitBodies(apiBodyLimit, s.apiRoutes())
	browser := limitBodies(browserBodyLimit, s.browserRoutes())
	return s.logRequests(s.recoverPanics(byPath(api, browser)))
}

// apiRoutes lists the routes of the JSON APIs: health, and everything
// under /v1/. None takes a cookie.
func (s *Server) apiRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	api := s.serverAPI
	secret := api.Handler

	// Health.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)

	// Server API (secret key).
	mux.Handle("GET /v1/users", secret(api.QueryUsers))
	mux.Handle("GET /v1/users/{userId}", secret(api.GetUser))
	mux.Handle("PATCH /v1/users/{userId}", secret(api.UpdateUser))
	mux.Handle("POST /v1/users/{userId}", secret(api.UpdateUser)) // authsignal-java's updateUser
	mux.Handle("DELETE /v1/users/{userId}", secret(api.DeleteUser))
	mux.Handle("GET /v1/users/{userId}/authenticators", secret(api.ListAuthenticators))
	mux.Handle("POST /v1/users/{userId}/authenticators", secret(api.EnrollAuthenticator))
	mux.Handle("DELETE /v1/users/{userId}/authenticators/{userAuthenticatorId}", secret(api.DeleteAuthenticator))
	mux.Handle("POST /v1/users/{userId}/actions/{action}", secret(s.trackLimited(api.Track)))
	mux.Handle("GET /v1/users/{userId}/actions", secret(api.QueryActions))
	mux.Handle("GET /v1/users/{userId}/actions/{action}/{idempotencyKey}", secret(api.GetAction))
	mux.Handle("PATCH /v1/users/{userId}/actions/{action}/{idempotencyKey}", secret(api.UpdateAction))
	mux.Handle("POST /v1/validate", secret(api.Validate))
	mux.Handle("POST /v1/challenge", secret(api.Challenge))
	mux.Handle("POST /v1/verify", secret(api.Verify))
	mux.Handle("GET /v1/challenges", secret(api.GetChallenge))
	mux.Handle("POST /v1/claim", secret(api.ClaimChallenge))
	mux.Handle("GET /v1/users/{userId}/uplift", secret(api.Uplift))

	// Server API: sessions (secret key), and the public keys of their
	// access tokens, which take no key and are limited per client address.
	sess := serverapi.NewSessions(s.sessions)
	mux.Handle("POST /v1/sessions", secret(sess.Create))
	mux.Handle("POST /v1/sessions/validate", secret(sess.Validate))
	mux.Handle("POST /v1/sessions/refresh", secret(sess.Refresh))
	mux.Handle("POST /v1/sessions/revoke", secret(sess.Revoke))
	mux.Handle("POST /v1/sessions/user/revoke", secret(sess.RevokeUser))
	mux.Handle("GET /v1/client/public/{tenantId}/.well-known/jwks",
		s.perAddress(s.limits.ip, s.limits.ipRefused, asJSON, jsonapi.Adapt(s.log, sess.JWKS)))

	// Server API: @authsignal/node's CallConnect (phone calls to a contact
	// centre), which needs a service Uplift does not have: 400
	// method_unavailable (docs/sdk-compatibility.md).
	mux.Handle("POST /v1/call/start", secret(api.CallConnectUnavailable))
	mux.Handle("POST /v1/call/finish", secret(api.CallConnectUnavailable))

	// Client API (Bearer token, or Basic tenant id; CORS for the tenant's
	// origins). Every endpoint is limited per client address and tenant.
	capi := s.clientAPI
	client := func(fn clientapi.HandlerFunc) http.Handler { return capi.Handler(s.clientLimited(fn)) }
	mux.Handle("OPTIONS /v1/client/", s.perAddress(s.limits.ip, s.limits.ipRefused, asJSON, capi.Preflight()))
	mux.Handle("POST /v1/client/user-authenticators/passkey/registration-options", client(capi.RegistrationOptions))
	mux.Handle("POST /v1/client/user-authenticators/passkey", client(capi.AddPasskey))
	mux.Handle("GET /v1/client/user-authenticators/passkey", client(capi.FindPasskey))
	mux.Handle("POST /v1/client/challenge", client(capi.Challenge))
	mux.Handle("POST /v1/client/user-authenticators/passkey/authentication-options", client(capi.AuthenticationOptions))
	mux.Handle("POST /v1/client/verify/passkey", client(capi.Verify))

	// Client API: the uplift prompt for apps that show it themselves (the
	// web component at /sdk/uplift-prompt.js, or their own UI).
	mux.Handle("POST /v1/client/uplift/decision", client(capi.UpliftDecision))
	mux.Handle("POST /v1/client/uplift/events", client(capi.UpliftEvent))

	// Client API: security keys, the same ceremonies as passkeys.
	mux.Handle("POST /v1/client/user-authenticators/security-key/registration-options", client(capi.SecurityKeyRegistrationOptions))
	mux.Handle("POST /v1/client/user-authenticators/security-key", client(capi.AddSecurityKey))
	mux.Handle("POST /v1/client/user-authenticators/security-key/authentication-options", client(capi.SecurityKeyAuthenticationOptions))
	mux.Handle("POST /v1/client/verify/security-key", client(capi.VerifySecurityKey))

	// Client API: email and text message codes, authenticator apps.
	mux.Handle("POST /v1/client/user-authenticators/email-otp", client(capi.EnrollEmail))
	mux.Handle("POST /v1/client/user-authenticators/sms", client(capi.EnrollSMS))
	mux.Handle("POST /v1/client/user-authenticators/totp", client(capi.EnrollApp))
	mux.Handle("POST /v1/client/challenge/email-otp", client(capi.ChallengeEmail))
	mux.Handle("POST /v1/client/challenge/sms", client(capi.ChallengeSMS))
	mux.Handle("POST /v1/client/verify/email-otp", client(capi.VerifyEmail))
	mux.Handle("POST /v1/client/verify/sms", client(capi.VerifySMS))
	mux.Handle("POST /v1/client/verify/totp", client(capi.VerifyApp))

	// Client API: email links (EMAIL_MAGIC_LINK). The link opens the
	// hosted page at /login/email-link; the page that asked polls finalize.
	mux.Handle("POST /v1/client/user-authenticators/email-magic-link", client(capi.EnrollEmailLink))
	mux.Handle("POST /v1/client/challenge/email-magic-link", client(capi.ChallengeEmailLink))
	mux.Handle("POST /v1/client/verify/email-magic-link/finalize", client(capi.FinalizeEmailLink))

	// Client API: the browser SDK's calls that need a service Uplift does
	// not have (Authsignal's mobile apps, WhatsApp) answer 400
	// method_unavailable; its useCookies calls answer 400
	// cookies_unavailable, readable by a page that sent credentials. See
	// docs/sdk-compatibility.md. The QR code's WebSocket handshake names
	// its caller in Sec-WebSocket-Protocol.
	mux.Handle("POST /v1/client/challenge/push", client(clientapi.PushUnavailable))
	mux.Handle("POST /v1/client/verify/push", client(clientapi.PushUnavailable))
	mux.Handle("POST /v1/client/challenge/qr-code", client(clientapi.QRCodeUnavailable))
	mux.Handle("POST /v1/client/verify/qr-code", client(clientapi.QRCodeUnavailable))
	mux.Handle("GET /ws-v1-challenge", capi.SocketHandler(s.clientLimited(clientapi.QRCodeUnavailable)))
	mux.Handle("POST /v1/client/challenge/whatsapp", client(clientapi.WhatsAppUnavailable))
	mux.Handle("POST /v1/client/verify/whatsapp", client(clientapi.WhatsAppUnavailable))
	cookiePreflight := clientapi.AllowCredentials(s.perAddress(s.limits.ip, s.limits.ipRefused, asJSON, capi.Preflight()))
	mux.Handle("OPTIONS /v1/client/user-authenticators/passkey/registration-options/web", cookiePreflight)
	mux.Handle("OPTIONS /v1/client/user-authenticators/passkey/authentication-options/web", cookiePreflight)
	mux.Handle("OPTIONS /v1/client/challenge/web", cookiePreflight)
	mux.Handle("POST /v1/client/user-authenticators/passkey/registration-options/web", clientapi.AllowCredentials(client(clientapi.CookiesUnavailable)))
	mux.Handle("POST /v1/client/user-authenticators/passkey/authentication-options/web", clientapi.AllowCredentials(client(clientapi.CookiesUnavailable)))
	mux.Handle("POST /v1/client/challenge/web", clientapi.AllowCredentials(client(clientapi.CookiesUnavailable)))

	// Management API (secret key).
	mgmt := s.managementAPI
	manage := mgmt.Handler
	mux.Handle("GET /v1/management/authenticator-configurations/passkey", manage(mgmt.GetPasskeyConfig))
	mux.Handle("PATCH /v1/management/authenticator-configurations/passkey", manage(mgmt.UpdatePasskeyConfig))
	mux.Handle("GET /v1/management/action-configurations", manage(mgmt.ListActionConfigs))
	mux.Handle("POST /v1/management/action-configurations", manage(mgmt.CreateActionConfig))
	mux.Handle("GET /v1/management/action-configurations/{actionCode}", manage(mgmt.GetActionConfig))
	mux.Handle("PATCH /v1/management/action-configurations/{actionCode}", manage(mgmt.UpdateActionConfig))
	mux.Handle("DELETE /v1/management/action-configurations/{actionCode}", manage(mgmt.DeleteActionConfig))
	mux.Handle("GET /v1/management/action-configurations/{actionCode}/rules", manage(mgmt.ListRules))
	mux.Handle("POST /v1/management/action-configurations/{actionCode}/rules", manage(mgmt.CreateRule))
	mux.Handle("GET /v1/management/action-configurations/{actionCode}/rules/{ruleId}", manage(mgmt.GetRule))
	mux.Handle("PATCH /v1/management/action-configurations/{actionCode}/rules/{ruleId}", manage(mgmt.UpdateRule))
	mux.Handle("DELETE /v1/management/action-configurations/{actionCode}/rules/{ruleId}", manage(mgmt.DeleteRule))
	mux.Handle("GET /v1/management/value-lists", manage(mgmt.ListValueLists))
	mux.Handle("POST /v1/management/value-lists", manage(mgmt.CreateValueList))
	mux.Handle("GET /v1/management/value-lists/{alias}", manage(mgmt.GetValueList))
	mux.Handle("PATCH /v1/management/value-lists/{alias}", manage(mgmt.UpdateValueList))
	mux.Handle("DELETE /v1/management/value-lists/{alias}", manage(mgmt.DeleteValueList))
	sessionConfig := managementapi.NewSessionConfig(s.sessions)
	mux.Handle("GET /v1/management/session-configuration", manage(sessionConfig.Get))
	mux.Handle("PATCH /v1/management/session-configuration", manage(sessionConfig.Update))
	hooks := managementapi.NewWebhooks(s.webhooks)
	mux.Handle("GET /v1/management/webhooks", manage(hooks.Get))
	mux.Handle("PATCH /v1/management/webhooks", manage(hooks.Update))
	mux.Handle("GET /v1/management/webhooks/deliveries", manage(hooks.Deliveries))
	mux.Handle("GET /v1/management/webhooks/deliveries/{id}", manage(hooks.Delivery))
	mux.Handle("POST /v1/management/webhooks/deliveries/{id}/resend", manage(hooks.Resend))
	mux.Handle("GET /v1/management/analytics/{report}", manage(s.analytics.Report))
	mux.Handle("GET /v1/management/message-prices", manage(s.analytics.GetMessagePrices))
	mux.Handle("PATCH /v1/management/message-prices", manage(s.analytics.UpdateMessagePrices))
	exps := managementapi.NewExperiments(s.experiments)
	mux.Handle("GET /v1/management/experiments", manage(exps.List))
	mux.Handle("POST /v1/management/experiments", manage(exps.Create))
	mux.Handle("GET /v1/management/experiments/{experimentId}", manage(exps.Get))
	mux.Handle("POST /v1/management/experiments/{experimentId}/stop", manage(exps.Stop))
	mux.Handle("POST /v1/management/experiments/{experimentId}/promote", manage(exps.Promote))
	theme := managementapi.NewTheme(s.branding)
	mux.Handle("GET /v1/management/theme", manage(theme.Get))
	mux.Handle("PATCH /v1/management/theme", manage(theme.Update))

	// Anything else under /v1 answers in JSON: 404, or 405 where the path
	// has routes for other methods (notrouted.go). Outside the Client API
	// the secret key is checked first, so that a caller without one learns
	// nothing of which paths exist (401 for all).
	unmatched := notRouted(mux, "/v1/")
	mux.Handle("/v1/", checkPathSegments(s.log, secret(func(w http.ResponseWriter, r *http.Request, _ model.Tenant) error {
		return unmatched(w, r)
	})))
	mux.Handle("/v1/client/", jsonapi.Adapt(s.log, notRouted(mux, "/v1/client/")))
	return mux
}

// browserRoutes lists the routes browsers load with cookies: the hosted
// pages, the console, the example app and the development inbox. Each
// is registered through its surface, whose guard checks every request
// with an unsafe method (POST, PUT, PATCH, DELETE, ...) before the
// route's handler runs, after the route's rate limit.
func (s *Server) browserRoutes() *browserMux {
	b := newBrowserMux()
	ipPages := s.byAddress(s.limits.ip, s.limits.ipRefused, asPage)
	ipJSON := s.byAddress(s.limits.ip, s.limits.ipRefused, asJSON)

	// Hosted UI (server-rendered pages, strict CSP). Every post carries
	// its flow's token and CSRF field (hidden fields, or the JSON body's
	// token and the X-Uplift-CSRF header); the guard checks both and
	// hands the flow to the handler. Pages and their JSON steps are
	// limited per client address.
	ui := s.hosted
	login := b.surface(ui.CSRF)
	pages, steps := login.limited(ipPages), login.limited(ipJSON)
	login.Handle("GET "+hosted.AssetPrefix+"{name}", http.HandlerFunc(ui.Asset))
	// Tenants' themes (stylesheet, logo, favicon), served from the
	// database, and Uplift's own favicon.
	brand := login.limited(ipPages)
	brand.Handle("GET "+branding.PathPrefix+"{tenantId}/theme.css", http.HandlerFunc(ui.BrandStylesheet))
	brand.Handle("GET "+branding.PathPrefix+"{tenantId}/logo", http.HandlerFunc(ui.BrandLogo))
	brand.Handle("GET "+branding.PathPrefix+"{tenantId}/favicon", http.HandlerFunc(ui.BrandFavicon))
	login.Handle("GET "+hosted.DefaultFaviconPath, http.HandlerFunc(ui.DefaultFavicon))
	pages.Handle("GET /login", ui.Page(ui.Login))
	pages.Handle("GET /login/methods", ui.Page(ui.Methods))
	pages.Handle("POST /login/passkey", ui.Page(ui.PasskeyWithoutScript))
	pages.Handle("POST /login/email", ui.Page(ui.SendEmailCode))
	pages.Handle("POST /login/sms", ui.Page(ui.SendTextCode))
	pages.Handle("POST /login/enroll/email", ui.Page(ui.EnrollEmail))
	pages.Handle("GET /login/code", ui.Page(ui.CodeEntry))
	pages.Handle("POST /login/resend", ui.Page(ui.Resend))
	pages.Handle("POST /login/verify", ui.Page(ui.Verify))
	pages.Handle("GET /login/done", ui.Page(ui.Done))
	pages.Handle("POST /login/prompt", ui.Page(ui.Prompt))
	pages.Handle("GET /login/created", ui.Page(ui.Created))
	pages.Handle("GET /login/finish", ui.Page(ui.Finish))
	steps.Handle("POST /login/capabilities", ui.JSON(ui.Capabilities))
	steps.Handle("POST /login/passkey/options", ui.JSON(ui.SignInOptions))
	steps.Handle("POST /login/passkey/verify", ui.JSON(ui.SignIn))
	steps.Handle("POST /login/passkey/register/options", ui.JSON(ui.RegistrationOptions))
	steps.Handle("POST /login/passkey/register", ui.JSON(ui.Register))
	steps.Handle("POST /login/prompt/result", ui.JSON(ui.PromptResult))
	// The Passkeys page, where a track with redirectToSettings leads.
	pages.Handle("GET /login/passkeys", ui.Page(ui.Passkeys))
	pages.Handle("POST /login/passkeys/rename", ui.Page(ui.RenamePasskey))
	pages.Handle("POST /login/passkeys/remove", ui.Page(ui.RemovePasskey))
	pages.Handle("POST /login/passkeys/add", ui.Page(ui.AddPasskeyWithoutScript))
	steps.Handle("POST /login/passkeys/add/options", ui.JSON(ui.AddPasskeyOptions))
	steps.Handle("POST /login/passkeys/add/verify", ui.JSON(ui.AddPasskey))

	// The web component apps embed (an ES module, public and read-only).
	b.surface(readOnly).Handle("GET /sdk/{name}", sdk.Handler())

	// The relying party's well-known files (Related Origin Requests,
	// Passkey Endpoints), for the tenant whose relying party id is the
	// Host: public, read-only, limited per client address.
	wellKnown := b.surface(readOnly).limited(ipJSON)
	wellKnown.Handle("GET /.well-known/webauthn", jsonapi.Adapt(s.log, ui.WellKnownWebAuthn))
	wellKnown.Handle("GET /.well-known/passkey-endpoints", jsonapi.Adapt(s.log, ui.PasskeyEndpoints))

	// The page an email link opens: the form it shows (and submits by
	// itself) is bound by its CSRF field to the link's challenge, since
	// the browser opening it need not be in any flow.
	emailLink := b.surface(ui.EmailLinkCSRF).limited(ipPages)
	emailLink.Handle("GET /login/email-link", ui.Page(ui.EmailLink)) // codes.LinkPath
	emailLink.Handle("POST /login/email-link", ui.Page(ui.OpenEmailLink))

	// Admin console before sign-in: the sign-in page and invitations with
	// their passkey ceremonies. There is no session to derive a CSRF field
	// from, so the guard takes JSON from the console's own origin only.
	// All but the sign-in page are limited per client address.
	con := s.console
	signIn := b.surface(con.SignInCSRF)
	invitePages := signIn.limited(s.byAddress(s.limits.consoleIP, s.limits.consoleIPRefused, asPage))
	ceremonies := signIn.limited(s.byAddress(s.limits.consoleIP, s.limits.consoleIPRefused, asJSON))
	signIn.Handle("GET /console/signin", con.Public(con.SignIn))
	ceremonies.Handle("POST /console/signin/options", con.PublicJSON(con.SignInOptions))
	ceremonies.Handle("POST /console/signin/verify", con.PublicJSON(con.SignInVerify))
	invitePages.Handle("GET /console/invite/{token}", con.Public(con.Invite))
	ceremonies.Handle("POST /console/invite/{token}/options", con.PublicJSON(con.InviteOptions))
	ceremonies.Handle("POST /console/invite/{token}/register", con.PublicJSON(con.InviteRegister))

	// Admin console behind the sign-in. Pages redirect to /console/signin
	// without a session and JSON answers 401; with one, the guard checks
	// the Origin and the session's CSRF field (or X-Uplift-CSRF header)
	// of every post and hands the session to the handler.
	signedIn := b.surface(con.CSRF)
	signedIn.Handle("GET "+console.AssetPrefix+"{name}", http.HandlerFunc(con.Asset))
	signedIn.Handle("GET /console", http.RedirectHandler("/console/", http.StatusMovedPermanently))
	signedIn.Handle("GET /console/{$}", con.Page(con.Dashboard))
	signedIn.Handle("POST /console/signout", con.Page(con.SignOut))
	signedIn.Handle("GET /console/settings", con.Page(con.Settings))
	signedIn.Handle("POST /console/settings", con.Page(con.SaveSettings))
	signedIn.Handle("GET /console/settings/prices", con.Page(con.Prices))
	signedIn.Handle("POST /console/settings/prices", con.Page(con.SavePrices))
	signedIn.Handle("GET /console/actions", con.Page(con.Actions))
	signedIn.Handle("POST /console/actions", con.Page(con.CreateAction))
	signedIn.Handle("GET /console/actions/{code}", con.Page(con.Action))
	signedIn.Handle("POST /console/actions/{code}", con.Page(con.SaveAction))
	signedIn.Handle("GET /console/actions/{code}/rules/new", con.Page(con.NewRule))
	signedIn.Handle("POST /console/actions/{code}/rules", con.Page(con.CreateRule))
	signedIn.Handle("GET /console/actions/{code}/rules/{ruleId}", con.Page(con.Rule))
	signedIn.Handle("POST /console/actions/{code}/rules/{ruleId}", con.Page(con.SaveRule))
	signedIn.Handle("POST /console/actions/{code}/rules/{ruleId}/delete", con.Page(con.DeleteRule))
	signedIn.Handle("GET /console/users", con.Page(con.Users))
	signedIn.Handle("GET /console/users/{userId}", con.Page(con.User))
	signedIn.Handle("POST /console/users/{userId}/locks/{method}/lift", con.Page(con.LiftLock))
	signedIn.Handle("POST /console/users/{userId}/uplift-opt-out/reset", con.Page(con.ResetOptOut))
	signedIn.Handle("GET /console/experiments", con.Page(con.Experiments))
	signedIn.Handle("POST /console/experiments", con.Page(con.CreateExperiment))
	signedIn.Handle("GET /console/experiments/{experimentId}", con.Page(con.Experiment))
	signedIn.Handle("POST /console/experiments/{experimentId}/stop", con.Page(con.StopExperiment))
	signedIn.Handle("POST /console/experiments/{experimentId}/promote", con.Page(con.PromoteExperiment))
	signedIn.Handle("GET /console/keys", con.Page(con.Keys))
	signedIn.Handle("POST /console/keys", con.Page(con.CreateKey))
	signedIn.Handle("POST /console/keys/{keyId}/revoke", con.Page(con.RevokeKey))
	signedIn.Handle("GET /console/branding", con.Page(con.Branding))
	signedIn.Handle("POST /console/branding", con.Page(con.SaveBranding))
	signedIn.Handle("GET /console/webhooks", con.Page(con.Webhooks))
	signedIn.Handle("POST /console/webhooks", con.Page(con.SaveWebhooks))
	signedIn.Handle("POST /console/webhooks/deliveries/{id}/resend", con.Page(con.ResendWebhook))
	signedIn.Handle("GET /console/api/dashboard", con.API(con.DashboardData))
	signedIn.Handle("POST /console/api/conditions/check", con.API(con.CheckCondition))
	signedIn.Handle("/console/", con.Page(con.NotFound))

	// Example app (uplift demo only), limited like the hosted pages: its
	// sign-in form carries a CSRF field bound to the app, from the hosted
	// pages' cookie.
	if d := s.demo; d != nil {
		example := b.surface(ui.ScopeCSRF(d.CSRFScope())).limited(ipPages)
		example.Handle("GET /demo", ui.Page(d.Home))
		example.Handle("POST /demo/signin", ui.Page(d.SignIn))
		example.Handle("GET /demo/callback", ui.Page(d.Callback))
	}

	// The metrics, when asked for on this listener (UPLIFT_METRICS=on);
	// the proxy in front keeps them from the public.
	if s.serveMetrics {
		b.surface(readOnly).Handle("GET /metrics", s.metrics.Handler())
	}

	// Development mode only: the messages that would have been sent.
	if s.devInbox != nil {
		b.surface(readOnly).Handle("GET /dev/inbox", http.HandlerFunc(s.devInboxPage))
	}
	return b
}
