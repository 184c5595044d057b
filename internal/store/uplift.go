package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

const upliftEventColumns = `id, tenant_id, user_id, device_id, idempotency_key, action_code, kind, reason, cause, platform, at, variant, surface`

// RecordUpliftEvent stores one uplift event; one without a surface was
// shown by the hosted pages.
func (q Queries) RecordUpliftEvent(ctx context.Context, e model.UpliftEvent) error {
	return q.atomic(ctx, func(q Queries) error { return q.recordUpliftEvent(ctx, e) })
}

// recordUpliftEvent stores the event for the analytics to count.
func (q Queries) recordUpliftEvent(ctx context.Context, e model.UpliftEvent) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO uplift_events (`+upliftEventColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		e.ID, e.TenantID, e.UserID, e.DeviceID, e.IdempotencyKey, e.ActionCode, string(e.Kind),
		e.Reason, e.Cause, e.Platform, micros(e.At), e.Variant, string(cmp.Or(e.Surface, model.SurfaceHosted)))
	if err != nil {
		return classify(err, "uplift event")
	}
	return q.pend(ctx, e.TenantID, e.UserID, pendingEvent, e.ID, "", 0)
}

// LastUpliftEvent returns when the user last had an event of the given kind
// on the device; the zero time when never.
func (q Queries) LastUpliftEvent(ctx context.Context, tenantID, userID, deviceID string, kind model.UpliftEventKind) (time.Time, error) {
	var at int64
	err := q.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(at), 0) FROM uplift_events
		WHERE tenant_id = $1 AND user_id = $2 AND device_id = $3 AND kind = $4`,
		tenantID, userID, deviceID, string(kind)).Scan(&at)
	if err != nil {
		return time.Time{}, fmt.Errorf("last uplift event: %w", err)
	}
	return fromMicros(at), nil
}

// UpliftEvents lists a user's uplift events, newest first, at most limit.
func (q Queries) UpliftEvents(ctx context.Context, tenantID, userID string, limit int) ([]model.UpliftEvent, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+upliftEventColumns+` FROM uplift_events
		WHERE tenant_id = $1 AND user_id = $2 ORDER BY at DESC, id LIMIT $3`, tenantID, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("list uplift events: %w", err)
	}
	return scanUpliftEvents(rows)
}

// scanUpliftEvents reads rows of upliftEventColumns and closes them.
func scanUpliftEvents(rows *sql.Rows) ([]model.UpliftEvent, error) {
	defer rows.Close()
	var out []model.UpliftEvent
	for rows.Next() {
		var e model.UpliftEvent
		var kind, surface string
		var at int64
		if err := rows.Scan(&e.ID, &e.TenantID, &e.UserID, &e.DeviceID, &e.IdempotencyKey, &e.ActionCode,
			&kind, &e.Reason, &e.Cause, &e.Platform, &at, &e.Variant, &surface); err != nil {
			return nil, err
		}
		e.Kind, e.At, e.Surface = model.UpliftEventKind(kind), fromMicros(at), model.PromptSurface(surface)
		out = append(out, e)
	}
	return out, rows.Err()
}

// MarkDeviceHoldsPasskey records that the device's authenticator refused
// a registration because it already holds one of the user's passkeys.
func (q Queries) MarkDeviceHoldsPasskey(ctx context.Context, tenantID, deviceID, userID string, at time.Time) error {
	return q.atomic(ctx, func(q Queries) error {
		_, err := q.w.ExecContext(ctx, `INSERT INTO device_held_passkeys (tenant_id, device_id, user_id, reported_at)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (tenant_id, device_id, user_id) DO UPDATE SET reported_at = excluded.reported_at`,
			tenantID, deviceID, userID, micros(at))
		if err != nil {
			return classify(err, "device passkey report")
		}
		return q.pend(ctx, tenantID, userID, pendingHeld, "", deviceID, micros(at))
	})
}

// PasskeyOnDevice reports whether one of the user's passkeys is known on
// the device: created there, used there through a platform authenticator,
// or reported held there by the authenticator while the user still has a
// passkey.
func (q Queries) PasskeyOnDevice(ctx context.Context, tenantID, userID, deviceID string) (bool, error) {
	var n int
	err := q.r.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM device_passkeys dp JOIN authenticators a ON a.id = dp.authenticator_id
			WHERE dp.tenant_id = $1 AND dp.device_id = $3 AND a.tenant_id = $1 AND a.user_id = $2)
		+ (SELECT COUNT(*) FROM device_held_passkeys h
			WHERE h.tenant_id = $1 AND h.device_id = $3 AND h.user_id = $2
			AND EXISTS (SELECT 1 FROM authenticators a WHERE a.tenant_id = $1 AND a.user_id = $2 AND a.method = 'PASSKEY'))`,
		tenantID, userID, deviceID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("passkey on device: %w", err)
	}
	return n > 0, nil
}

// UpliftDismissals returns how many times the user dismissed the prompt on
// the device ("Not now", or cancelling the system dialog) and when last;
// the zero time when never.
func (q Queries) UpliftDismissals(ctx context.Context, tenantID, userID, deviceID string) (int, time.Time, error) {
	var n int
	var at int64
	err := q.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(at), 0) FROM uplift_events
		WHERE tenant_id = $1 AND user_id = $2 AND device_id = $3 AND kind = $4`,
		tenantID, userID, deviceID, string(model.UpliftDismissed)).Scan(&n, &at)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("uplift dismissals: %w", err)
	}
	return n, fromMicros(at), nil
}

// RecordUpliftOptOut records that the user chose "Don't ask again" on the
// device. A user already opted out keeps the first choice's time and
// device.
func (q Queries) RecordUpliftOptOut(ctx context.Context, tenantID, userID, deviceID string, at time.Time) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO uplift_opt_outs (tenant_id, user_id, device_id, opted_out_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, user_id) DO NOTHING`,
		tenantID, userID, deviceID, micros(at))
	if err != nil {
		return classify(err, "uplift opt-out")
	}
	return nil
}

// UpliftOptOut returns when the user opted out of the prompt; the zero
// time when the user has not, or an admin reset the choice.
func (q Queries) UpliftOptOut(ctx context.Context, tenantID, userID string) (time.Time, error) {
	var at int64
	err := q.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(opted_out_at), 0) FROM uplift_opt_outs
		WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID).Scan(&at)
	if err != nil {
		return time.Time{}, fmt.Errorf("uplift opt-out: %w", err)
	}
	return fromMicros(at), nil
}

// ResetUpliftOptOut forgets the user's "Don't ask again", so the prompt
// may appear again; it reports whether there was one to forget.
func (q Queries) ResetUpliftOptOut(ctx context.Context, tenantID, userID string) (bool, error) {
	res, err := q.w.ExecContext(ctx, `DELETE FROM uplift_opt_outs WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID)
	if err != nil {
		return false, fmt.Errorf("reset uplift opt-out: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
