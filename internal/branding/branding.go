// Package branding holds each tenant's theme: the display name, brand
// colour, logo and favicon of its hosted pages and emails. It checks what
// an admin sets (a colour white text can be read on, images of an
// accepted type and size, never SVG), keeps the images in the database
// and says where Uplift serves them, and writes the theme's stylesheet
// of CSS custom properties, with the colour adapted to dark mode.
package branding

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// PathPrefix is where the hosted pages serve a tenant's theme: its
// stylesheet, logo and favicon, under /login/brand/{tenantId}/.
const PathPrefix = "/login/brand/"

// MaxName is the longest display name, in characters.
const MaxName = 64

// DefaultCacheTTL is how long a theme is used as read before it is read
// again; a change made through this instance shows at once, one made
// through another within this long.
const DefaultCacheTTL = 5 * time.Second

// cacheSize bounds the cache; a full cache starts over.
const cacheSize = 10000

// Service holds the tenants' themes.
type Service struct {
	store     Store
	log       *slog.Logger
	now       func() time.Time
	publicURL string
	ttl       time.Duration

	mu sync.Mutex
	// gen counts changes, so that a theme read before one is not cached
	// after it.
	gen   uint64
	cache map[string]cachedTheme
}

type cachedTheme struct {
	theme  model.Theme
	readAt time.Time
}

// Options configures the service.
type Options struct {
	Store Store
	Log   *slog.Logger
	Now   func() time.Time
	// PublicURL is the server's public base URL: the images' absolute URLs
	// (in emails and the Management API) start with it.
	PublicURL string
	// CacheTTL is how long a theme is used as read: 0 means
	// DefaultCacheTTL, less than 0 reads it on every use.
	CacheTTL time.Duration
}

// New returns the service o describes.
func New(o Options) *Service {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CacheTTL == 0 {
		o.CacheTTL = DefaultCacheTTL
	}
	return &Service{store: o.Store, log: o.Log, now: o.Now, publicURL: strings.TrimRight(o.PublicURL, "/"),
		ttl: o.CacheTTL, cache: map[string]cachedTheme{}}
}

// Theme returns the tenant's theme without the images' bytes, from the
// cache while it is fresh.
func (s *Service) Theme(ctx context.Context, tenantID string) (model.Theme, error) {
	now := s.now()
	s.mu.Lock()
	e, ok := s.cache[tenantID]
	gen := s.gen
	s.mu.Unlock()
	if age := now.Sub(e.readAt); ok && age >= 0 && age < s.ttl {
		return e.theme, nil
	}
	th, err := s.store.Theme(ctx, tenantID)
	if err != nil {
		return model.Theme{TenantID: tenantID}, err
	}
	if s.ttl > 0 {
		s.mu.Lock()
		if gen == s.gen {
			if len(s.cache) >= cacheSize {
				clear(s.cache)
			}
			s.cache[tenantID] = cachedTheme{theme: th, readAt: now}
		}
		s.mu.Unlock()
	}
	return th, nil
}

// ThemeOrDefault returns the tenant's theme, or Uplift's own look when it
// cannot be read (logged): a page or an email is never refused for its
// branding.
func (s *Service) ThemeOrDefault(ctx context.Context, tenantID string) model.Theme {
	th, err := s.Theme(ctx, tenantID)
	if err != nil {
		s.log.WarnContext(ctx, "theme not read; using the default look", "tenant", tenantID, "err", err)
		return model.Theme{TenantID: tenantID}
	}
	return th
}

// Image returns one image of the tenant's theme with its bytes, or an
// ErrNotFound error when there is none.
func (s *Service) Image(ctx context.Context, tenantID string, kind model.ThemeImageKind) (model.ThemeImage, error) {
	if _, ok := imageRules[kind]; !ok {
		return model.ThemeImage{}, model.NotFound("no such image")
	}
	return s.store.ThemeImage(ctx, tenantID, kind)
}

// Change is an edit of a theme: nil fields stay as they are.
type Change struct {
	// Name is the display name; "" returns to the default.
	Name *string
	// PrimaryColor is the brand colour as #rrggbb; "" returns to
	// Uplift's own.
	PrimaryColor *string
	// Logo and Favicon replace an image; RemoveLogo and RemoveFavicon
	// remove one (an upload in the same change wins).
	Logo, Favicon             *Upload
	RemoveLogo, RemoveFavicon bool
}

// Update applies ch to the tenant's theme and returns the theme. Every
// field is checked before anything is stored: a change with one bad
// field stores nothing. Errors are ErrInvalid and start with the field's
// name as the Management API spells it (name, primaryColor, logo,
// favicon).
func (s *Service) Update(ctx context.Context, tenantID string, ch Change) (model.Theme, error) {
	var name, colour string
	var logo, favicon model.ThemeImage
	var err error
	if ch.Name != nil {
		name = strings.TrimSpace(*ch.Name)
		if p := (model.TextRule{Max: MaxName}).Problem(name); p != "" {
			return model.Theme{}, model.Invalid("name %s", p)
		}
	}
	if ch.PrimaryColor != nil && strings.TrimSpace(*ch.PrimaryColor) != "" {
		if colour, err = CheckPrimaryColor(*ch.PrimaryColor); err != nil {
			return model.Theme{}, err
		}
	}
	if ch.Logo != nil {
		if logo, err = CheckImage(model.ThemeLogo, *ch.Logo); err != nil {
			return model.Theme{}, err
		}
	}
	if ch.Favicon != nil {
		if favicon, err = CheckImage(model.ThemeFavicon, *ch.Favicon); err != nil {
			return model.Theme{}, err
		}
	}
	var th model.Theme
	err = s.store.InTx(ctx, func(q Queries) error {
		var err error
		if th, err = q.Theme(ctx, tenantID); err != nil {
			return err
		}
		th.TenantID, th.UpdatedAt = tenantID, s.now()
		if ch.Name != nil {
			th.Name = name
		}
		if ch.PrimaryColor != nil {
			th.PrimaryColor = colour
		}
		if err := q.SaveTheme(ctx, th); err != nil {
			return err
		}
		for _, img := range []struct {
			kind   model.ThemeImageKind
			upload *Upload
			remove bool
			new    model.ThemeImage
			dst    *model.ThemeImage
		}{
			{model.ThemeLogo, ch.Logo, ch.RemoveLogo, logo, &th.Logo},
			{model.ThemeFavicon, ch.Favicon, ch.RemoveFavicon, favicon, &th.Favicon},
		} {
			if img.upload == nil && !img.remove {
				continue
			}
			if err := q.SaveThemeImage(ctx, tenantID, img.kind, img.new); err != nil {
				return err
			}
			*img.dst = model.ThemeImage{ContentType: img.new.ContentType, Hash: img.new.Hash}
		}
		return nil
	})
	if err != nil {
		return model.Theme{}, err
	}
	s.forget(tenantID)
	s.log.InfoContext(ctx, "theme changed", "tenant", tenantID)
	return th, nil
}

// forget drops the cached theme of a tenant.
func (s *Service) forget(tenantID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	delete(s.cache, tenantID)
}

// ImagePath is the path Uplift serves one of a theme's images at,
// versioned by its hash so that a new image is never taken from an old
// cache; "" when the theme has none.
func ImagePath(th model.Theme, kind model.ThemeImageKind) string {
	img := th.Logo
	if kind == model.ThemeFavicon {
		img = th.Favicon
	}
	if !img.Set() {
		return ""
	}
	return PathPrefix + th.TenantID + "/" + string(kind) + "?v=" + img.Hash
}

// ImageURL is ImagePath as an absolute URL at the public URL, for emails
// and the Management API; "" when the theme has no such image.
func (s *Service) ImageURL(th model.Theme, kind model.ThemeImageKind) string {
	p := ImagePath(th, kind)
	if p == "" {
		return ""
	}
	return s.publicURL + p
}

// StylesheetPath is the path of the theme's stylesheet, versioned by its
// content; "" when the theme has no colour (the pages' own stylesheet is
// then all there is).
func StylesheetPath(th model.Theme) string {
	if th.PrimaryColor == "" {
		return ""
	}
	return PathPrefix + th.TenantID + "/theme.css?v=" + StylesheetVersion(th)
}

// StylesheetVersion is a hash of the theme's stylesheet.
func StylesheetVersion(th model.Theme) string {
	sum := sha256.Sum256(Stylesheet(th))
	return hex.EncodeToString(sum[:6])
}

//go:embed favicon.png
var defaultFavicon []byte

// DefaultFavicon is Uplift's own favicon, a PNG: pages without a tenant's
// favicon show it.
func DefaultFavicon() []byte { return defaultFavicon }
