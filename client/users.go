package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// User is a user as GetUser reports it (GetUserResponse in
// @authsignal/node).
type User struct {
	UserID                      string               `json:"userId"`
	IsEnrolled                  bool                 `json:"isEnrolled"`
	Email                       string               `json:"email,omitempty"`
	EmailVerified               bool                 `json:"emailVerified"`
	PhoneNumber                 string               `json:"phoneNumber,omitempty"`
	PhoneNumberVerified         bool                 `json:"phoneNumberVerified"`
	Username                    string               `json:"username,omitempty"`
	DisplayName                 string               `json:"displayName,omitempty"`
	Custom                      CustomData           `json:"custom,omitempty"`
	EnrolledVerificationMethods []VerificationMethod `json:"enrolledVerificationMethods,omitempty"`
	AllowedVerificationMethods  []VerificationMethod `json:"allowedVerificationMethods,omitempty"`
	DefaultVerificationMethod   VerificationMethod   `json:"defaultVerificationMethod,omitempty"`
}

// UserAttributes are a user's attributes: what UpdateUser changes and
// what it returns. In a request, nil fields are left as they are; set a
// field with new, as in Email: new("alice@example.com").
type UserAttributes struct {
	Email               *string    `json:"email,omitempty"`
	EmailVerified       *bool      `json:"emailVerified,omitempty"`
	PhoneNumber         *string    `json:"phoneNumber,omitempty"`
	PhoneNumberVerified *bool      `json:"phoneNumberVerified,omitempty"`
	Username            *string    `json:"username,omitempty"`
	DisplayName         *string    `json:"displayName,omitempty"`
	Custom              CustomData `json:"custom,omitempty"`
	Locale              *string    `json:"locale,omitempty"`
}

// QueryUsersRequest filters QueryUsers. Empty fields do not filter.
type QueryUsersRequest struct {
	Email       string
	PhoneNumber string
	Username    string
	// Token finds the user a track token belongs to; the response then
	// carries the token's payload.
	Token string
	// Limit is the page size, 1 to 1000; zero leaves it to the server.
	Limit int
	// LastEvaluatedUserID continues from a previous page: pass that
	// page's QueryUsersResponse.LastEvaluatedUserID.
	LastEvaluatedUserID string
}

// QueriedUser is one user in a QueryUsers page.
type QueriedUser struct {
	UserID              string `json:"userId"`
	Email               string `json:"email,omitempty"`
	EmailVerified       bool   `json:"emailVerified"`
	PhoneNumber         string `json:"phoneNumber,omitempty"`
	PhoneNumberVerified bool   `json:"phoneNumberVerified"`
	Username            string `json:"username,omitempty"`
}

// QueryUsersResponse is one page of users, ordered by user id.
type QueryUsersResponse struct {
	Users []QueriedUser `json:"users"`
	// LastEvaluatedUserID is set when more users may follow; pass it in
	// the next request to get them.
	LastEvaluatedUserID string `json:"lastEvaluatedUserId,omitempty"`
	// TokenPayload holds the claims of the token queried by, if any.
	TokenPayload map[string]any `json:"tokenPayload,omitempty"`
}

// GetUser returns a user and the verification methods they have enrolled.
func (c *Client) GetUser(ctx context.Context, userID string) (*User, error) {
	var u User
	if err := c.do(ctx, http.MethodGet, path("users", userID), nil, nil, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// UpdateUser changes an existing user's attributes and returns them all
// as they now stand.
func (c *Client) UpdateUser(ctx context.Context, userID string, attrs UserAttributes) (*UserAttributes, error) {
	var out UserAttributes
	if err := c.do(ctx, http.MethodPatch, path("users", userID), nil, attrs, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteUser deletes a user with their authenticators and actions.
func (c *Client) DeleteUser(ctx context.Context, userID string) error {
	return c.do(ctx, http.MethodDelete, path("users", userID), nil, nil, nil)
}

// QueryUsers returns one page of the users matching q.
func (c *Client) QueryUsers(ctx context.Context, q QueryUsersRequest) (*QueryUsersResponse, error) {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("email", q.Email)
	set("phoneNumber", q.PhoneNumber)
	set("username", q.Username)
	set("token", q.Token)
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	set("lastEvaluatedUserId", q.LastEvaluatedUserID)
	var out QueryUsersResponse
	if err := c.do(ctx, http.MethodGet, "/users", v, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
