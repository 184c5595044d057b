package codes

import (
	"context"

	"github.com/uplift-dev/uplift/internal/branding"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
)

// SetBranding gives the emails their tenant's theme: logo, display name
// and colour.
func (s *Service) SetBranding(b *branding.Service) { s.branding = b }

// brand is how the tenant's emails show it: its display name (the
// tenant's name when the theme has none), its logo and its colour. A
// theme that cannot be read leaves the email plain: a code is never held
// back for its looks.
func (s *Service) brand(ctx context.Context, t model.Tenant) notify.Brand {
	b := notify.Brand{Name: t.Name}
	if s.branding == nil {
		return b
	}
	th := s.branding.ThemeOrDefault(ctx, t.ID)
	if th.Name != "" {
		b.Name = th.Name
	}
	b.LogoURL = s.branding.ImageURL(th, model.ThemeLogo)
	b.Color = th.PrimaryColor
	return b
}
