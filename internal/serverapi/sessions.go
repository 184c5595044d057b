package serverapi

import (
	"encoding/json"
	"net/http"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/sessions"
)

// Sessions serves the session endpoints of the Server API, as
// @authsignal/node's createSession, validateSession, refreshSession,
// revokeSession and revokeUserSessions call them, and the tenants'
// public keys (JWKS) for checking access tokens offline.
type Sessions struct {
	svc *sessions.Service
}

// NewSessions returns the session endpoints over svc.
func NewSessions(svc *sessions.Service) *Sessions { return &Sessions{svc: svc} }

type sessionTokens struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
}

// Create answers POST /v1/sessions.
func (h *Sessions) Create(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	var in struct {
		ClientID string `json:"clientId"`
		Token    string `json:"token" text:"4096"`
		Action   string `json:"action"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	out, err := h.svc.Create(r.Context(), t, sessions.CreateRequest{ClientID: in.ClientID, Token: in.Token, Action: in.Action})
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, sessionTokens{AccessToken: out.AccessToken, RefreshToken: out.RefreshToken})
}

type sessionUser struct {
	UserID              string         `json:"userId"`
	Email               string         `json:"email,omitempty"`
	EmailVerified       bool           `json:"emailVerified"`
	PhoneNumber         string         `json:"phoneNumber,omitempty"`
	PhoneNumberVerified bool           `json:"phoneNumberVerified"`
	Username            string         `json:"username,omitempty"`
	DisplayName         string         `json:"displayName,omitempty"`
	Locale              string         `json:"locale,omitempty"`
	Custom              map[string]any `json:"custom,omitempty"`
}

type sessionValidation struct {
	User               sessionUser              `json:"user"`
	ExpiresAt          int64                    `json:"expiresAt"`
	VerificationMethod model.VerificationMethod `json:"verificationMethod"`
}

// Validate answers POST /v1/sessions/validate: the session's user, when
// its access token expires (Unix seconds) and how the user signed in.
func (h *Sessions) Validate(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	var in struct {
		AccessToken string   `json:"accessToken" text:"4096"`
		ClientIDs   []string `json:"clientIds"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	v, err := h.svc.Validate(r.Context(), t, in.AccessToken, in.ClientIDs)
	if err != nil {
		return err
	}
	u := v.User
	return jsonapi.Write(w, http.StatusOK, sessionValidation{
		User: sessionUser{UserID: u.ID, Email: u.Email, EmailVerified: u.EmailVerified, PhoneNumber: u.PhoneNumber,
			PhoneNumberVerified: u.PhoneNumberVerified, Username: u.Username, DisplayName: u.DisplayName,
			Locale: u.Locale, Custom: u.Custom},
		ExpiresAt: v.ExpiresAt.Unix(), VerificationMethod: v.VerificationMethod,
	})
}

// Refresh answers POST /v1/sessions/refresh.
func (h *Sessions) Refresh(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	var in struct {
		RefreshToken string `json:"refreshToken"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	out, err := h.svc.Refresh(r.Context(), t, in.RefreshToken)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, sessionTokens{AccessToken: out.AccessToken, RefreshToken: out.RefreshToken})
}

// Revoke answers POST /v1/sessions/revoke.
func (h *Sessions) Revoke(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	var in struct {
		AccessToken string `json:"accessToken" text:"4096"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	if err := h.svc.Revoke(r.Context(), t, in.AccessToken); err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, struct{}{})
}

// RevokeUser answers POST /v1/sessions/user/revoke.
func (h *Sessions) RevokeUser(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	var in struct {
		UserID string `json:"userId"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	if err := h.svc.RevokeUser(r.Context(), t, in.UserID); err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, struct{}{})
}

// JWKS answers GET /v1/client/public/{tenantId}/.well-known/jwks, which
// takes no key: the public keys of the tenant's access tokens, for apps
// to check them offline. Caches may keep it five minutes.
func (h *Sessions) JWKS(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("tenantId")
	if !model.ValidUUID(id) {
		return model.NotFound("no such tenant")
	}
	keys, err := h.svc.JWKS(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	return json.NewEncoder(w).Encode(struct {
		Keys []sessions.JWK `json:"keys"`
	}{keys})
}
