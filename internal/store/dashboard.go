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

// The adoption dashboard's queries. Each reads one tenant's daily totals
// of one period (rollups.go), so the answer costs a row per day and group
// however many rows the tenant has. Days are UTC days: a stored time in
// microseconds divided by microsPerDay (integer division on both
// databases); periods are whole days.

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
	lo, hi := dayNumber(from), dayNumber(to)

	// Active users, and those with a passkey by the day's end: the
	// presence totals of each day.
	rows, err := q.r.QueryContext(ctx, `SELECT day, kind, SUM(n) FROM analytics_presence_days
		WHERE tenant_id = $1 AND kind IN ('user', 'user_passkey') AND day >= $2 AND day < $3
		GROUP BY day, kind`, tenantID, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("active users by day: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n, count int64
		var kind string
		if err := rows.Scan(&n, &kind, &count); err != nil {
			return nil, fmt.Errorf("active users by day: %w", err)
		}
		if count == 0 {
			continue
		}
		d := day(n)
		if kind == presenceUser {
			d.ActiveUsers = int(count)
		} else {
			d.ActiveUsersWithPasskey = int(count)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("active users by day: %w", err)
	}
	rows.Close()

	rows, err = q.r.QueryContext(ctx, `SELECT day, SUM(n), SUM(CASE WHEN method = $4 THEN n ELSE 0 END)
		FROM analytics_sign_ins WHERE tenant_id = $1 AND day >= $2 AND day < $3
		GROUP BY day`, tenantID, lo, hi, string(model.MethodPasskey))
	if err != nil {
		return nil, fmt.Errorf("sign-ins by day: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n, signIns, passkey int64
		if err := rows.Scan(&n, &signIns, &passkey); err != nil {
			return nil, fmt.Errorf("sign-ins by day: %w", err)
		}
		if signIns == 0 {
			continue
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
	rows, err := q.r.QueryContext(ctx, `SELECT kind, reason, platform, SUM(n) FROM analytics_events
		WHERE tenant_id = $1 AND day >= $2 AND day < $3
		GROUP BY kind, reason, platform HAVING SUM(n) <> 0`, tenantID, dayNumber(from), dayNumber(to))
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
