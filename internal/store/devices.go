package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// TouchDevice records that a device was seen at d.LastSeenAt with its user
// agent, creating it on first sight.
func (q Queries) TouchDevice(ctx context.Context, d model.Device) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO devices (tenant_id, id, user_agent, capabilities, created_at, last_seen_at)
		VALUES ($1, $2, $3, '{}', $4, $4)
		ON CONFLICT (tenant_id, id) DO UPDATE SET user_agent = excluded.user_agent, last_seen_at = excluded.last_seen_at`,
		d.TenantID, d.ID, d.UserAgent, micros(d.LastSeenAt))
	if err != nil {
		return fmt.Errorf("touch device: %w", err)
	}
	return nil
}

// Device returns one of the tenant's devices.
func (q Queries) Device(ctx context.Context, tenantID, id string) (model.Device, error) {
	var d model.Device
	var caps string
	var capsAt, created, seen int64
	err := q.r.QueryRowContext(ctx, `SELECT tenant_id, id, user_agent, capabilities, capabilities_at, created_at, last_seen_at
		FROM devices WHERE tenant_id = $1 AND id = $2`, tenantID, id).
		Scan(&d.TenantID, &d.ID, &d.UserAgent, &caps, &capsAt, &created, &seen)
	if err != nil {
		return d, notFound(err, "device not found")
	}
	d.CapabilitiesAt, d.CreatedAt, d.LastSeenAt = fromMicros(capsAt), fromMicros(created), fromMicros(seen)
	return d, fromJSON(caps, &d.Capabilities)
}

// SetDeviceCapabilities replaces the capability map a device last reported.
func (q Queries) SetDeviceCapabilities(ctx context.Context, tenantID, id string, caps map[string]any, at time.Time) error {
	res, err := q.w.ExecContext(ctx, `UPDATE devices SET capabilities = $3, capabilities_at = $4, last_seen_at = $4
		WHERE tenant_id = $1 AND id = $2`, tenantID, id, jsonText(nonNilMap(caps)), micros(at))
	if err != nil {
		return fmt.Errorf("set device capabilities: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("device not found")
	}
	return nil
}

// LinkDevicePasskey records that a passkey is known on a device in the way
// dp.Relation says, keeping the first time and moving the last.
func (q Queries) LinkDevicePasskey(ctx context.Context, dp model.DevicePasskey) error {
	return q.atomic(ctx, func(q Queries) error { return q.linkDevicePasskey(ctx, dp) })
}

func (q Queries) linkDevicePasskey(ctx context.Context, dp model.DevicePasskey) error {
	var first int64
	err := q.w.QueryRowContext(ctx, `INSERT INTO device_passkeys (tenant_id, device_id, authenticator_id, relation, first_at, last_at)
		VALUES ($1, $2, $3, $4, $5, $5)
		ON CONFLICT (tenant_id, device_id, authenticator_id, relation) DO UPDATE SET last_at = excluded.last_at
		RETURNING first_at`,
		dp.TenantID, dp.DeviceID, dp.AuthenticatorID, string(dp.Relation), micros(dp.LastAt)).Scan(&first)
	if err != nil {
		return fmt.Errorf("link device passkey: %w", err)
	}
	if first != micros(dp.LastAt) {
		return nil // known there before: the analytics have it
	}
	return q.pend(ctx, dp.TenantID, "", pendingKnown, dp.AuthenticatorID, dp.DeviceID, first)
}

// DevicePasskeys lists how passkeys are known on a device, oldest first.
// Deleted passkeys drop out with their authenticators.
func (q Queries) DevicePasskeys(ctx context.Context, tenantID, deviceID string) ([]model.DevicePasskey, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT tenant_id, device_id, authenticator_id, relation, first_at, last_at
		FROM device_passkeys WHERE tenant_id = $1 AND device_id = $2
		ORDER BY first_at, authenticator_id, relation`, tenantID, deviceID)
	if err != nil {
		return nil, fmt.Errorf("list device passkeys: %w", err)
	}
	return scanDevicePasskeys(rows)
}

// scanDevicePasskeys reads rows of tenant_id, device_id,
// authenticator_id, relation, first_at, last_at and closes them.
func scanDevicePasskeys(rows *sql.Rows) ([]model.DevicePasskey, error) {
	defer rows.Close()
	var out []model.DevicePasskey
	for rows.Next() {
		var dp model.DevicePasskey
		var rel string
		var first, last int64
		if err := rows.Scan(&dp.TenantID, &dp.DeviceID, &dp.AuthenticatorID, &rel, &first, &last); err != nil {
			return nil, err
		}
		dp.Relation, dp.FirstAt, dp.LastAt = model.DevicePasskeyRelation(rel), fromMicros(first), fromMicros(last)
		out = append(out, dp)
	}
	return out, rows.Err()
}

// PurgeOrphanDevices deletes the devices last seen before cutoff that no
// user was seen on and no passkey is known on, and reports how many: what
// a browser leaves that opened a sign-in page and went no further.
func (q Queries) PurgeOrphanDevices(ctx context.Context, cutoff time.Time) (int64, error) {
	return q.purge(ctx, "orphan devices", `DELETE FROM devices WHERE (tenant_id, id) IN
		(SELECT d.tenant_id, d.id FROM devices d
		WHERE d.created_at < $1 AND d.last_seen_at < $1
		AND NOT EXISTS (SELECT 1 FROM user_devices u WHERE u.tenant_id = d.tenant_id AND u.device_id = d.id)
		AND NOT EXISTS (SELECT 1 FROM device_passkeys p WHERE p.tenant_id = d.tenant_id AND p.device_id = d.id)
		LIMIT $2)`, cutoff)
}
