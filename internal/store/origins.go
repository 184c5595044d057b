package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// OriginKnown reports whether any tenant lists origin (a normalised
// scheme://host[:port]) among its expected origins. Browsers send CORS
// preflights without credentials, so this is all a preflight can check.
func (q Queries) OriginKnown(ctx context.Context, origin string) (bool, error) {
	quoted, err := json.Marshal(origin)
	if err != nil {
		return false, err
	}
	rows, err := q.r.QueryContext(ctx, `SELECT origins FROM tenants WHERE origins LIKE $1`,
		"%"+string(quoted)+"%")
	if err != nil {
		return false, fmt.Errorf("look up origin: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			return false, err
		}
		var origins []string
		if err := fromJSON(text, &origins); err != nil {
			return false, err
		}
		for _, o := range origins {
			if o == origin {
				return true, nil
			}
		}
	}
	return false, rows.Err()
}
