package notify

import (
	"net/url"
	"regexp"
	"strings"
)

// Brand is how an email shows the app that sent it: the name at its top
// and in its text, the logo above the name, and the brand colour on the
// code or the button. The zero Brand is a plain email without logo.
type Brand struct {
	// Name is the app's display name; "" leaves it out.
	Name string
	// LogoURL is the absolute http(s) URL of the logo, served by Uplift;
	// "" shows none.
	LogoURL string
	// Color is the brand colour as #rrggbb, dark enough for white text
	// (checked when it was set); "" uses near-black.
	Color string
}

// defaultEmailColor is the code's and the button's colour without a brand.
const defaultEmailColor = "#1a1a1a"

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// brandData is what the email templates receive of a Brand: cleaned up,
// each part safe where it goes.
type brandData struct {
	Name, Logo, Color string
}

func (b Brand) data() brandData {
	d := brandData{Name: strings.TrimSpace(oneLine(b.Name)), Color: defaultEmailColor}
	if hexColor.MatchString(b.Color) {
		d.Color = strings.ToLower(b.Color)
	}
	if u, err := url.Parse(b.LogoURL); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		d.Logo = u.String()
	}
	return d
}

// brandHeader is the top of a branded email's HTML: the logo, then the
// app's name.
const brandHeader = `{{if .Brand.Logo}}<p style="margin:0 0 12px"><img src="{{.Brand.Logo}}" alt="" height="40" style="display:block;height:40px;width:auto;max-width:240px;border:0"></p>
{{end}}{{if .Brand.Name}}<p style="margin:0 0 20px;font-size:18px;font-weight:600">{{.Brand.Name}}</p>
{{end}}`
