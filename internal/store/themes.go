package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/uplift-dev/uplift/internal/model"
)

// Theme returns the tenant's theme without the images' bytes; the zero
// Theme (with its TenantID) when none was saved.
func (q Queries) Theme(ctx context.Context, tenantID string) (model.Theme, error) {
	th := model.Theme{TenantID: tenantID}
	var updated int64
	err := q.r.QueryRowContext(ctx, `SELECT display_name, primary_color, logo_type, logo_hash,
		favicon_type, favicon_hash, updated_at FROM tenant_themes WHERE tenant_id = $1`, tenantID).
		Scan(&th.Name, &th.PrimaryColor, &th.Logo.ContentType, &th.Logo.Hash,
			&th.Favicon.ContentType, &th.Favicon.Hash, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return th, nil
	}
	if err != nil {
		return th, fmt.Errorf("theme: %w", err)
	}
	th.UpdatedAt = fromMicros(updated)
	return th, nil
}

// themeImageColumns names the columns of one image of a theme: never
// text from a request.
func themeImageColumns(kind model.ThemeImageKind) (data, ctype, hash string, err error) {
	switch kind {
	case model.ThemeLogo:
		return "logo", "logo_type", "logo_hash", nil
	case model.ThemeFavicon:
		return "favicon", "favicon_type", "favicon_hash", nil
	}
	return "", "", "", fmt.Errorf("theme image %q: no such image", kind)
}

// ThemeImage returns one image of the tenant's theme with its bytes, or
// an ErrNotFound error when there is none.
func (q Queries) ThemeImage(ctx context.Context, tenantID string, kind model.ThemeImageKind) (model.ThemeImage, error) {
	data, ctype, hash, err := themeImageColumns(kind)
	if err != nil {
		return model.ThemeImage{}, err
	}
	var img model.ThemeImage
	err = q.r.QueryRowContext(ctx, `SELECT `+data+`, `+ctype+`, `+hash+` FROM tenant_themes
		WHERE tenant_id = $1 AND `+hash+` <> ''`, tenantID).Scan(&img.Data, &img.ContentType, &img.Hash)
	if err != nil {
		return img, notFound(err, "the theme has no %s", kind)
	}
	return img, nil
}

// SaveTheme stores the theme's name, colour and time, keeping its images.
func (q Queries) SaveTheme(ctx context.Context, th model.Theme) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO tenant_themes (tenant_id, display_name, primary_color, updated_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant_id) DO UPDATE SET display_name = excluded.display_name,
			primary_color = excluded.primary_color, updated_at = excluded.updated_at`,
		th.TenantID, th.Name, th.PrimaryColor, micros(th.UpdatedAt))
	if err != nil {
		return classify(err, "theme")
	}
	return nil
}

// SaveThemeImage replaces one image of a saved theme; a zero image
// removes it.
func (q Queries) SaveThemeImage(ctx context.Context, tenantID string, kind model.ThemeImageKind, img model.ThemeImage) error {
	data, ctype, hash, err := themeImageColumns(kind)
	if err != nil {
		return err
	}
	var bytes any // NULL for no image
	if img.Set() {
		bytes = img.Data
	}
	res, err := q.w.ExecContext(ctx, `UPDATE tenant_themes SET `+data+` = $2, `+ctype+` = $3, `+hash+` = $4
		WHERE tenant_id = $1`, tenantID, bytes, img.ContentType, img.Hash)
	if err != nil {
		return fmt.Errorf("save theme %s: %w", kind, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("the tenant has no theme")
	}
	return nil
}
