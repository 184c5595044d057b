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

// UnansweredPromptSurface returns where the prompt was last shown to the
// user on the device during the action and not answered since (no
// accepted, dismissed, opted_out or failed event for that showing),
// among the surfaces outside the hosted pages; "" when there is none.
// The registration that follows such a prompt records it as accepted.
func (q Queries) UnansweredPromptSurface(ctx context.Context, tenantID, userID, deviceID, idempotencyKey string) (model.PromptSurface, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT surface,
		SUM(CASE WHEN kind = 'shown' THEN 1 ELSE 0 END), SUM(CASE WHEN kind <> 'shown' THEN 1 ELSE 0 END), MAX(at)
		FROM uplift_events
		WHERE tenant_id = $1 AND user_id = $2 AND device_id = $3 AND idempotency_key = $4 AND surface <> 'hosted'
			AND kind IN ('shown', 'accepted', 'dismissed', 'opted_out', 'failed')
		GROUP BY surface`, tenantID, userID, deviceID, idempotencyKey)
	if err != nil {
		return "", fmt.Errorf("unanswered prompt: %w", err)
	}
	defer rows.Close()
	var found model.PromptSurface
	var latest int64
	for rows.Next() {
		var surface string
		var shown, answered, at int64
		if err := rows.Scan(&surface, &shown, &answered, &at); err != nil {
			return "", fmt.Errorf("unanswered prompt: %w", err)
		}
		if shown > answered && (found == "" || at > latest) {
			found, latest = model.PromptSurface(surface), at
		}
	}
	return found, rows.Err()
}

// UpliftSurfaceCounts counts the tenant's uplift events from from up to
// (not including) to, midnights UTC, by surface, kind and, for evaluated
// events, reason: the funnel of each place the prompt is shown. It reads
// the daily totals (rollups.go).
func (q Queries) UpliftSurfaceCounts(ctx context.Context, tenantID string, from, to time.Time) ([]model.SurfaceEventCount, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT surface, kind, reason, SUM(n) FROM analytics_events
		WHERE tenant_id = $1 AND day >= $2 AND day < $3
		GROUP BY surface, kind, reason HAVING SUM(n) <> 0`, tenantID, dayNumber(from), dayNumber(to))
	if err != nil {
		return nil, fmt.Errorf("uplift events by surface: %w", err)
	}
	defer rows.Close()
	var out []model.SurfaceEventCount
	for rows.Next() {
		var c model.SurfaceEventCount
		var surface, kind string
		var n int64
		if err := rows.Scan(&surface, &kind, &c.Reason, &n); err != nil {
			return nil, fmt.Errorf("uplift events by surface: %w", err)
		}
		c.Surface, c.Kind, c.Count = model.PromptSurface(surface), model.UpliftEventKind(kind), int(n)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b model.SurfaceEventCount) int {
		return cmp.Or(strings.Compare(string(a.Surface), string(b.Surface)), strings.Compare(string(a.Kind), string(b.Kind)),
			strings.Compare(a.Reason, b.Reason))
	})
	return out, rows.Err()
}

// DeviceUpliftEvents lists the user's uplift events on the device, newest
// first, at most limit.
func (q Queries) DeviceUpliftEvents(ctx context.Context, tenantID, userID, deviceID string, limit int) ([]model.UpliftEvent, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+upliftEventColumns+` FROM uplift_events
		WHERE tenant_id = $1 AND user_id = $2 AND device_id = $3 ORDER BY at DESC, id LIMIT $4`,
		tenantID, userID, deviceID, limit)
	if err != nil {
		return nil, fmt.Errorf("list device uplift events: %w", err)
	}
	return scanUpliftEvents(rows)
}

// PromptShowings counts, for the user's action on the device, the
// decisions that said to show the prompt and the prompts shown, wherever.
func (q Queries) PromptShowings(ctx context.Context, tenantID, userID, deviceID, idempotencyKey string) (eligible, shown int, err error) {
	err = q.r.QueryRowContext(ctx, `SELECT
		COUNT(CASE WHEN kind = 'evaluated' AND reason = 'eligible' THEN 1 END), COUNT(CASE WHEN kind = 'shown' THEN 1 END)
		FROM uplift_events
		WHERE tenant_id = $1 AND user_id = $2 AND device_id = $3 AND idempotency_key = $4 AND kind IN ('evaluated', 'shown')`,
		tenantID, userID, deviceID, idempotencyKey).Scan(&eligible, &shown)
	if err != nil {
		return 0, 0, fmt.Errorf("prompt showings: %w", err)
	}
	return eligible, shown, nil
}
