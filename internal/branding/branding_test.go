package branding_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/branding"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/testclock"
)

// newService returns the branding service over a new SQLite store with
// tenants t1 and t2, and its clock.
func newService(t *testing.T) (*branding.Service, *testclock.Clock) {
	t.Helper()
	st, err := store.Open(t.Context(), "sqlite://"+filepath.Join(t.TempDir(), "uplift.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	clock := testclock.New(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	for _, id := range []string{"t1", "t2"} {
		if err := st.CreateTenant(t.Context(), model.Tenant{ID: id, Name: id, RPID: "example.com", RPName: "Example",
			TokenKey: []byte("k"), CreatedAt: clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	svc := branding.New(branding.Options{Store: store.Bind[branding.Queries](st), Now: clock.Now,
		PublicURL: "https://id.example.com/", CacheTTL: time.Hour})
	return svc, clock
}

func ptr[T any](v T) *T { return &v }

func TestUpdateAndRead(t *testing.T) {
	svc, clock := newService(t)
	ctx := t.Context()
	th, err := svc.Theme(ctx, "t1")
	if err != nil || th.Name != "" || th.PrimaryColor != "" || th.Logo.Set() || th.Favicon.Set() {
		t.Fatalf("Theme before any = %+v, %v; want the default", th, err)
	}
	logo, favicon := pngImage(t, 200, 50), icoImage(t, 32)
	th, err = svc.Update(ctx, "t1", branding.Change{Name: ptr("  Acme Bank "), PrimaryColor: ptr("#0B6E4F"),
		Logo: &branding.Upload{ContentType: "image/png", Data: logo}, Favicon: &branding.Upload{ContentType: "image/x-icon", Data: favicon}})
	if err != nil {
		t.Fatal(err)
	}
	if th.Name != "Acme Bank" || th.PrimaryColor != "#0b6e4f" || th.Logo.ContentType != "image/png" || th.Favicon.ContentType != "image/x-icon" ||
		!th.UpdatedAt.Equal(clock.Now()) || th.Logo.Data != nil {
		t.Fatalf("Update = %+v", th)
	}
	// The cache was told: the new theme shows at once.
	if got, _ := svc.Theme(ctx, "t1"); got.Name != "Acme Bank" || got.Logo.Hash != th.Logo.Hash {
		t.Fatalf("Theme after Update = %+v", got)
	}
	img, err := svc.Image(ctx, "t1", model.ThemeLogo)
	if err != nil || !bytes.Equal(img.Data, logo) || img.ContentType != "image/png" || img.Hash != th.Logo.Hash {
		t.Fatalf("Image(logo) = %s %s %d bytes, %v", img.ContentType, img.Hash, len(img.Data), err)
	}
	if u := svc.ImageURL(th, model.ThemeLogo); u != "https://id.example.com/login/brand/t1/logo?v="+th.Logo.Hash {
		t.Errorf("ImageURL = %q", u)
	}
	// The other tenant has nothing of it.
	if other, _ := svc.Theme(ctx, "t2"); other.Name != "" || other.Logo.Set() {
		t.Errorf("t2's theme = %+v", other)
	}
	if _, err := svc.Image(ctx, "t2", model.ThemeLogo); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("t2's logo: %v, want not found", err)
	}
	if _, err := svc.Image(ctx, "t1", "theme.css"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("an image that is no kind: %v, want not found", err)
	}

	// A change with one bad field stores nothing of the others.
	_, err = svc.Update(ctx, "t1", branding.Change{Name: ptr("Other"), PrimaryColor: ptr("#ffcc00"),
		Logo: &branding.Upload{ContentType: "image/png", Data: pngImage(t, 100, 100)}})
	if !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), "contrast") {
		t.Fatalf("Update with a light colour: %v", err)
	}
	_, err = svc.Update(ctx, "t1", branding.Change{Name: ptr("Other"), Logo: &branding.Upload{ContentType: "image/svg+xml", Data: []byte(svgWithScript)}})
	if !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("Update with an SVG logo: %v", err)
	}
	_, err = svc.Update(ctx, "t1", branding.Change{Name: ptr("Bad\x00name")})
	if !errors.Is(err, model.ErrInvalid) || !strings.HasPrefix(err.Error(), "invalid_request: name") {
		t.Fatalf("Update with a NUL in the name: %v", err)
	}
	_, err = svc.Update(ctx, "t1", branding.Change{Name: ptr(strings.Repeat("n", branding.MaxName+1))})
	if !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("Update with a long name: %v", err)
	}
	if got, _ := svc.Theme(ctx, "t1"); got.Name != "Acme Bank" || got.PrimaryColor != "#0b6e4f" || got.Logo.Hash != th.Logo.Hash {
		t.Fatalf("Theme after refused updates = %+v; want it unchanged", got)
	}

	// Fields left out stay; empty text returns to the default; removing
	// an image removes it.
	clock.Advance(time.Minute)
	th2, err := svc.Update(ctx, "t1", branding.Change{PrimaryColor: ptr(""), RemoveLogo: true})
	if err != nil || th2.Name != "Acme Bank" || th2.PrimaryColor != "" || th2.Logo.Set() || th2.Favicon.Hash != th.Favicon.Hash {
		t.Fatalf("Update removing = %+v, %v", th2, err)
	}
	if _, err := svc.Image(ctx, "t1", model.ThemeLogo); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("the removed logo: %v, want not found", err)
	}
	if fav, err := svc.Image(ctx, "t1", model.ThemeFavicon); err != nil || !bytes.Equal(fav.Data, favicon) {
		t.Errorf("the favicon after removing the logo: %v", err)
	}
}

// ThemeOrDefault never fails: a tenant's pages and emails keep working
// when the theme cannot be read.
func TestThemeOrDefault(t *testing.T) {
	st, err := store.Open(t.Context(), "sqlite://"+filepath.Join(t.TempDir(), "uplift.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	st.Close()
	svc := branding.New(branding.Options{Store: store.Bind[branding.Queries](st)})
	if _, err := svc.Theme(t.Context(), "t1"); err == nil {
		t.Fatal("Theme on a closed store did not fail")
	}
	if th := svc.ThemeOrDefault(t.Context(), "t1"); th.TenantID != "t1" || th.Name != "" || th.PrimaryColor != "" {
		t.Errorf("ThemeOrDefault on a closed store = %+v", th)
	}
}
