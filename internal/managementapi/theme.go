package managementapi

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/uplift-dev/uplift/internal/branding"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
)

// MaxThemeBody is the largest body PATCH /v1/management/theme accepts:
// a logo and a favicon of branding.MaxImageBytes each, in base64, with
// room for the rest.
const MaxThemeBody = 768 << 10

// Theme serves a tenant's branding at /v1/management/theme, in the shape
// of Authsignal's theme (name, logoUrl, faviconUrl, primaryColor,
// darkMode.primaryColor). Uplift serves the images itself, so they are
// uploaded in the PATCH body (logo, favicon) rather than linked.
type Theme struct {
	svc *branding.Service
}

// NewTheme returns the theme endpoints over svc.
func NewTheme(svc *branding.Service) *Theme { return &Theme{svc: svc} }

// themeJSON is a theme as the Management API reports it.
type themeJSON struct {
	// Name is the display name; "" shows the relying party's name.
	Name string `json:"name"`
	// PrimaryColor is #rrggbb, or "" for Uplift's own.
	PrimaryColor string `json:"primaryColor"`
	// LogoURL and FaviconURL are where Uplift serves the images; "" when
	// none was uploaded.
	LogoURL    string `json:"logoUrl"`
	FaviconURL string `json:"faviconUrl"`
	// DarkMode holds the colour Uplift derives for dark mode.
	DarkMode darkModeJSON `json:"darkMode"`
}

type darkModeJSON struct {
	PrimaryColor string `json:"primaryColor"`
}

func (h *Theme) toJSON(th model.Theme) themeJSON {
	return themeJSON{Name: th.Name, PrimaryColor: th.PrimaryColor,
		LogoURL: h.svc.ImageURL(th, model.ThemeLogo), FaviconURL: h.svc.ImageURL(th, model.ThemeFavicon),
		DarkMode: darkModeJSON{PrimaryColor: branding.DarkVariant(th.PrimaryColor)}}
}

// imageJSON is an image uploaded in a PATCH: its media type and its
// bytes in base64 (standard alphabet, with padding).
type imageJSON struct {
	ContentType string `json:"contentType" text:"100"`
	Data        string `json:"data" text:"-1"`
}

// themeInput is the body of a PATCH. darkMode is accepted and ignored:
// Uplift derives it from primaryColor, so that a client may send back
// what it read.
type themeInput struct {
	Name         optional[string]          `json:"name" text:"64"`
	PrimaryColor optional[string]          `json:"primaryColor" text:"32"`
	Logo         optional[*imageJSON]      `json:"logo"`
	Favicon      optional[*imageJSON]      `json:"favicon"`
	LogoURL      optional[string]          `json:"logoUrl" text:"-1"`
	FaviconURL   optional[string]          `json:"faviconUrl" text:"-1"`
	DarkMode     optional[json.RawMessage] `json:"darkMode"`
}

// Get answers GET /v1/management/theme.
func (h *Theme) Get(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	th, err := h.svc.Theme(r.Context(), t.ID)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, h.toJSON(th))
}

// Update answers PATCH /v1/management/theme: fields left out stay as they
// are; "" or null returns name and primaryColor to the default, and null
// removes an image. logoUrl and faviconUrl may only repeat the URL Uplift
// serves (changing nothing) or be "" or null (removing the image): Uplift
// never loads images from elsewhere.
func (h *Theme) Update(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	var in themeInput
	if tooLarge, err := decodeTheme(r, &in); tooLarge {
		return jsonapi.Write(w, http.StatusRequestEntityTooLarge, jsonapi.ErrorBody{Error: "request_too_large",
			ErrorCode: "request_too_large", ErrorDescription: fmt.Sprintf(
				"the request body is larger than %d bytes: a logo and a favicon of at most %d KiB each fit",
				MaxThemeBody, branding.MaxImageBytes>>10)})
	} else if err != nil {
		return err
	}
	current, err := h.svc.Theme(r.Context(), t.ID)
	if err != nil {
		return err
	}
	ch := branding.Change{}
	if in.Name.Set {
		ch.Name = &in.Name.Value
	}
	if in.PrimaryColor.Set {
		ch.PrimaryColor = &in.PrimaryColor.Value
	}
	for _, f := range []struct {
		name    string
		kind    model.ThemeImageKind
		image   optional[*imageJSON]
		url     optional[string]
		upload  **branding.Upload
		remove  *bool
		current string
	}{
		{"logo", model.ThemeLogo, in.Logo, in.LogoURL, &ch.Logo, &ch.RemoveLogo, h.svc.ImageURL(current, model.ThemeLogo)},
		{"favicon", model.ThemeFavicon, in.Favicon, in.FaviconURL, &ch.Favicon, &ch.RemoveFavicon, h.svc.ImageURL(current, model.ThemeFavicon)},
	} {
		if f.url.Set && f.url.Value != "" && f.url.Value != f.current {
			return model.Errorf(model.ErrInvalid, "invalid_image",
				"%sUrl cannot point elsewhere: Uplift serves the images itself and never loads them from other sites; upload the image as %s {contentType, data} (base64)",
				f.name, f.name)
		}
		if f.url.Set && f.url.Value == "" {
			*f.remove = true
		}
		if !f.image.Set {
			continue
		}
		if f.image.Value == nil {
			*f.remove = true
			continue
		}
		up, err := decodeImage(f.name, *f.image.Value)
		if err != nil {
			return err
		}
		*f.upload = up
	}
	th, err := h.svc.Update(r.Context(), t.ID, ch)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, h.toJSON(th))
}

// decodeImage reads an uploaded image's base64.
func decodeImage(field string, in imageJSON) (*branding.Upload, error) {
	if len(in.Data) > base64.StdEncoding.EncodedLen(branding.MaxImageBytes) {
		return nil, model.Errorf(model.ErrInvalid, "invalid_image", "%s is larger than the %d KiB accepted: make it smaller",
			field, branding.MaxImageBytes>>10)
	}
	data, err := base64.StdEncoding.DecodeString(in.Data)
	if err != nil {
		return nil, model.Errorf(model.ErrInvalid, "invalid_image",
			"%s.data must be the image in base64 (standard alphabet, with padding)", field)
	}
	return &branding.Upload{ContentType: in.ContentType, Data: data}, nil
}

// decodeTheme reads a PATCH body as jsonapi.Decode does, within
// MaxThemeBody instead of jsonapi.MaxBody, and reports a larger body.
func decodeTheme(r *http.Request, v any) (tooLarge bool, err error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return false, model.Errorf(model.ErrInvalid, "invalid_request", "Content-Type must be application/json")
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxThemeBody+1))
	var over *http.MaxBytesError
	switch {
	case errors.As(err, &over) || len(body) > MaxThemeBody:
		return true, nil
	case err != nil:
		return false, model.Invalid("could not read the request body")
	}
	return false, jsonapi.DecodeBytes(body, v)
}
