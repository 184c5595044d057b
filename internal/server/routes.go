package server

import (
	"net/http"

	"github.com/uplift-dev/uplift/internal/clientapi"
	"github.com/uplift-dev/uplift/internal/console"
	"github.com/uplift-dev/uplift/internal/hosted"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
)

// routes lists every route Uplift serves.
func (s *Server) routes() http.Handler {
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
	mux.Handle("GET /v1/users/{userId}/uplift", secret(api.Uplift))

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

	// Client API: email and text message codes, authenticator apps.
	mux.Handle("POST /v1/client/user-authenticators/email-otp", client(capi.EnrollEmail))
	mux.Handle("POST /v1/client/user-authenticators/sms", client(capi.EnrollSMS))
	mux.Handle("POST /v1/client/user-authenticators/totp", client(capi.EnrollApp))
	mux.Handle("POST /v1/client/challenge/email-otp", client(capi.ChallengeEmail))
	mux.Handle("POST /v1/client/challenge/sms", client(capi.ChallengeSMS))
	mux.Handle("POST /v1/client/verify/email-otp", client(capi.VerifyEmail))
	mux.Handle("POST /v1/client/verify/sms", client(capi.VerifySMS))
	mux.Handle("POST /v1/client/verify/totp", client(capi.VerifyApp))

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

	// Hosted UI (server-rendered pages; CSRF field on every post, strict CSP).
	// Pages and their JSON steps are limited per client address.
	ui := s.hosted
	page := func(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
		return s.perAddress(s.limits.ip, s.limits.ipRefused, asPage, ui.Page(fn))
	}
	pageJSON := func(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
		return s.perAddress(s.limits.ip, s.limits.ipRefused, asJSON, ui.JSON(fn))
	}
	mux.HandleFunc("GET "+hosted.AssetPrefix+"{name}", ui.Asset)
	mux.Handle("GET /login", page(ui.Login))
	mux.Handle("GET /login/methods", page(ui.Methods))
	mux.Handle("POST /login/passkey", page(ui.PasskeyWithoutScript))
	mux.Handle("POST /login/email", page(ui.SendEmailCode))
	mux.Handle("POST /login/sms", page(ui.SendTextCode))
	mux.Handle("POST /login/enroll/email", page(ui.EnrollEmail))
	mux.Handle("GET /login/code", page(ui.CodeEntry))
	mux.Handle("POST /login/resend", page(ui.Resend))
	mux.Handle("POST /login/verify", page(ui.Verify))
	mux.Handle("GET /login/done", page(ui.Done))
	mux.Handle("POST /login/prompt", page(ui.Prompt))
	mux.Handle("GET /login/created", page(ui.Created))
	mux.Handle("GET /login/finish", page(ui.Finish))
	mux.Handle("POST /login/capabilities", pageJSON(ui.Capabilities))
	mux.Handle("POST /login/passkey/options", pageJSON(ui.SignInOptions))
	mux.Handle("POST /login/passkey/verify", pageJSON(ui.SignIn))
	mux.Handle("POST /login/passkey/register/options", pageJSON(ui.RegistrationOptions))
	mux.Handle("POST /login/passkey/register", pageJSON(ui.Register))
	mux.Handle("POST /login/prompt/result", pageJSON(ui.PromptResult))

	// Admin console. Before sign-in: the sign-in page and invitations with
	// their passkey ceremonies, limited per client address. Everything
	// else needs an admin session:
	// pages redirect to /console/signin without one, JSON answers 401,
	// and every post needs the session's CSRF field.
	con, cpage, cjson := s.console, s.console.Page, s.console.API
	anonPage := func(h http.Handler) http.Handler {
		return s.perAddress(s.limits.consoleIP, s.limits.consoleIPRefused, asPage, h)
	}
	anonJSON := func(h http.Handler) http.Handler {
		return s.perAddress(s.limits.consoleIP, s.limits.consoleIPRefused, asJSON, h)
	}
	mux.HandleFunc("GET "+console.AssetPrefix+"{name}", con.Asset)
	mux.Handle("GET /console/signin", con.Public(con.SignIn))
	mux.Handle("POST /console/signin/options", anonJSON(con.PublicJSON(con.SignInOptions)))
	mux.Handle("POST /console/signin/verify", anonJSON(con.PublicJSON(con.SignInVerify)))
	mux.Handle("GET /console/invite/{token}", anonPage(con.Public(con.Invite)))
	mux.Handle("POST /console/invite/{token}/options", anonJSON(con.PublicJSON(con.InviteOptions)))
	mux.Handle("POST /console/invite/{token}/register", anonJSON(con.PublicJSON(con.InviteRegister)))
	mux.Handle("GET /console", http.RedirectHandler("/console/", http.StatusMovedPermanently))
	mux.Handle("GET /console/{$}", cpage(con.Dashboard))
	mux.Handle("POST /console/signout", cpage(con.SignOut))
	mux.Handle("GET /console/settings", cpage(con.Settings))
	mux.Handle("POST /console/settings", cpage(con.SaveSettings))
	mux.Handle("GET /console/actions", cpage(con.Actions))
	mux.Handle("POST /console/actions", cpage(con.CreateAction))
	mux.Handle("GET /console/actions/{code}", cpage(con.Action))
	mux.Handle("POST /console/actions/{code}", cpage(con.SaveAction))
	mux.Handle("GET /console/actions/{code}/rules/new", cpage(con.NewRule))
	mux.Handle("POST /console/actions/{code}/rules", cpage(con.CreateRule))
	mux.Handle("GET /console/actions/{code}/rules/{ruleId}", cpage(con.Rule))
	mux.Handle("POST /console/actions/{code}/rules/{ruleId}", cpage(con.SaveRule))
	mux.Handle("POST /console/actions/{code}/rules/{ruleId}/delete", cpage(con.DeleteRule))
	mux.Handle("GET /console/users", cpage(con.Users))
	mux.Handle("GET /console/users/{userId}", cpage(con.User))
	mux.Handle("POST /console/users/{userId}/locks/{method}/lift", cpage(con.LiftLock))
	mux.Handle("GET /console/keys", cpage(con.Keys))
	mux.Handle("POST /console/keys", cpage(con.CreateKey))
	mux.Handle("POST /console/keys/{keyId}/revoke", cpage(con.RevokeKey))
	mux.Handle("GET /console/api/dashboard", cjson(con.DashboardData))
	mux.Handle("POST /console/api/conditions/check", cjson(con.CheckCondition))
	mux.Handle("/console/", cpage(con.NotFound))

	// Example app (uplift demo only).
	if d := s.demo; d != nil {
		mux.Handle("GET /demo", page(d.Home))
		mux.Handle("POST /demo/signin", page(d.SignIn))
		mux.Handle("GET /demo/callback", page(d.Callback))
	}

	// Development mode only: the messages that would have been sent.
	if s.devInbox != nil {
		mux.HandleFunc("GET /dev/inbox", s.devInboxPage)
	}

	// Anything else under /v1 answers in JSON.
	mux.Handle("/v1/", jsonapi.Adapt(s.log, func(w http.ResponseWriter, r *http.Request) error {
		return model.NotFound("no such endpoint: %s %s", r.Method, r.URL.Path)
	}))
	return s.logRequests(s.recoverPanics(s.limitBodies(mux)))
}
