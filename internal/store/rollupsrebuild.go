package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/uplift-dev/uplift/internal/devices"
	"github.com/uplift-dev/uplift/internal/model"
)

// BackfillAnalytics works out, for every stored uplift event and action,
// what the analytics count it as (the event's browser and attempt, the
// action's sign-in columns), as of the rows stored now, then recounts the
// totals from them (RecountAnalytics); nothing is left pending. Migration
// 00023 asks for it once, so that an upgraded database shows its history;
// it runs in one transaction and takes a few seconds per million rows.
func (s *Store) BackfillAnalytics(ctx context.Context) error {
	return s.InTx(ctx, func(q Queries) error { return q.backfillAnalytics(ctx) })
}

func (q Queries) backfillAnalytics(ctx context.Context) error {
	if err := q.backfillEvents(ctx); err != nil {
		return err
	}
	if err := q.backfillActions(ctx); err != nil {
		return err
	}
	if err := q.exec(ctx, "analytics backfill", nil, `DELETE FROM analytics_pending`); err != nil {
		return err
	}
	return q.recountAnalytics(ctx)
}

// RecountAnalytics folds what is pending, then replaces every analytics
// total with a count of the raw rows, as each was counted when folded:
// what the folded totals must equal.
func (s *Store) RecountAnalytics(ctx context.Context) error {
	if _, err := s.FoldAnalytics(ctx, ""); err != nil {
		return err
	}
	return s.InTx(ctx, func(q Queries) error { return q.recountAnalytics(ctx) })
}

// backfillAnalyticsIfAsked runs BackfillAnalytics when migration 00023
// asked for it and no run has finished since.
func (s *Store) backfillAnalyticsIfAsked(ctx context.Context) error {
	var asked bool
	if err := s.wdb.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM analytics_rebuild)`).Scan(&asked); err != nil {
		return fmt.Errorf("analytics backfill: %w", err)
	}
	if !asked {
		return nil
	}
	return s.InTx(ctx, func(q Queries) error {
		// Another instance may have done it meanwhile.
		res, err := q.w.ExecContext(ctx, `DELETE FROM analytics_rebuild`)
		if err != nil {
			return fmt.Errorf("analytics backfill: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return q.backfillAnalytics(ctx)
	})
}

// exec runs statements with args in order, naming what failed.
func (q Queries) exec(ctx context.Context, what string, args []any, statements ...string) error {
	for _, st := range statements {
		if _, err := q.w.ExecContext(ctx, st, args...); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return nil
}

// byParsedUserAgent reads the distinct user agents query returns and
// groups them by what name (browser or "OS\x00browser") gives.
func (q Queries) byParsedUserAgent(ctx context.Context, query string, name func(ua string) string) (map[string][]string, error) {
	rows, err := q.w.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var ua string
		if err := rows.Scan(&ua); err != nil {
			return nil, err
		}
		n := name(ua)
		out[n] = append(out[n], ua)
	}
	return out, rows.Err()
}

// inChunks calls fn with the values in slices short enough for one
// statement's parameters.
func inChunks(values []string, fn func(marks string, args []any) error, first ...any) error {
	for len(values) > 0 {
		n := min(len(values), 500)
		args := slices.Clone(first)
		marks := make([]string, n)
		for i, v := range values[:n] {
			args = append(args, v)
			marks[i] = fmt.Sprintf("$%d", len(args))
		}
		if err := fn(strings.Join(marks, ", "), args); err != nil {
			return err
		}
		values = values[n:]
	}
	return nil
}

// backfillEvents sets every uplift event's attempt and browser.
func (q Queries) backfillEvents(ctx context.Context) error {
	err := q.exec(ctx, "backfill uplift event attempts", nil, fmt.Sprintf(`UPDATE uplift_events SET attempt =
		CASE WHEN kind IN ('shown', 'accepted', 'dismissed', 'opted_out', 'failed') THEN
			(SELECT CASE WHEN COUNT(*) < 1 THEN 1 WHEN COUNT(*) > %[1]d THEN %[1]d ELSE COUNT(*) END
			FROM uplift_events s WHERE s.tenant_id = uplift_events.tenant_id AND s.user_id = uplift_events.user_id
				AND s.device_id = uplift_events.device_id AND s.kind = 'shown' AND s.at <= uplift_events.at)
		ELSE 0 END`, model.MaxPromptAttempt), `UPDATE uplift_events SET browser = ''`)
	if err != nil {
		return err
	}
	groups, err := q.byParsedUserAgent(ctx, `SELECT DISTINCT user_agent FROM devices WHERE user_agent <> ''`,
		func(ua string) string { return devices.ParseUserAgent(ua).BrowserName })
	if err != nil {
		return fmt.Errorf("backfill uplift event browsers: %w", err)
	}
	for browser, uas := range groups {
		if browser == "" {
			continue
		}
		err := inChunks(uas, func(marks string, args []any) error {
			_, err := q.w.ExecContext(ctx, `UPDATE uplift_events SET browser = $1 WHERE (tenant_id, device_id) IN
				(SELECT tenant_id, id FROM devices WHERE user_agent IN (`+marks+`))`, args...)
			return err
		}, browser)
		if err != nil {
			return fmt.Errorf("backfill uplift event browsers: %w", err)
		}
	}
	return nil
}

// fallbackAction is the condition that an action (alias a) counted as a
// sign-in is a fallback.
const fallbackAction = `a.counted = 1 AND a.counted_passkey_before = 1
	AND a.counted_method NOT IN ('', 'PASSKEY', 'SECURITY_KEY')`

// fallbackUserAgent is the user agent a fallback is counted by: the
// device's, else the action's.
const fallbackUserAgent = `COALESCE(NULLIF((SELECT d.user_agent FROM devices d
	WHERE d.tenant_id = a.tenant_id AND d.id = a.device_id), ''), a.user_agent)`

// backfillActions sets every action's counted columns as factsOf would
// now.
func (q Queries) backfillActions(ctx context.Context) error {
	has := func(cond string) string {
		return `EXISTS (SELECT 1 FROM authenticators x WHERE x.tenant_id = a.tenant_id AND x.user_id = a.user_id AND ` + cond + `)`
	}
	const email = `x.method IN ('EMAIL_OTP', 'EMAIL_MAGIC_LINK')`
	err := q.exec(ctx, "backfill counted actions", nil,
		`UPDATE actions SET counted = 0, counted_method = '', counted_passkey_before = 0, counted_saved = '', counted_aaguid = '',
			counted_passkey_kind = 0, counted_os = '', counted_browser = '', counted_held = 0`,
		`UPDATE actions SET counted = 1, counted_method = verification_method
			WHERE state = 'CHALLENGE_SUCCEEDED' OR verification_method <> ''`,
		`UPDATE actions SET counted_passkey_before = 1 WHERE counted = 1 AND EXISTS (SELECT 1 FROM passkeys p
			WHERE p.tenant_id = actions.tenant_id AND p.user_id = actions.user_id AND p.created_at < actions.created_at)`,
		`UPDATE actions SET counted_passkey_kind = COALESCE((SELECT CASE WHEN p.backup_eligible THEN 2 ELSE 1 END
			FROM passkeys p WHERE p.authenticator_id = actions.verified_authenticator_id AND p.tenant_id = actions.tenant_id), 0)
			WHERE counted = 1 AND verification_method = 'PASSKEY'`,
		`UPDATE actions SET counted_saved = (SELECT CASE
				WHEN `+has(`x.is_default AND x.method = 'SMS'`)+` THEN 'sms'
				WHEN `+has(`x.is_default AND `+email)+` THEN 'email'
				WHEN `+has(`x.method = 'SMS'`)+` THEN 'sms'
				WHEN `+has(email)+` THEN 'email'
				ELSE '' END FROM actions a WHERE a.tenant_id = actions.tenant_id AND a.idempotency_key = actions.idempotency_key)
			WHERE counted = 1 AND verification_method = 'PASSKEY'`,
		`UPDATE actions SET counted_held = 1 WHERE counted = 1 AND counted_passkey_before = 1
			AND verification_method NOT IN ('', 'PASSKEY', 'SECURITY_KEY') AND device_id <> '' AND (
			EXISTS (SELECT 1 FROM device_passkeys dp JOIN passkeys pa ON pa.authenticator_id = dp.authenticator_id
				WHERE dp.tenant_id = actions.tenant_id AND dp.device_id = actions.device_id AND pa.tenant_id = actions.tenant_id
				AND pa.user_id = actions.user_id AND dp.first_at < (actions.created_at / 86400000000 + 1) * 86400000000)
			OR EXISTS (SELECT 1 FROM device_held_passkeys h WHERE h.tenant_id = actions.tenant_id
				AND h.device_id = actions.device_id AND h.user_id = actions.user_id
				AND h.reported_at < (actions.created_at / 86400000000 + 1) * 86400000000
				AND EXISTS (SELECT 1 FROM passkeys p WHERE p.tenant_id = actions.tenant_id AND p.user_id = actions.user_id
					AND p.created_at < (actions.created_at / 86400000000 + 1) * 86400000000)))`)
	if err != nil {
		return err
	}
	// The provider of passkey sign-ins, one AAGUID at a time.
	rows, err := q.w.QueryContext(ctx, `SELECT DISTINCT aaguid FROM passkeys`)
	if err != nil {
		return fmt.Errorf("backfill counted actions: %w", err)
	}
	var aaguids [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			rows.Close()
			return fmt.Errorf("backfill counted actions: %w", err)
		}
		aaguids = append(aaguids, b)
	}
	rows.Close()
	for _, b := range aaguids {
		if aaguidText(b) == "" {
			continue
		}
		if _, err := q.w.ExecContext(ctx, `UPDATE actions SET counted_aaguid = $1
			WHERE counted = 1 AND counted_passkey_kind > 0 AND verification_method = 'PASSKEY'
			AND verified_authenticator_id IN (SELECT authenticator_id FROM passkeys WHERE aaguid = $2)`,
			aaguidText(b), b); err != nil {
			return fmt.Errorf("backfill counted actions: %w", err)
		}
	}
	// The device of fallbacks, one parsed user agent at a time.
	groups, err := q.byParsedUserAgent(ctx, `SELECT DISTINCT `+fallbackUserAgent+` FROM actions a WHERE `+fallbackAction,
		func(ua string) string {
			p := devices.ParseUserAgent(ua)
			return p.OSName + "\x00" + p.BrowserName
		})
	if err != nil {
		return fmt.Errorf("backfill fallback devices: %w", err)
	}
	for name, uas := range groups {
		os, browser, _ := strings.Cut(name, "\x00")
		if os == "" && browser == "" {
			continue
		}
		err := inChunks(uas, func(marks string, args []any) error {
			_, err := q.w.ExecContext(ctx, `UPDATE actions SET counted_os = $1, counted_browser = $2
				WHERE (tenant_id, idempotency_key) IN (SELECT a.tenant_id, a.idempotency_key FROM actions a
					WHERE `+fallbackAction+` AND `+fallbackUserAgent+` IN (`+marks+`))`, args...)
			return err
		}, os, browser)
		if err != nil {
			return fmt.Errorf("backfill fallback devices: %w", err)
		}
	}
	return nil
}

// recountAnalytics replaces the totals with counts of the rows.
func (q Queries) recountAnalytics(ctx context.Context) error {
	const day = `/ 86400000000`
	dayEnd := func(col string) string { return `((` + col + ` / 86400000000 + 1) * 86400000000)` }
	err := q.exec(ctx, "recount analytics", nil,
		`DELETE FROM analytics_events`, `DELETE FROM analytics_sign_ins`, `DELETE FROM analytics_passkeys`,
		`DELETE FROM analytics_presence_days`, `DELETE FROM analytics_presence`,
		`INSERT INTO analytics_events (tenant_id, day, kind, reason, platform, browser, action_code, variant, attempt,
			surface, n)
		SELECT tenant_id, at `+day+`, kind, reason, platform, browser, action_code, variant, attempt, surface, COUNT(*)
		FROM uplift_events
		GROUP BY tenant_id, at `+day+`, kind, reason, platform, browser, action_code, variant, attempt, surface`,
		`INSERT INTO analytics_sign_ins (tenant_id, day, method, passkey_before, saved, aaguid, passkey_kind, os, browser,
			held, n)
		SELECT tenant_id, created_at `+day+`, counted_method, counted_passkey_before, counted_saved, counted_aaguid,
			counted_passkey_kind, counted_os, counted_browser, counted_held, COUNT(*)
		FROM actions WHERE counted = 1
		GROUP BY tenant_id, created_at `+day+`, counted_method, counted_passkey_before, counted_saved,
			counted_aaguid, counted_passkey_kind, counted_os, counted_browser, counted_held`,
		// Presence: each subject's days, then their gaps, then the totals.
		`INSERT INTO analytics_presence (tenant_id, kind, user_id, device_id, day, gap, n)
		SELECT tenant_id, 'user', user_id, '', created_at `+day+`, 0, COUNT(*) FROM actions
		GROUP BY tenant_id, user_id, created_at `+day,
		`INSERT INTO analytics_presence (tenant_id, kind, user_id, device_id, day, gap, n)
		SELECT a.tenant_id, 'user_passkey', a.user_id, '', a.created_at `+day+`, 0, COUNT(*) FROM actions a
		WHERE EXISTS (SELECT 1 FROM passkeys p WHERE p.tenant_id = a.tenant_id AND p.user_id = a.user_id
			AND p.created_at < `+dayEnd("a.created_at")+`)
		GROUP BY a.tenant_id, a.user_id, a.created_at `+day,
		`INSERT INTO analytics_presence (tenant_id, kind, user_id, device_id, day, gap, n)
		SELECT tenant_id, 'device', user_id, device_id, created_at `+day+`, 0, COUNT(*) FROM actions
		WHERE device_id <> ''
		GROUP BY tenant_id, user_id, device_id, created_at `+day,
		`INSERT INTO analytics_presence (tenant_id, kind, user_id, device_id, day, gap, n)
		SELECT a.tenant_id, 'device_passkey', a.user_id, a.device_id, a.created_at `+day+`, 0, COUNT(*) FROM actions a
		WHERE a.device_id <> '' AND (
			EXISTS (SELECT 1 FROM device_passkeys dp JOIN passkeys pa ON pa.authenticator_id = dp.authenticator_id
				WHERE dp.tenant_id = a.tenant_id AND dp.device_id = a.device_id AND pa.tenant_id = a.tenant_id
				AND pa.user_id = a.user_id AND dp.first_at < `+dayEnd("a.created_at")+`)
			OR EXISTS (SELECT 1 FROM device_held_passkeys h WHERE h.tenant_id = a.tenant_id
				AND h.device_id = a.device_id AND h.user_id = a.user_id AND h.reported_at < `+dayEnd("a.created_at")+`
				AND EXISTS (SELECT 1 FROM passkeys p WHERE p.tenant_id = a.tenant_id AND p.user_id = a.user_id
					AND p.created_at < `+dayEnd("a.created_at")+`)))
		GROUP BY a.tenant_id, a.user_id, a.device_id, a.created_at `+day,
		`INSERT INTO analytics_presence (tenant_id, kind, user_id, device_id, day, gap, n)
		SELECT tenant_id, 'passkey_user', user_id, '', created_at `+day+`, 0, COUNT(*) FROM actions
		WHERE counted = 1 AND counted_passkey_before = 1
		GROUP BY tenant_id, user_id, created_at `+day,
		`INSERT INTO analytics_presence (tenant_id, kind, user_id, device_id, day, gap, n)
		SELECT a.tenant_id, 'fallback_user', a.user_id, '', a.created_at `+day+`, 0, COUNT(*) FROM actions a
		WHERE `+fallbackAction+`
		GROUP BY a.tenant_id, a.user_id, a.created_at `+day,
		fmt.Sprintf(`UPDATE analytics_presence SET gap = COALESCE((SELECT
				CASE WHEN analytics_presence.day - MAX(p.day) >= %[1]d THEN %[1]d ELSE analytics_presence.day - MAX(p.day) END
			FROM analytics_presence p WHERE p.tenant_id = analytics_presence.tenant_id AND p.kind = analytics_presence.kind
				AND p.user_id = analytics_presence.user_id AND p.device_id = analytics_presence.device_id
				AND p.day < analytics_presence.day), %[1]d)`, presenceGapCap),
		`INSERT INTO analytics_presence_days (tenant_id, kind, day, gap, n)
		SELECT tenant_id, kind, day, gap, COUNT(*) FROM analytics_presence GROUP BY tenant_id, kind, day, gap`)
	if err != nil {
		return err
	}
	// Passkeys created, by provider: the AAGUID's text is made here.
	rows, err := q.w.QueryContext(ctx, `SELECT tenant_id, created_at `+day+`, aaguid,
		CASE WHEN backup_eligible THEN 1 ELSE 0 END, COUNT(*) FROM passkeys
		GROUP BY tenant_id, created_at `+day+`, aaguid, CASE WHEN backup_eligible THEN 1 ELSE 0 END`)
	if err != nil {
		return fmt.Errorf("recount passkeys: %w", err)
	}
	type group struct {
		tenant    string
		day       int64
		aaguid    string
		synced, n int64
	}
	var groups []group
	for rows.Next() {
		var g group
		var b []byte
		if err := rows.Scan(&g.tenant, &g.day, &b, &g.synced, &g.n); err != nil {
			rows.Close()
			return fmt.Errorf("recount passkeys: %w", err)
		}
		g.aaguid = aaguidText(b)
		groups = append(groups, g)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return fmt.Errorf("recount passkeys: %w", err)
	}
	rows.Close()
	for _, g := range groups {
		if _, err := q.w.ExecContext(ctx, `INSERT INTO analytics_passkeys (tenant_id, day, aaguid, synced, n)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (tenant_id, day, aaguid, synced) DO UPDATE SET n = analytics_passkeys.n + excluded.n`,
			g.tenant, g.day, g.aaguid, g.synced, g.n); err != nil {
			return fmt.Errorf("recount passkeys: %w", err)
		}
	}
	return nil
}
