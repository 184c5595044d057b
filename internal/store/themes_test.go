package store_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

// A theme round-trips with its images, each image is replaced or removed
// alone, the images' bytes stay out of Theme, and no tenant sees
// another's.
func TestThemes(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "t1", at(0))
		mustCreateTenant(t, s, "t2", at(0))
		got, err := s.Theme(ctx, "t1")
		if err != nil || !sameTheme(got, model.Theme{TenantID: "t1"}) {
			t.Fatalf("Theme before any = %+v, %v; want the zero theme", got, err)
		}
		if _, err := s.ThemeImage(ctx, "t1", model.ThemeLogo); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("ThemeImage before any: %v, want not found", err)
		}
		if err := s.SaveThemeImage(ctx, "t1", model.ThemeLogo, model.ThemeImage{ContentType: "image/png", Hash: "00", Data: []byte{1}}); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("SaveThemeImage without a theme: %v, want not found", err)
		}
		th := model.Theme{TenantID: "t1", Name: "Acme", PrimaryColor: "#1f5fbf", UpdatedAt: at(1)}
		if err := s.SaveTheme(ctx, th); err != nil {
			t.Fatal(err)
		}
		logo := model.ThemeImage{ContentType: "image/png", Hash: "0123456789abcdef", Data: []byte("\x89PNG\r\n\x1a\n\x00\xff")}
		favicon := model.ThemeImage{ContentType: "image/x-icon", Hash: "fedcba9876543210", Data: []byte{0, 0, 1, 0}}
		if err := s.SaveThemeImage(ctx, "t1", model.ThemeLogo, logo); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveThemeImage(ctx, "t1", model.ThemeFavicon, favicon); err != nil {
			t.Fatal(err)
		}
		want := th
		want.Logo = model.ThemeImage{ContentType: logo.ContentType, Hash: logo.Hash}
		want.Favicon = model.ThemeImage{ContentType: favicon.ContentType, Hash: favicon.Hash}
		if got, err := s.Theme(ctx, "t1"); err != nil || !sameTheme(got, want) {
			t.Fatalf("Theme = %+v, %v; want %+v", got, err, want)
		}
		img, err := s.ThemeImage(ctx, "t1", model.ThemeLogo)
		if err != nil || img.ContentType != logo.ContentType || img.Hash != logo.Hash || !bytes.Equal(img.Data, logo.Data) {
			t.Fatalf("ThemeImage(logo) = %+v, %v", img, err)
		}
		// Saving the name and colour keeps the images.
		th.Name, th.PrimaryColor, th.UpdatedAt = "Acme Bank", "", at(2)
		if err := s.SaveTheme(ctx, th); err != nil {
			t.Fatal(err)
		}
		want.Name, want.PrimaryColor, want.UpdatedAt = th.Name, th.PrimaryColor, th.UpdatedAt
		if got, _ := s.Theme(ctx, "t1"); !sameTheme(got, want) {
			t.Fatalf("Theme after SaveTheme = %+v; want %+v", got, want)
		}
		// Removing one image keeps the other.
		if err := s.SaveThemeImage(ctx, "t1", model.ThemeLogo, model.ThemeImage{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ThemeImage(ctx, "t1", model.ThemeLogo); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("the removed logo: %v, want not found", err)
		}
		if img, err := s.ThemeImage(ctx, "t1", model.ThemeFavicon); err != nil || !bytes.Equal(img.Data, favicon.Data) {
			t.Fatalf("the favicon after removing the logo = %+v, %v", img, err)
		}
		// Another tenant sees none of it; an unknown image kind is an error.
		if got, _ := s.Theme(ctx, "t2"); !sameTheme(got, model.Theme{TenantID: "t2"}) {
			t.Errorf("t2's theme = %+v", got)
		}
		if _, err := s.ThemeImage(ctx, "t2", model.ThemeFavicon); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("t2's favicon: %v, want not found", err)
		}
		if _, err := s.ThemeImage(ctx, "t1", "logo = '' OR 1=1 --"); err == nil || errors.Is(err, model.ErrNotFound) {
			t.Errorf("ThemeImage of no kind: %v, want an error", err)
		}
		// A theme for a tenant that does not exist is refused.
		if err := s.SaveTheme(ctx, model.Theme{TenantID: "nobody", UpdatedAt: at(3)}); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("SaveTheme for no tenant: %v, want not found", err)
		}
	})
}

func sameTheme(a, b model.Theme) bool {
	return a.TenantID == b.TenantID && a.Name == b.Name && a.PrimaryColor == b.PrimaryColor &&
		a.Logo.ContentType == b.Logo.ContentType && a.Logo.Hash == b.Logo.Hash && a.Logo.Data == nil &&
		a.Favicon.ContentType == b.Favicon.ContentType && a.Favicon.Hash == b.Favicon.Hash && a.Favicon.Data == nil &&
		a.UpdatedAt.Equal(b.UpdatedAt)
}
