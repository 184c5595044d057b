package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// The adoption dashboard's queries. Each reads one tenant's rows of one
// period through the (tenant_id, time) indexes and aggregates in SQL, so
// the answer is a row per day or per group however many rows the tenant
// has. Days are UTC days: a stored time in microseconds divided by
// microsPerDay (integer division on both databases).

// microsPerDay is the length of a UTC day in stored time units.
const microsPerDay = 86_400_000_000

// AdoptionByDay returns the tenant's adoption figures by UTC day for the
// actions created from from up to (not including) to, oldest day first,
// leaving out days without actions. Pass midnights for whole days.
func (q Queries) AdoptionByDay(ctx context.Context, tenantID string, from, to time.Time) ([]model.AdoptionDay, error) {
	byDay := map[int64]*model.AdoptionDay{}
	var order []int64
	day := func(n int64) *model.AdoptionDay {
		if d, ok := byDay[n]; ok {
			return d
		}
		d := &model.AdoptionDay{Day: time.UnixMicro(n * microsPerDay).UTC()}
		byDay[n] = d
		order = append(order, n)
		return d
	}
	lo, hi := micros(from), micros(to)

	// Active users: the distinct (day, user) pairs of the period's actions,
	// each checked against the user's passkeys (an index lookup per pair).
	rows, err := q.r.QueryContext(ctx, `SELECT d.day, COUNT(*),
		SUM(CASE WHEN EXISTS (SELECT 1 FROM passkeys p WHERE p.tenant_id = $1 AND p.user_id = d.user_id
			AND p.created_at < (d.day + 1) * 86400000000) THEN 1 ELSE 0 END)
		FROM (SELECT DISTINCT created_at / 86400000000 AS day, user_id FROM actions
			WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3) d
		GROUP BY d.day ORDER BY d.day`, tenantID, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("active users by day: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n, active, withPasskey int64
		if err := rows.Scan(&n, &active, &withPasskey); err != nil {
			return nil, fmt.Errorf("active users by day: %w", err)
		}
		d := day(n)
		d.ActiveUsers, d.ActiveUsersWithPasskey = int(active), int(withPasskey)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("active users by day: %w", err)
	}
	rows.Close()

	rows, err = q.r.QueryContext(ctx, `SELECT created_at / 86400000000 AS day, COUNT(*),
		SUM(CASE WHEN verification_method = $4 THEN 1 ELSE 0 END)
		FROM actions
		WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3
			AND (state = $5 OR verification_method <> '')
		GROUP BY created_at / 86400000000 ORDER BY day`,
		tenantID, lo, hi, string(model.MethodPasskey), string(model.StateChallengeSucceeded))
	if err != nil {
		return nil, fmt.Errorf("sign-ins by day: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n, signIns, passkey int64
		if err := rows.Scan(&n, &signIns, &passkey); err != nil {
			return nil, fmt.Errorf("sign-ins by day: %w", err)
		}
		d := day(n)
		d.SignIns, d.PasskeySignIns = int(signIns), int(passkey)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sign-ins by day: %w", err)
	}
	slices.Sort(order) // a day with a sign-in has an active user, but keep the order regardless
	out := make([]model.AdoptionDay, 0, len(order))
	for _, n := range order {
		out = append(out, *byDay[n])
	}
	return out, nil
}

// UpliftEventCounts counts the tenant's uplift events from from up to
// (not including) to, by kind, reason and platform, sorted by those.
func (q Queries) UpliftEventCounts(ctx context.Context, tenantID string, from, to time.Time) ([]model.UpliftEventCount, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT kind, reason, platform, COUNT(*) FROM uplift_events
		WHERE tenant_id = $1 AND at >= $2 AND at < $3
		GROUP BY kind, reason, platform`, tenantID, micros(from), micros(to))
	if err != nil {
		return nil, fmt.Errorf("count uplift events: %w", err)
	}
	defer rows.Close()
	var out []model.UpliftEventCount
	for rows.Next() {
		var c model.UpliftEventCount
		var kind string
		var n int64
		if err := rows.Scan(&kind, &c.Reason, &c.Platform, &n); err != nil {
			return nil, fmt.Errorf("count uplift events: %w", err)
		}
		c.Kind, c.Count = model.UpliftEventKind(kind), int(n)
		out = append(out, c)
	}
	// Sorted here, not in SQL, so that both databases give the same order
	// whatever their collation.
	slices.SortFunc(out, func(a, b model.UpliftEventCount) int {
		return cmp.Or(strings.Compare(string(a.Kind), string(b.Kind)), strings.Compare(a.Reason, b.Reason),
			strings.Compare(a.Platform, b.Platform))
	})
	return out, rows.Err()
}
