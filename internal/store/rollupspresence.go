package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// Presence: the days a subject (a user, or a user on a device) was
// present, kept so that any period's distinct subjects are a sum over its
// days. Each present day stores its gap, the days since the subject's
// previous present day of the same kind; analytics_presence_days counts
// the present days by kind, day and gap. A subject is present in the
// period from day F to day T exactly when one of its days d in F..T has a
// gap greater than d - F (its first day in the period), so the count is
// one SUM over at most (T - F + 1) × gaps rows.

// presenceGapCap caps a presence day's gap: the days since the subject's
// previous day of that kind, or this when there is none as recent. A
// period of at most maxPresencePeriod days counts the subjects present on
// one of its days d whose gap exceeds d - first day; every gap of this
// cap or more does.
const presenceGapCap = 400

// maxPresencePeriod is the longest period the presence totals answer.
const maxPresencePeriod = presenceGapCap - 1

// Presence kinds.
const (
	presenceUser          = "user"
	presenceUserPasskey   = "user_passkey"
	presenceDevice        = "device"
	presenceDevicePasskey = "device_passkey"
	presencePasskeyUser   = "passkey_user"
	presenceFallbackUser  = "fallback_user"
)

// presenceMark adds delta to one subject's day of one kind.
type presenceMark struct {
	kind, userID, deviceID string
	day, delta             int64
}

// markPresence adds each mark to its subject's day, and for each day that
// became present or absent keeps the gaps and gathers the day totals. It
// returns the marks whose day became present. The marks go in one
// statement as one JSON array, so that its text is the same for any
// number of them and is prepared once; the marks of days already present
// that keep no count are left out before their gaps are worked out (by a
// scalar lookup of the primary key per mark: PostgreSQL would answer a
// NOT EXISTS there by hashing every presence row of the tenant).
func (f *fold) markPresence(ctx context.Context, tenantID string, marks ...presenceMark) ([]presenceMark, error) {
	marks = mergeMarks(marks)
	if len(marks) == 0 {
		return nil, nil
	}
	q := f.q
	list := make([]markJSON, len(marks))
	delta := make(map[presenceMark]int64, len(marks)) // by the mark with delta 0
	for i, m := range marks {
		list[i] = markJSON{m.kind, m.userID, m.deviceID, m.day, m.delta}
		delta[presenceMark{m.kind, m.userID, m.deviceID, m.day, 0}] = m.delta
	}
	table := q.jsonTable(2, "kind text", "user_id text", "device_id text", "day bigint", "delta bigint")
	res, err := q.w.QueryContext(ctx, fmt.Sprintf(`INSERT INTO analytics_presence (tenant_id, kind, user_id, device_id, day, gap, n)
		SELECT $1, m.kind, m.user_id, m.device_id, m.day,
			COALESCE((SELECT CASE WHEN m.day - MAX(p.day) >= %[1]d THEN %[1]d ELSE m.day - MAX(p.day) END
				FROM analytics_presence p WHERE p.tenant_id = $1 AND p.kind = m.kind AND p.user_id = m.user_id
				AND p.device_id = m.device_id AND p.day < m.day), %[1]d), m.delta
		FROM (%[2]s) m
		WHERE m.kind IN ('passkey_user', 'fallback_user') OR COALESCE((SELECT FALSE FROM analytics_presence e
			WHERE e.tenant_id = $1 AND e.kind = m.kind AND e.user_id = m.user_id AND e.device_id = m.device_id
			AND e.day = m.day), TRUE)
		ON CONFLICT (tenant_id, kind, user_id, device_id, day) DO UPDATE SET n = analytics_presence.n + excluded.n
			WHERE analytics_presence.kind IN ('passkey_user', 'fallback_user')
		RETURNING kind, user_id, device_id, day, gap, n`, presenceGapCap, table), tenantID, jsonText(list))
	if err != nil {
		return nil, fmt.Errorf("analytics presence: %w", err)
	}
	type changed struct {
		presenceMark
		gap     int64
		present bool
	}
	var changes []changed
	for res.Next() {
		var c changed
		var n int64
		if err := res.Scan(&c.kind, &c.userID, &c.deviceID, &c.day, &c.gap, &n); err != nil {
			res.Close()
			return nil, fmt.Errorf("analytics presence: %w", err)
		}
		c.delta = delta[c.presenceMark]
		switch {
		case c.delta > 0 && n == c.delta: // a day that was absent
			c.present = true
			changes = append(changes, c)
		case c.delta < 0 && n <= 0: // a day no longer present
			changes = append(changes, c)
		}
	}
	if err := res.Err(); err != nil {
		res.Close()
		return nil, fmt.Errorf("analytics presence: %w", err)
	}
	res.Close()
	if len(changes) == 0 {
		return nil, nil
	}
	// A change to a subject's latest day changes only the day totals (and
	// the row, when the day is no longer present); the others also the gap
	// of the subject's next day, one at a time, latest day first: each
	// then finds the subject's next day as the later changes left it, and
	// an earlier day's change sets that day's gap afresh.
	days := make([]markJSON, len(changes))
	for i, c := range changes {
		days[i] = markJSON{c.kind, c.userID, c.deviceID, c.day, 0}
	}
	later, err := q.w.QueryContext(ctx, `SELECT k.kind, k.user_id, k.device_id, k.day
		FROM (`+q.jsonTable(2, "kind text", "user_id text", "device_id text", "day bigint")+`) k
		WHERE EXISTS (SELECT 1 FROM analytics_presence p WHERE p.tenant_id = $1 AND p.kind = k.kind
			AND p.user_id = k.user_id AND p.device_id = k.device_id AND p.day > k.day)`, tenantID, jsonText(days))
	if err != nil {
		return nil, fmt.Errorf("analytics presence: %w", err)
	}
	hasLater := map[presenceMark]bool{}
	for later.Next() {
		var m presenceMark
		if err := later.Scan(&m.kind, &m.userID, &m.deviceID, &m.day); err != nil {
			later.Close()
			return nil, fmt.Errorf("analytics presence: %w", err)
		}
		hasLater[m] = true
	}
	if err := later.Err(); err != nil {
		later.Close()
		return nil, fmt.Errorf("analytics presence: %w", err)
	}
	later.Close()
	var rest []changed
	var fresh []presenceMark
	for _, c := range changes {
		if c.present {
			fresh = append(fresh, c.presenceMark)
		}
		key := c.presenceMark
		key.delta = 0
		if hasLater[key] {
			rest = append(rest, c)
		} else if err := f.presenceChanged(ctx, tenantID, c.presenceMark, c.gap, c.present, false); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(rest, func(a, b changed) int { return cmp.Compare(b.day, a.day) })
	for _, c := range rest {
		if err := f.presenceChanged(ctx, tenantID, c.presenceMark, c.gap, c.present, true); err != nil {
			return nil, err
		}
	}
	return fresh, nil
}

// markJSON is a presence mark in a JSON array (see jsonTable).
type markJSON struct {
	Kind     string `json:"kind"`
	UserID   string `json:"user_id"`
	DeviceID string `json:"device_id"`
	Day      int64  `json:"day"`
	Delta    int64  `json:"delta"`
}

// mergeMarks sums the marks of the same subject's day, leaving out those
// that sum to nothing: one statement may change a row only once.
func mergeMarks(marks []presenceMark) []presenceMark {
	var out []presenceMark
	at := make(map[presenceMark]int, len(marks)) // by the mark with delta 0
	for _, m := range marks {
		key := m
		key.delta = 0
		if i, ok := at[key]; ok {
			out[i].delta += m.delta
			continue
		}
		at[key] = len(out)
		out = append(out, m)
	}
	return slices.DeleteFunc(out, func(m presenceMark) bool { return m.delta == 0 })
}

// presenceChanged keeps the day totals after m's day became present (with
// gap) or absent, and the gap of the subject's next day.
func (f *fold) presenceChanged(ctx context.Context, tenantID string, m presenceMark, gap int64, present, later bool) error {
	q := f.q
	delta := int64(1)
	if !present {
		delta = -1
		if _, err := q.w.ExecContext(ctx, `DELETE FROM analytics_presence WHERE tenant_id = $1 AND kind = $2
			AND user_id = $3 AND device_id = $4 AND day = $5`, tenantID, m.kind, m.userID, m.deviceID, m.day); err != nil {
			return fmt.Errorf("analytics presence: %w", err)
		}
	}
	f.totals.presenceDay(tenantID, m.kind, m.day, gap, delta)
	if !later {
		return nil
	}
	var nextDay, nextGap int64
	err := q.w.QueryRowContext(ctx, `SELECT day, gap FROM analytics_presence WHERE tenant_id = $1 AND kind = $2
		AND user_id = $3 AND device_id = $4 AND day > $5 ORDER BY day LIMIT 1`,
		tenantID, m.kind, m.userID, m.deviceID, m.day).Scan(&nextDay, &nextGap)
	switch {
	case err == nil:
		// The next day's previous day is now this one, or this one's
		// previous day.
		newGap := capGap(nextDay - m.day)
		if !present {
			newGap = capGap(nextDay - m.day + gap)
		}
		if newGap != nextGap {
			if _, err := q.w.ExecContext(ctx, `UPDATE analytics_presence SET gap = $6 WHERE tenant_id = $1 AND kind = $2
				AND user_id = $3 AND device_id = $4 AND day = $5`, tenantID, m.kind, m.userID, m.deviceID, nextDay, newGap); err != nil {
				return fmt.Errorf("analytics presence: %w", err)
			}
			f.totals.presenceDay(tenantID, m.kind, nextDay, nextGap, -1)
			f.totals.presenceDay(tenantID, m.kind, nextDay, newGap, 1)
		}
	case !isNoRows(err):
		return fmt.Errorf("analytics presence: %w", err)
	}
	return nil
}

// presentCount counts the subjects of kind present on at least one day
// from from up to (not including) to.
func (q Queries) presentCount(ctx context.Context, tenantID, kind string, from, to time.Time) (int, error) {
	first, end := dayNumber(from), dayNumber(to)
	if end-first > maxPresencePeriod {
		return 0, model.Invalid("the period must be at most %d days", maxPresencePeriod)
	}
	var n int64
	err := q.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(n), 0) FROM analytics_presence_days
		WHERE tenant_id = $1 AND kind = $2 AND day >= $3 AND day < $4 AND gap > day - $3`,
		tenantID, kind, first, end).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("present %s: %w", kind, err)
	}
	return int(n), nil
}

// markKnownDays marks, on each of the days, the user (when present that
// day) as having a passkey and each of the user's devices present that
// day (only the day's device when it names one) on which one of the
// user's passkeys is known by the day's end, unless already marked.
func (f *fold) markKnownDays(ctx context.Context, tenantID string, days []knownDay) error {
	q := f.q
	type dayJSON struct {
		UserID   string `json:"user_id"`
		DeviceID string `json:"device_id"`
		Day      int64  `json:"day"`
	}
	list := make([]dayJSON, len(days))
	for i, d := range days {
		list[i] = dayJSON{d.userID, d.deviceID, d.day}
	}
	table := q.jsonTable(2, "user_id text", "device_id text", "day bigint")
	const end = `((k.day + 1) * 86400000000)`
	// Each branch names its kind, so that both look the presence rows up
	// by their primary key (tenant, kind, user, device, day) rather than
	// read all of the tenant's.
	rows, err := q.w.QueryContext(ctx, `SELECT p.kind, p.user_id, p.device_id, p.day FROM (`+table+`) k
		CROSS JOIN analytics_presence p
		WHERE p.tenant_id = $1 AND p.kind = 'user' AND p.user_id = k.user_id AND p.device_id = '' AND p.day = k.day
			AND k.device_id = ''
			AND EXISTS (SELECT 1 FROM passkeys pk WHERE pk.tenant_id = $1 AND pk.user_id = k.user_id
				AND pk.created_at < `+end+`)
			AND NOT EXISTS (SELECT 1 FROM analytics_presence m WHERE m.tenant_id = $1 AND m.kind = 'user_passkey'
				AND m.user_id = k.user_id AND m.device_id = '' AND m.day = k.day)
		UNION ALL
		SELECT p.kind, p.user_id, p.device_id, p.day FROM (`+table+`) k
		CROSS JOIN analytics_presence p
		WHERE p.tenant_id = $1 AND p.kind = 'device' AND p.user_id = k.user_id
			AND (k.device_id = '' OR p.device_id = k.device_id) AND p.day = k.day
			AND (EXISTS (SELECT 1 FROM device_passkeys dp JOIN passkeys pa ON pa.authenticator_id = dp.authenticator_id
					WHERE dp.tenant_id = $1 AND dp.device_id = p.device_id AND pa.tenant_id = $1
					AND pa.user_id = k.user_id AND dp.first_at < `+end+`)
				OR EXISTS (SELECT 1 FROM device_held_passkeys h WHERE h.tenant_id = $1
					AND h.device_id = p.device_id AND h.user_id = k.user_id AND h.reported_at < `+end+`
					AND EXISTS (SELECT 1 FROM passkeys pk WHERE pk.tenant_id = $1 AND pk.user_id = k.user_id
						AND pk.created_at < `+end+`)))
			AND NOT EXISTS (SELECT 1 FROM analytics_presence m WHERE m.tenant_id = $1 AND m.kind = 'device_passkey'
				AND m.user_id = k.user_id AND m.device_id = p.device_id AND m.day = k.day)`,
		tenantID, jsonText(list))
	if err != nil {
		return fmt.Errorf("analytics known passkeys: %w", err)
	}
	var marks []presenceMark
	seen := map[presenceMark]bool{}
	for rows.Next() {
		var m presenceMark
		if err := rows.Scan(&m.kind, &m.userID, &m.deviceID, &m.day); err != nil {
			rows.Close()
			return fmt.Errorf("analytics known passkeys: %w", err)
		}
		m.kind, m.delta = presenceUserPasskey, 1
		if m.deviceID != "" {
			m.kind = presenceDevicePasskey
		}
		if !seen[m] { // a device's day may answer for the user's day and for itself
			seen[m] = true
			marks = append(marks, m)
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return fmt.Errorf("analytics known passkeys: %w", err)
	}
	rows.Close()
	_, err = f.markPresence(ctx, tenantID, marks...)
	return err
}
