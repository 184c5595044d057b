package client

import (
	"context"
	"net/http"
)

// UserAuthenticator is a verification method a user has enrolled. Times
// are ISO 8601 strings in UTC, such as "2026-01-31T09:30:00.000Z".
type UserAuthenticator struct {
	UserID              string              `json:"userId"`
	UserAuthenticatorID string              `json:"userAuthenticatorId"`
	VerificationMethod  VerificationMethod  `json:"verificationMethod"`
	CreatedAt           string              `json:"createdAt"`
	VerifiedAt          string              `json:"verifiedAt,omitempty"`
	LastVerifiedAt      string              `json:"lastVerifiedAt,omitempty"`
	Email               string              `json:"email,omitempty"`
	PhoneNumber         string              `json:"phoneNumber,omitempty"`
	Username            string              `json:"username,omitempty"`
	DisplayName         string              `json:"displayName,omitempty"`
	IsDefault           bool                `json:"isDefault,omitempty"`
	WebauthnCredential  *WebauthnCredential `json:"webauthnCredential,omitempty"`
}

// WebauthnCredential describes the credential behind a passkey or
// security key authenticator.
type WebauthnCredential struct {
	CredentialID            string         `json:"credentialId"`
	DeviceID                string         `json:"deviceId"`
	Name                    string         `json:"name"`
	AAGUID                  string         `json:"aaguid,omitempty"`
	AAGUIDMapping           *AAGUIDMapping `json:"aaguidMapping,omitempty"`
	CredentialBackedUp      *bool          `json:"credentialBackedUp,omitempty"`
	CredentialDeviceType    string         `json:"credentialDeviceType,omitempty"`
	AuthenticatorAttachment string         `json:"authenticatorAttachment,omitempty"`
	// ParsedUserAgent is the user agent the passkey was created with,
	// as parsed by the server (keys ua, browser, device, engine, os, cpu).
	ParsedUserAgent map[string]any `json:"parsedUserAgent,omitempty"`
}

// AAGUIDMapping names the passkey provider an AAGUID stands for, such as
// "iCloud Keychain", with its icons.
type AAGUIDMapping struct {
	Name         string `json:"name"`
	SVGIconLight string `json:"svgIconLight,omitempty"`
	SVGIconDark  string `json:"svgIconDark,omitempty"`
}

// EnrollVerifiedAuthenticatorAttributes describe an email address or phone
// number the app has already verified itself.
type EnrollVerifiedAuthenticatorAttributes struct {
	// VerificationMethod is EMAIL_OTP or EMAIL_MAGIC_LINK (with Email) or
	// SMS (with PhoneNumber).
	VerificationMethod VerificationMethod `json:"verificationMethod"`
	Email              string             `json:"email,omitempty"`
	// PhoneNumber is in E.164 form, such as "+14155550100".
	PhoneNumber string `json:"phoneNumber,omitempty"`
	IsDefault   bool   `json:"isDefault,omitempty"`
}

// EnrollVerifiedAuthenticatorResponse is the authenticator
// EnrollVerifiedAuthenticator created.
type EnrollVerifiedAuthenticatorResponse struct {
	Authenticator UserAuthenticator `json:"authenticator"`
	RecoveryCodes []string          `json:"recoveryCodes,omitempty"`
}

// GetAuthenticators lists the authenticators a user has enrolled.
func (c *Client) GetAuthenticators(ctx context.Context, userID string) ([]UserAuthenticator, error) {
	var out []UserAuthenticator
	if err := c.do(ctx, http.MethodGet, path("users", userID, "authenticators"), nil, nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// EnrollVerifiedAuthenticator enrols an email address or phone number the
// app has verified itself, creating the user if needed.
func (c *Client) EnrollVerifiedAuthenticator(ctx context.Context, userID string, attrs EnrollVerifiedAuthenticatorAttributes) (*EnrollVerifiedAuthenticatorResponse, error) {
	var out EnrollVerifiedAuthenticatorResponse
	if err := c.do(ctx, http.MethodPost, path("users", userID, "authenticators"), nil, attrs, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteAuthenticator removes one of a user's authenticators.
func (c *Client) DeleteAuthenticator(ctx context.Context, userID, userAuthenticatorID string) error {
	return c.do(ctx, http.MethodDelete, path("users", userID, "authenticators", userAuthenticatorID), nil, nil, nil)
}
