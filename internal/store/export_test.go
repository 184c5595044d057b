package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// AnalyticsTotals lists every row of the analytics totals that counts
// something, one text line each, in a fixed order: what RecountAnalytics
// must leave as it found. A presence day of the kinds that never lose
// their count shows n as 1 (present), since a recount counts its actions
// while the writes counted what marked it.
func (s *Store) AnalyticsTotals(ctx context.Context) ([]string, error) {
	var out []string
	for _, query := range []string{
		`SELECT 'event', tenant_id, day, kind, reason, platform, browser, action_code, variant, attempt, surface, n
			FROM analytics_events WHERE n <> 0`,
		`SELECT 'sign-in', tenant_id, day, method, passkey_before, saved, aaguid, passkey_kind, os, browser, held, n
			FROM analytics_sign_ins WHERE n <> 0`,
		`SELECT 'passkeys', tenant_id, day, aaguid, synced, n FROM analytics_passkeys WHERE n <> 0`,
		`SELECT 'presence', tenant_id, kind, user_id, device_id, day, gap,
			CASE WHEN kind IN ('passkey_user', 'fallback_user') THEN n ELSE 1 END FROM analytics_presence`,
		`SELECT 'presence days', tenant_id, kind, day, gap, n FROM analytics_presence_days WHERE n <> 0`,
	} {
		rows, err := s.wdb.QueryContext(ctx, query)
		if err != nil {
			return nil, err
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, err
			}
			parts := make([]string, len(vals))
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				parts[i] = fmt.Sprint(v)
			}
			lines = append(lines, strings.Join(parts, " | "))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		slices.Sort(lines)
		out = append(out, lines...)
	}
	return out, nil
}

// ForgetAnalytics makes the database look as it did before migration
// 00023 had counted anything: no totals, no counted columns, and the
// backfill asked for.
func (s *Store) ForgetAnalytics(ctx context.Context) error {
	return s.InTx(ctx, func(q Queries) error {
		return q.exec(ctx, "forget analytics", nil,
			`DELETE FROM analytics_events`, `DELETE FROM analytics_sign_ins`, `DELETE FROM analytics_passkeys`,
			`DELETE FROM analytics_presence_days`, `DELETE FROM analytics_presence`,
			`UPDATE uplift_events SET browser = '', attempt = 0`,
			`UPDATE actions SET counted = 0, counted_method = '', counted_passkey_before = 0, counted_saved = '', counted_aaguid = '',
				counted_passkey_kind = 0, counted_os = '', counted_browser = '', counted_held = 0`,
			`INSERT INTO analytics_rebuild (id) VALUES (1)`)
	})
}

// ForgetAnalyticsTotalsOnly deletes the totals without asking for a
// backfill.
func (s *Store) ForgetAnalyticsTotalsOnly(ctx context.Context) error {
	return s.InTx(ctx, func(q Queries) error {
		return q.exec(ctx, "forget analytics", nil, `DELETE FROM analytics_events`, `DELETE FROM analytics_sign_ins`,
			`DELETE FROM analytics_passkeys`, `DELETE FROM analytics_presence_days`, `DELETE FROM analytics_presence`)
	})
}
