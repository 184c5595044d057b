// Package passkeyjson renders a passkey the way the Server and Client
// APIs show it: the webauthnCredential object of the SDKs' Authenticator
// type (@authsignal/browser dist/api/types/shared.d.ts).
package passkeyjson

import (
	"encoding/base64"
	"time"

	"github.com/google/uuid"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
)

// WebauthnCredential is a passkey's credential as the APIs report it.
type WebauthnCredential struct {
	CredentialID            string           `json:"credentialId"`
	DeviceID                string           `json:"deviceId"`
	Name                    string           `json:"name"`
	AAGUID                  string           `json:"aaguid,omitempty"`
	AAGUIDMapping           *AAGUIDMapping   `json:"aaguidMapping,omitempty"`
	CredentialBackedUp      bool             `json:"credentialBackedUp"`
	CredentialDeviceType    string           `json:"credentialDeviceType,omitempty"`
	AuthenticatorAttachment string           `json:"authenticatorAttachment,omitempty"`
	ParsedUserAgent         *ParsedUserAgent `json:"parsedUserAgent,omitempty"`
	VerifiedAt              string           `json:"verifiedAt"`
}

// AAGUIDMapping is the passkey provider's name and icons.
type AAGUIDMapping struct {
	Name         string `json:"name"`
	SVGIconLight string `json:"svgIconLight,omitempty"`
	SVGIconDark  string `json:"svgIconDark,omitempty"`
}

// ParsedUserAgent is the user agent a passkey was created with, parsed.
type ParsedUserAgent struct {
	UA      string `json:"ua"`
	Browser struct {
		Name    string `json:"name,omitempty"`
		Version string `json:"version,omitempty"`
		Major   string `json:"major,omitempty"`
	} `json:"browser"`
	Device struct {
		Model  string `json:"model,omitempty"`
		Type   string `json:"type,omitempty"`
		Vendor string `json:"vendor,omitempty"`
	} `json:"device"`
	Engine struct {
		Name    string `json:"name,omitempty"`
		Version string `json:"version,omitempty"`
	} `json:"engine"`
	OS struct {
		Name    string `json:"name,omitempty"`
		Version string `json:"version,omitempty"`
	} `json:"os"`
	CPU struct {
		Architecture string `json:"architecture,omitempty"`
	} `json:"cpu"`
}

// Credential renders p; provider, when known, names its provider.
func Credential(p model.Passkey, provider *model.ProviderName) WebauthnCredential {
	c := WebauthnCredential{
		CredentialID: base64.RawURLEncoding.EncodeToString(p.CredentialID),
		DeviceID:     p.DeviceID, Name: p.Name, CredentialBackedUp: p.Flags.BackupState,
		CredentialDeviceType: p.DeviceType(), AuthenticatorAttachment: p.Attachment,
		VerifiedAt: jsonapi.Time(firstTime(p.LastVerifiedAt, p.CreatedAt)),
	}
	if id, err := uuid.FromBytes(p.AAGUID); err == nil {
		c.AAGUID = id.String()
	}
	if provider != nil {
		c.AAGUIDMapping = &AAGUIDMapping{Name: provider.Name, SVGIconLight: provider.SVGIconLight,
			SVGIconDark: provider.SVGIconDark}
	}
	if p.ParsedUserAgent.UA != "" {
		c.ParsedUserAgent = parsedUA(p.ParsedUserAgent)
	}
	return c
}

func parsedUA(u model.UserAgent) *ParsedUserAgent {
	var out ParsedUserAgent
	out.UA = u.UA
	out.Browser.Name, out.Browser.Version, out.Browser.Major = u.BrowserName, u.BrowserVersion, u.BrowserMajor
	out.Device.Model, out.Device.Type, out.Device.Vendor = u.DeviceModel, u.DeviceType, u.DeviceVendor
	out.Engine.Name, out.Engine.Version = u.EngineName, u.EngineVersion
	out.OS.Name, out.OS.Version = u.OSName, u.OSVersion
	out.CPU.Architecture = u.CPUArch
	return &out
}

func firstTime(a, b time.Time) time.Time {
	if a.IsZero() {
		return b
	}
	return a
}
