package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// SaveProviderNames stores passkey provider names by AAGUID, replacing
// those already stored for the same AAGUIDs. Run it inside InTx.
func (q Queries) SaveProviderNames(ctx context.Context, names []model.ProviderName, at time.Time) error {
	for _, n := range names {
		_, err := q.w.ExecContext(ctx, `INSERT INTO passkey_provider_names (aaguid, name, svg_icon_light, svg_icon_dark, updated_at)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (aaguid) DO UPDATE SET name = excluded.name, svg_icon_light = excluded.svg_icon_light,
				svg_icon_dark = excluded.svg_icon_dark, updated_at = excluded.updated_at`,
			n.AAGUID, n.Name, n.SVGIconLight, n.SVGIconDark, micros(at))
		if err != nil {
			return fmt.Errorf("save provider name: %w", err)
		}
	}
	return nil
}

// ProviderName returns the provider name stored for an AAGUID, in its
// canonical lower-case UUID form.
func (q Queries) ProviderName(ctx context.Context, aaguid string) (model.ProviderName, error) {
	n := model.ProviderName{AAGUID: aaguid}
	err := q.r.QueryRowContext(ctx, `SELECT name, svg_icon_light, svg_icon_dark FROM passkey_provider_names
		WHERE aaguid = $1`, aaguid).Scan(&n.Name, &n.SVGIconLight, &n.SVGIconDark)
	return n, notFound(err, "no provider name for this AAGUID")
}

// ProviderNameCount reports how many provider names are stored.
func (q Queries) ProviderNameCount(ctx context.Context) (int, error) {
	var n int
	err := q.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM passkey_provider_names`).Scan(&n)
	return n, err
}

// DeleteProviderNames drops every stored provider name and reports how
// many there were.
func (q Queries) DeleteProviderNames(ctx context.Context) (int64, error) {
	res, err := q.w.ExecContext(ctx, `DELETE FROM passkey_provider_names`)
	if err != nil {
		return 0, fmt.Errorf("delete provider names: %w", err)
	}
	return res.RowsAffected()
}
