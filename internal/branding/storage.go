package branding

import (
	"context"

	"github.com/uplift-dev/uplift/internal/model"
)

// Queries is what branding reads and writes in the store, inside a
// transaction or not.
type Queries interface {
	// Theme returns the tenant's theme without the images' bytes; a
	// tenant that never set one has the zero Theme (with its TenantID).
	Theme(ctx context.Context, tenantID string) (model.Theme, error)
	// ThemeImage returns one image of the tenant's theme with its bytes,
	// or an ErrNotFound error when there is none.
	ThemeImage(ctx context.Context, tenantID string, kind model.ThemeImageKind) (model.ThemeImage, error)
	// SaveTheme stores the theme's name, colour and time, keeping its
	// images.
	SaveTheme(ctx context.Context, th model.Theme) error
	// SaveThemeImage replaces one image of a saved theme; a zero image
	// removes it.
	SaveThemeImage(ctx context.Context, tenantID string, kind model.ThemeImageKind, img model.ThemeImage) error
}

// Store is the store outside a transaction: InTx runs fn inside one and
// commits when it returns nil.
type Store interface {
	Queries
	InTx(ctx context.Context, fn func(q Queries) error) error
}
