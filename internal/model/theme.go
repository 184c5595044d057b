package model

import "time"

// Theme is a tenant's branding of the hosted pages and the emails: the
// name they show, the brand colour and the images Uplift serves. The
// zero Theme is Uplift's own look.
type Theme struct {
	TenantID string
	// Name is the display name shown at the top of the pages and emails;
	// empty shows the relying party's name on the pages and the tenant's
	// name in emails.
	Name string
	// PrimaryColor is the brand colour as #rrggbb (lower case), or empty
	// for Uplift's own.
	PrimaryColor string
	// Logo and Favicon describe the uploaded images without their bytes;
	// a zero ThemeImage means none was uploaded.
	Logo, Favicon ThemeImage
	UpdatedAt     time.Time
}

// ThemeImageKind names one of a theme's images.
type ThemeImageKind string

// The images of a theme.
const (
	ThemeLogo    ThemeImageKind = "logo"
	ThemeFavicon ThemeImageKind = "favicon"
)

// ThemeImage is an uploaded image: its media type, a hash of its bytes
// that versions its URL, and the bytes themselves when they were read.
type ThemeImage struct {
	ContentType string
	// Hash is the first 16 hex digits of the SHA-256 of Data.
	Hash string
	Data []byte
}

// Set reports whether an image was uploaded.
func (i ThemeImage) Set() bool { return i.Hash != "" }
