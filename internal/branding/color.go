package branding

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/uplift-dev/uplift/internal/model"
)

// MinContrast is the contrast WCAG 2 level AA asks of normal text: the
// brand colour must reach it against white text (its buttons' label), and
// its dark-mode variant against the dark background.
const MinContrast = 4.5

// DarkSurface is the lightest background the dark-mode variant of a brand
// colour is made to stand on: dark themes whose backgrounds are at least
// as dark keep AA with it. DarkInk is the text colour on that variant
// (a filled button's label in dark mode).
const (
	DarkSurface = "#2a3038"
	DarkInk     = "#111418"
)

// color is an sRGB colour.
type color struct{ r, g, b uint8 }

// parseColor reads #rrggbb (either case).
func parseColor(s string) (color, bool) {
	if len(s) != 7 || s[0] != '#' {
		return color{}, false
	}
	var v [3]uint8
	for i := range v {
		hi, ok1 := hexDigit(s[1+2*i])
		lo, ok2 := hexDigit(s[2+2*i])
		if !ok1 || !ok2 {
			return color{}, false
		}
		v[i] = hi<<4 | lo
	}
	return color{v[0], v[1], v[2]}, true
}

func hexDigit(c byte) (uint8, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (c color) String() string { return fmt.Sprintf("#%02x%02x%02x", c.r, c.g, c.b) }

// luminance is the relative luminance WCAG 2 defines.
func (c color) luminance() float64 {
	lin := func(v uint8) float64 {
		x := float64(v) / 255
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

// contrast is the WCAG 2 contrast ratio of two colours, from 1 to 21.
func contrast(a, b color) float64 {
	la, lb := a.luminance(), b.luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

var white = color{255, 255, 255}

// ratioText writes a contrast ratio as people read it, rounded down so
// that a colour just short of 4.5:1 never reads as 4.5:1.
func ratioText(r float64) string {
	return strconv.FormatFloat(math.Floor(r*100)/100, 'f', -1, 64) + ":1"
}

// CheckPrimaryColor returns the colour s names in canonical form
// (#rrggbb, lower case), or an ErrInvalid error saying why it cannot be
// the brand colour: not a colour written #rrggbb, or too light for white
// text to be read on it (WCAG AA, 4.5:1), with the ratio it has.
func CheckPrimaryColor(s string) (string, error) {
	c, ok := parseColor(strings.TrimSpace(s))
	if !ok {
		return "", model.Errorf(model.ErrInvalid, "invalid_color",
			"primaryColor must be a colour written #rrggbb, such as #1f5fbf")
	}
	if r := contrast(c, white); r < MinContrast {
		return "", model.Errorf(model.ErrInvalid, "insufficient_contrast",
			"primaryColor %s has a contrast ratio of %s with white text, and WCAG AA needs at least %s: choose a darker colour",
			c, ratioText(r), ratioText(MinContrast))
	}
	return c.String(), nil
}

// Contrast returns the WCAG 2 contrast ratio of two colours written
// #rrggbb, or 0 when either is not one.
func Contrast(a, b string) float64 {
	ca, ok1 := parseColor(a)
	cb, ok2 := parseColor(b)
	if !ok1 || !ok2 {
		return 0
	}
	return contrast(ca, cb)
}

// DarkVariant returns the brand colour adapted to dark mode: the same hue
// and saturation, lightened just enough to reach AA against DarkSurface
// (and so against darker backgrounds, and with DarkInk on it). It returns
// "" for a string that is not a colour.
func DarkVariant(primary string) string {
	c, ok := parseColor(primary)
	if !ok {
		return ""
	}
	surface, _ := parseColor(DarkSurface)
	h, s, l := c.hsl()
	for ; l <= 1; l += 0.005 {
		v := fromHSL(h, s, l)
		if contrast(v, surface) >= MinContrast {
			return v.String()
		}
	}
	return white.String()
}

// hsl converts to hue (0–360), saturation and lightness (0–1).
func (c color) hsl() (h, s, l float64) {
	r, g, b := float64(c.r)/255, float64(c.g)/255, float64(c.b)/255
	hi, lo := math.Max(r, math.Max(g, b)), math.Min(r, math.Min(g, b))
	l = (hi + lo) / 2
	if hi == lo {
		return 0, 0, l
	}
	d := hi - lo
	if l > 0.5 {
		s = d / (2 - hi - lo)
	} else {
		s = d / (hi + lo)
	}
	switch hi {
	case r:
		h = math.Mod((g-b)/d+6, 6)
	case g:
		h = (b-r)/d + 2
	default:
		h = (r-g)/d + 4
	}
	return h * 60, s, l
}

// fromHSL converts back to sRGB.
func fromHSL(h, s, l float64) color {
	l = math.Min(l, 1)
	ch := (1 - math.Abs(2*l-1)) * s
	x := ch * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := l - ch/2
	var r, g, b float64
	switch {
	case h < 60:
		r, g = ch, x
	case h < 120:
		r, g = x, ch
	case h < 180:
		g, b = ch, x
	case h < 240:
		g, b = x, ch
	case h < 300:
		r, b = x, ch
	default:
		r, b = ch, x
	}
	to := func(v float64) uint8 { return uint8(math.Round(math.Max(0, math.Min(1, v+m)) * 255)) }
	return color{to(r), to(g), to(b)}
}
