package branding

import (
	"fmt"

	"github.com/uplift-dev/uplift/internal/model"
)

// Stylesheet is the theme's stylesheet: CSS custom properties only, which
// the pages' own stylesheet uses.
//
//	--brand            the brand colour (AA with white text on it)
//	--brand-ink        the text on it: white
//	--brand-dark       the colour adapted to dark mode (AA against
//	                   DarkSurface and darker backgrounds)
//	--brand-dark-ink   the text on --brand-dark: DarkInk
//
// In light mode it also makes the brand the pages' accent (--accent,
// --accent-ink, --focus). Dark mode is left to the pages' stylesheet,
// which takes --brand-dark where it is set. A theme without a colour
// (or with anything stored that is not one) sets nothing.
func Stylesheet(th model.Theme) []byte {
	c, ok := parseColor(th.PrimaryColor)
	if !ok {
		return []byte("/* No brand colour: the pages keep their own. */\n")
	}
	return fmt.Appendf(nil, `/* Brand colours of this tenant's pages. */
:root {
  --brand: %s;
  --brand-ink: #ffffff;
  --brand-dark: %s;
  --brand-dark-ink: %s;
}
@media (prefers-color-scheme: light) {
  :root {
    --accent: var(--brand);
    --accent-ink: var(--brand-ink);
    --focus: var(--brand);
  }
}
`, c, DarkVariant(c.String()), DarkInk)
}
