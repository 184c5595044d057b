package serverapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
)

type userResponse struct {
	UserID                      string                     `json:"userId"`
	IsEnrolled                  bool                       `json:"isEnrolled"`
	Email                       string                     `json:"email,omitempty"`
	EmailVerified               bool                       `json:"emailVerified"`
	PhoneNumber                 string                     `json:"phoneNumber,omitempty"`
	PhoneNumberVerified         bool                       `json:"phoneNumberVerified"`
	Username                    string                     `json:"username,omitempty"`
	DisplayName                 string                     `json:"displayName,omitempty"`
	Custom                      map[string]any             `json:"custom,omitempty"`
	EnrolledVerificationMethods []model.VerificationMethod `json:"enrolledVerificationMethods"`
	AllowedVerificationMethods  []model.VerificationMethod `json:"allowedVerificationMethods"`
	DefaultVerificationMethod   model.VerificationMethod   `json:"defaultVerificationMethod,omitempty"`
}

// GetUser answers GET /v1/users/{userId}. A user the tenant does not
// have (never seen, or deleted) is answered as Authsignal answers one, as
// a user with nothing enrolled; reading creates no user.
func (a *API) GetUser(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if err := checkQuery(r); err != nil {
		return err
	}
	u, err := a.tenantUser(r.Context(), t, id)
	if errors.Is(err, model.ErrNotFound) {
		u, err = model.User{TenantID: t.ID, ID: id}, nil
	}
	if err != nil {
		return err
	}
	p, err := a.svc.UserProfile(r.Context(), u)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, userResponse{
		UserID: u.ID, IsEnrolled: len(p.Enrolled) > 0, Email: u.Email, EmailVerified: u.EmailVerified,
		PhoneNumber: u.PhoneNumber, PhoneNumberVerified: u.PhoneNumberVerified, Username: u.Username,
		DisplayName: u.DisplayName, Custom: u.Custom, EnrolledVerificationMethods: nonNil(p.Enrolled),
		AllowedVerificationMethods: p.Allowed, DefaultVerificationMethod: p.Default,
	})
}

type userAttributes struct {
	Email               *string        `json:"email,omitempty"`
	EmailVerified       *bool          `json:"emailVerified,omitempty"`
	PhoneNumber         *string        `json:"phoneNumber,omitempty"`
	PhoneNumberVerified *bool          `json:"phoneNumberVerified,omitempty"`
	Username            *string        `json:"username,omitempty" text:"255"`
	DisplayName         *string        `json:"displayName,omitempty" text:"255"`
	Custom              map[string]any `json:"custom,omitempty" text:"1024"`
	Locale              *string        `json:"locale,omitempty"`
}

// UpdateUser answers PATCH /v1/users/{userId}, and the POST to the same
// path that authsignal-java sends: it creates the user when the tenant
// has none of that id.
func (a *API) UpdateUser(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	var in userAttributes
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	u, err := a.svc.UpdateUser(r.Context(), t.ID, id, actions.UserPatch{
		Email: in.Email, EmailVerified: in.EmailVerified, PhoneNumber: in.PhoneNumber,
		PhoneNumberVerified: in.PhoneNumberVerified, Username: in.Username,
		DisplayName: in.DisplayName, Locale: in.Locale, Custom: in.Custom,
	})
	if err != nil {
		return err
	}
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return jsonapi.Write(w, http.StatusOK, userAttributes{
		Email: str(u.Email), EmailVerified: &u.EmailVerified, PhoneNumber: str(u.PhoneNumber),
		PhoneNumberVerified: &u.PhoneNumberVerified, Username: str(u.Username),
		DisplayName: str(u.DisplayName), Custom: u.Custom, Locale: str(u.Locale),
	})
}

// DeleteUser answers DELETE /v1/users/{userId}.
func (a *API) DeleteUser(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteUser(r.Context(), t.ID, id); err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, struct{}{})
}

type queriedUser struct {
	UserID              string `json:"userId"`
	Email               string `json:"email,omitempty"`
	EmailVerified       bool   `json:"emailVerified"`
	PhoneNumber         string `json:"phoneNumber,omitempty"`
	PhoneNumberVerified bool   `json:"phoneNumberVerified"`
	Username            string `json:"username,omitempty"`
}

type queryUsersResponse struct {
	Users               []queriedUser  `json:"users"`
	LastEvaluatedUserID string         `json:"lastEvaluatedUserId,omitempty"`
	TokenPayload        map[string]any `json:"tokenPayload,omitempty"`
}

// QueryUsers answers GET /v1/users: by email, phone number or username,
// or the user a token belongs to; paged by lastEvaluatedUserId.
func (a *API) QueryUsers(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	if err := checkQuery(r, "email", "phoneNumber", "username", "token", "limit", "lastEvaluatedUserId"); err != nil {
		return err
	}
	q := r.URL.Query()
	uq := model.UserQuery{Email: q.Get("email"), PhoneNumber: actions.NormalizePhoneNumber(q.Get("phoneNumber")),
		Username: q.Get("username"), After: q.Get("lastEvaluatedUserId"), Limit: 100}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return model.Invalid("limit must be a whole number from 1 to 1000")
		}
		uq.Limit = n
	}
	var resp queryUsersResponse
	if raw := q.Get("token"); raw != "" {
		claims, err := a.tenancy.ParseToken(t, raw)
		if err != nil {
			return model.Invalid("token is not valid")
		}
		resp.TokenPayload = map[string]any{"userId": claims.UserID, "actionCode": claims.ActionCode,
			"idempotencyKey": claims.IdempotencyKey, "scope": claims.Scope}
		u, err := a.tenantUser(r.Context(), t, claims.UserID)
		if err != nil {
			return err
		}
		resp.Users = []queriedUser{toQueried(u)}
		return jsonapi.Write(w, http.StatusOK, resp)
	}
	users, err := a.svc.QueryUsers(r.Context(), t.ID, uq)
	if err != nil {
		return err
	}
	resp.Users = []queriedUser{}
	for _, u := range users {
		resp.Users = append(resp.Users, toQueried(u))
	}
	if len(users) == uq.Limit {
		resp.LastEvaluatedUserID = users[len(users)-1].ID
	}
	return jsonapi.Write(w, http.StatusOK, resp)
}

func toQueried(u model.User) queriedUser {
	return queriedUser{UserID: u.ID, Email: u.Email, EmailVerified: u.EmailVerified,
		PhoneNumber: u.PhoneNumber, PhoneNumberVerified: u.PhoneNumberVerified, Username: u.Username}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
