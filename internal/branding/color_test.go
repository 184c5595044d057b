package branding_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/branding"
	"github.com/uplift-dev/uplift/internal/model"
)

// Ratios from WCAG's own examples and well-known pairs.
func TestContrast(t *testing.T) {
	tests := []struct {
		a, b     string
		min, max float64
	}{
		{"#000000", "#ffffff", 20.99, 21.01},
		{"#ffffff", "#ffffff", 1, 1},
		{"#767676", "#ffffff", 4.54, 4.55}, // the lightest grey that passes AA on white
		{"#777777", "#ffffff", 4.47, 4.49},
		{"#1f5fbf", "#FFFFFF", 6.0, 6.2},
		{"#fff", "#000000", 0, 0}, // not #rrggbb
	}
	for _, tt := range tests {
		if got := branding.Contrast(tt.a, tt.b); got < tt.min || got > tt.max {
			t.Errorf("Contrast(%s, %s) = %.3f, want %.2f to %.2f", tt.a, tt.b, got, tt.min, tt.max)
		}
	}
}

func TestCheckPrimaryColor(t *testing.T) {
	tests := []struct {
		in, want string
		code     string   // error code; "" for none
		reason   []string // the error must say each
	}{
		{in: "#1F5FBF", want: "#1f5fbf"},
		{in: " #767676 ", want: "#767676"},
		{in: "#000000", want: "#000000"},
		{in: "#777777", code: "insufficient_contrast", reason: []string{"primaryColor", "#777777", "4.47:1", "at least 4.5:1", "white text", "darker"}},
		{in: "#ffcc00", code: "insufficient_contrast", reason: []string{"1.5", ":1"}},
		{in: "#ffffff", code: "insufficient_contrast", reason: []string{"of 1:1"}},
		{in: "red", code: "invalid_color", reason: []string{"primaryColor", "#rrggbb"}},
		{in: "#abc", code: "invalid_color"},
		{in: "#12345g", code: "invalid_color"},
		{in: "1f5fbf", code: "invalid_color"},
		{in: "#1f5fbf;}body{display:none", code: "invalid_color"},
		{in: "rgb(0,0,0)", code: "invalid_color"},
		{in: "#1f5fbf\x00", code: "invalid_color"},
		{in: "", code: "invalid_color"},
	}
	for _, tt := range tests {
		got, err := branding.CheckPrimaryColor(tt.in)
		if tt.code == "" {
			if err != nil || got != tt.want {
				t.Errorf("CheckPrimaryColor(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		var me *model.Error
		if !errors.As(err, &me) || !errors.Is(err, model.ErrInvalid) || me.Code != tt.code {
			t.Errorf("CheckPrimaryColor(%q) = %q, %v; want an invalid error %s", tt.in, got, err, tt.code)
			continue
		}
		for _, s := range tt.reason {
			if !strings.Contains(me.Description, s) {
				t.Errorf("CheckPrimaryColor(%q) says %q, which lacks %q", tt.in, me.Description, s)
			}
		}
	}
}

// Every colour that passes with white text gets a dark-mode variant that
// keeps AA against the dark surface and with the dark ink on it, and
// keeps its hue (a blue stays blue).
func TestDarkVariant(t *testing.T) {
	for _, c := range []string{"#1f5fbf", "#000000", "#767676", "#8a1538", "#0b6e4f", "#5b21b6", "#b3261e", "#004d40", "#3f3f00"} {
		d := branding.DarkVariant(c)
		if len(d) != 7 || d[0] != '#' {
			t.Errorf("DarkVariant(%s) = %q", c, d)
			continue
		}
		if r := branding.Contrast(d, branding.DarkSurface); r < branding.MinContrast {
			t.Errorf("DarkVariant(%s) = %s: contrast %.2f with the dark surface, want at least 4.5", c, d, r)
		}
		if r := branding.Contrast(d, branding.DarkInk); r < branding.MinContrast {
			t.Errorf("DarkVariant(%s) = %s: contrast %.2f with the dark ink, want at least 4.5", c, d, r)
		}
		if r := branding.Contrast(d, "#000000"); r < branding.MinContrast {
			t.Errorf("DarkVariant(%s) = %s: contrast %.2f with black", c, d, r)
		}
	}
	if d := branding.DarkVariant("#1f5fbf"); d[5] < d[1] || d[5] < d[3] {
		t.Errorf("DarkVariant(#1f5fbf) = %s: no longer mostly blue", d)
	}
	if d := branding.DarkVariant("blue"); d != "" {
		t.Errorf("DarkVariant(blue) = %q, want empty", d)
	}
}

func TestStylesheet(t *testing.T) {
	css := string(branding.Stylesheet(model.Theme{TenantID: "t", PrimaryColor: "#1f5fbf"}))
	for _, want := range []string{"--brand: #1f5fbf;", "--brand-ink: #ffffff;", "--brand-dark: " + branding.DarkVariant("#1f5fbf") + ";",
		"--brand-dark-ink: " + branding.DarkInk, "--accent: var(--brand);", "prefers-color-scheme: light"} {
		if !strings.Contains(css, want) {
			t.Errorf("Stylesheet lacks %q:\n%s", want, css)
		}
	}
	// Anything stored that is not a colour sets nothing.
	for _, bad := range []string{"", "#1f5fbf;}body{display:none}", "red"} {
		if css := string(branding.Stylesheet(model.Theme{PrimaryColor: bad})); strings.Contains(css, "--") {
			t.Errorf("Stylesheet(%q) = %s, want no property", bad, css)
		}
	}
	if p := branding.StylesheetPath(model.Theme{TenantID: "t"}); p != "" {
		t.Errorf("StylesheetPath without a colour = %q, want empty", p)
	}
	a := branding.StylesheetPath(model.Theme{TenantID: "t", PrimaryColor: "#1f5fbf"})
	b := branding.StylesheetPath(model.Theme{TenantID: "t", PrimaryColor: "#000000"})
	if !strings.HasPrefix(a, branding.PathPrefix+"t/theme.css?v=") || a == b {
		t.Errorf("StylesheetPath = %q and %q: want versioned paths that differ by colour", a, b)
	}
}
