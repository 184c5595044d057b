package console

import (
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/uplift-dev/uplift/internal/admin"
	"github.com/uplift-dev/uplift/internal/branding"
	"github.com/uplift-dev/uplift/internal/model"
)

// brandingPath is the branding page: the display name, colour, logo and
// favicon of the tenant's hosted pages and emails.
const brandingPath = admin.ConsolePath + "/branding"

// MaxUploadBody is the largest upload form the console accepts: a logo
// and a favicon of branding.MaxImageBytes each, with room for the form's
// fields and the encoding's boundaries.
const MaxUploadBody = 2*branding.MaxImageBytes + MaxFormBody

// SetBranding gives the console the tenants' themes.
func (c *Console) SetBranding(b *branding.Service) { c.branding = b }

// brandingForm is the form as stored or submitted.
type brandingForm struct {
	Name, PrimaryColor string
}

// brandingView is what branding.html shows.
type brandingView struct {
	Form     brandingForm
	Problems fieldErrors
	// DefaultName is what the pages show without a display name.
	DefaultName string
	// LogoURL and FaviconURL show the current images; "" for none.
	LogoURL, FaviconURL string
	// Swatch and DarkSwatch picture the saved colour with its text, in
	// light and dark mode; DarkColor is the dark-mode colour.
	Swatch, DarkSwatch template.URL
	Color, DarkColor   string
	// MaxKiB is the largest image accepted.
	MaxKiB int
}

// Branding shows the tenant's theme and the form that changes it.
func (c *Console) Branding(w http.ResponseWriter, r *http.Request, s *Session) error {
	th, err := c.branding.Theme(r.Context(), s.Tenant.ID)
	if err != nil {
		return err
	}
	c.renderBranding(w, r, s, http.StatusOK, th, brandingForm{Name: th.Name, PrimaryColor: th.PrimaryColor}, nil, "")
	return nil
}

func (c *Console) renderBranding(w http.ResponseWriter, r *http.Request, s *Session, status int, th model.Theme, f brandingForm, problems fieldErrors, errText string) {
	v := brandingView{Form: f, Problems: problems, DefaultName: s.Tenant.RPName,
		LogoURL: branding.ImagePath(th, model.ThemeLogo), FaviconURL: branding.ImagePath(th, model.ThemeFavicon),
		MaxKiB: branding.MaxImageBytes >> 10}
	if th.PrimaryColor != "" {
		v.Color, v.DarkColor = th.PrimaryColor, branding.DarkVariant(th.PrimaryColor)
		v.Swatch = swatch(v.Color, "#ffffff")
		v.DarkSwatch = swatch(v.DarkColor, branding.DarkInk)
	}
	c.render(w, r, status, "branding", s, View{Title: "Branding", Section: "branding", Error: errText, Data: v})
}

// swatch is a small picture of a button in colour bg with text in ink,
// as a data: URL (the console's policy allows no inline style). Both
// colours are #rrggbb, checked before they were stored.
func swatch(bg, ink string) template.URL {
	svg := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="160" height="48" viewBox="0 0 160 48">`+
		`<rect width="160" height="48" rx="8" fill="%s"/>`+
		`<text x="80" y="30" text-anchor="middle" font-family="system-ui, sans-serif" font-size="16" font-weight="600" fill="%s">Continue</text></svg>`,
		bg, ink)
	return template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svg)))
}

// SaveBranding stores the theme from the branding form, a multipart form
// with the images as files. Nothing is stored unless every field is
// right; the typed name and colour are shown again with the problems,
// and the files must be chosen again.
func (c *Console) SaveBranding(w http.ResponseWriter, r *http.Request, s *Session) error {
	f := brandingForm{Name: strings.TrimSpace(r.PostFormValue("name")), PrimaryColor: strings.TrimSpace(r.PostFormValue("primaryColor"))}
	ch := branding.Change{RemoveLogo: r.PostFormValue("removeLogo") == "on", RemoveFavicon: r.PostFormValue("removeFavicon") == "on"}
	// The page's form always sends both fields; a post without one
	// leaves it as it is.
	if _, ok := r.PostForm["name"]; ok {
		ch.Name = &f.Name
	}
	if _, ok := r.PostForm["primaryColor"]; ok {
		ch.PrimaryColor = &f.PrimaryColor
	}
	problems := fieldErrors{}
	chosen := false
	for _, img := range []struct {
		field string
		dst   **branding.Upload
	}{{"logo", &ch.Logo}, {"favicon", &ch.Favicon}} {
		up, err := uploadedFile(r, img.field)
		if err != nil {
			problems[img.field] = err.Error()
			continue
		}
		if up != nil {
			*img.dst, chosen = up, true
		}
	}
	var err error
	if len(problems) == 0 {
		_, err = c.branding.Update(r.Context(), s.Tenant.ID, ch)
		if err == nil {
			redirect(w, r, brandingPath, "branding-saved")
			return nil
		}
		if !errors.Is(err, model.ErrInvalid) {
			return err
		}
		for _, fl := range brandingLabels {
			if rest, ok := strings.CutPrefix(refusal(err), fl.name+" "); ok {
				problems[fl.name] = sentence(fl.label + " " + rest)
				break
			}
		}
	}
	th, terr := c.branding.Theme(r.Context(), s.Tenant.ID)
	if terr != nil {
		return terr
	}
	msg := notSavedText
	if chosen {
		msg += " Choose the image files again."
	}
	if len(problems) == 0 && err != nil {
		msg += " " + sentence(refusal(err))
	}
	c.renderBranding(w, r, s, http.StatusBadRequest, th, f, problems, msg)
	return nil
}

// brandingLabels name the form's fields in the sentences that refuse
// them, in place of the Management API's names the errors start with.
var brandingLabels = []struct{ name, label string }{
	{"primaryColor", "The brand colour"}, {"logo", "The logo"}, {"favicon", "The favicon"}, {"name", "The display name"},
}

// uploadError refuses a file of the form.
type uploadError string

func (e uploadError) Error() string { return string(e) }

// uploadedFile reads the file of a multipart form's field: nil when none
// was chosen, an error to show when it cannot be an image Uplift
// accepts.
func uploadedFile(r *http.Request, field string) (*branding.Upload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	fhs := r.MultipartForm.File[field]
	if len(fhs) == 0 || fhs[0].Filename == "" && fhs[0].Size == 0 {
		return nil, nil
	}
	fh := fhs[0]
	if fh.Size > branding.MaxImageBytes {
		return nil, uploadError(fmt.Sprintf("This file is %d KiB, larger than the %d KiB accepted: make it smaller.",
			(fh.Size+1023)>>10, branding.MaxImageBytes>>10))
	}
	data, err := readPart(fh)
	if err != nil {
		return nil, uploadError("This file could not be read. Choose it again.")
	}
	return &branding.Upload{ContentType: fh.Header.Get("Content-Type"), Data: data}, nil
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, branding.MaxImageBytes+1))
}
