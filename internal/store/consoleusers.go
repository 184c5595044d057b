package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// The queries of the admin console's users and API keys pages: a search
// over a tenant's users, a user's devices and uplift events, and the
// revocation that never leaves a tenant without a key.

// escapeLike makes s match itself literally in a LIKE pattern whose
// escape character is a backslash.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// SearchUsers lists a tenant's users matching us, in us.Order, at most
// us.Limit (1 to 500; 50 when zero).
func (q Queries) SearchUsers(ctx context.Context, tenantID string, us model.UserSearch) ([]model.UserSummary, error) {
	if us.Limit <= 0 {
		us.Limit = 50
	}
	us.Limit = min(us.Limit, 500)
	args := []any{tenantID}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	query := `SELECT ` + prefixed("u.", userColumns) + `,
		(SELECT COALESCE(MAX(a.created_at), 0) FROM actions a WHERE a.tenant_id = u.tenant_id AND a.user_id = u.user_id)
		FROM users u WHERE u.tenant_id = $1`
	if us.Text != "" {
		prefix, part := arg(escapeLike(us.Text)+"%"), arg("%"+escapeLike(us.Text)+"%")
		query += ` AND (LOWER(u.user_id) LIKE LOWER(` + prefix + `) ESCAPE '\'
			OR LOWER(u.email) LIKE LOWER(` + part + `) ESCAPE '\'
			OR LOWER(u.username) LIKE LOWER(` + part + `) ESCAPE '\')`
	}
	if us.Order == model.UsersByID {
		if us.After != nil {
			query += ` AND u.user_id > ` + arg(us.After.UserID)
		}
		query += ` ORDER BY u.user_id`
	} else {
		if us.After != nil {
			at, id := arg(micros(us.After.CreatedAt)), arg(us.After.UserID)
			query += ` AND (u.created_at < ` + at + ` OR (u.created_at = ` + at + ` AND u.user_id > ` + id + `))`
		}
		query += ` ORDER BY u.created_at DESC, u.user_id`
	}
	query += ` LIMIT ` + arg(us.Limit)
	rows, err := q.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search users: %w", err)
	}
	var out []model.UserSummary
	err = func() error {
		defer rows.Close()
		for rows.Next() {
			var s model.UserSummary
			var last int64
			u, err := scanUserWith(rows, &last)
			if err != nil {
				return err
			}
			s.User, s.LastActionAt = u, fromMicros(last)
			out = append(out, s)
		}
		return rows.Err()
	}()
	if err != nil || len(out) == 0 {
		return out, err
	}
	return out, q.summariseMethods(ctx, tenantID, out)
}

// scanUserWith scans the userColumns of a row and then extra destinations.
func scanUserWith(row scanner, extra ...any) (model.User, error) {
	var u model.User
	var custom string
	var created, updated int64
	dest := append([]any{&u.TenantID, &u.ID, &u.Email, &u.EmailVerified, &u.PhoneNumber, &u.PhoneNumberVerified,
		&u.Username, &u.DisplayName, &u.Locale, &custom, &created, &updated}, extra...)
	if err := row.Scan(dest...); err != nil {
		return u, err
	}
	u.CreatedAt, u.UpdatedAt = fromMicros(created), fromMicros(updated)
	return u, fromJSON(custom, &u.Custom)
}

// summariseMethods fills in the passkey counts and verified methods of a
// page of users with one query.
func (q Queries) summariseMethods(ctx context.Context, tenantID string, page []model.UserSummary) error {
	args := []any{tenantID}
	marks := make([]string, len(page))
	index := make(map[string]int, len(page))
	for i, s := range page {
		args = append(args, s.User.ID)
		marks[i] = fmt.Sprintf("$%d", len(args))
		index[s.User.ID] = i
	}
	rows, err := q.r.QueryContext(ctx, `SELECT user_id, method, verified_at FROM authenticators
		WHERE tenant_id = $1 AND user_id IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return fmt.Errorf("summarise authenticators: %w", err)
	}
	defer rows.Close()
	verified := make([]map[model.VerificationMethod]bool, len(page))
	for rows.Next() {
		var userID, method string
		var at int64
		if err := rows.Scan(&userID, &method, &at); err != nil {
			return err
		}
		i := index[userID]
		if model.VerificationMethod(method) == model.MethodPasskey {
			page[i].Passkeys++
		}
		if at != 0 {
			if verified[i] == nil {
				verified[i] = map[model.VerificationMethod]bool{}
			}
			verified[i][model.VerificationMethod(method)] = true
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range page {
		for _, m := range model.Methods {
			if verified[i][m] {
				page[i].Methods = append(page[i].Methods, m)
			}
		}
	}
	return nil
}

// UserDeviceList lists the devices a user was seen on, the most recently
// seen first, at most limit.
func (q Queries) UserDeviceList(ctx context.Context, tenantID, userID string, limit int) ([]model.UserDevice, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT x.device_id, COALESCE(ud.first_seen_at, 0), COALESCE(h.reported_at, 0),
			COALESCE(d.user_agent, ''), COALESCE(d.capabilities, '{}'), COALESCE(d.capabilities_at, 0),
			COALESCE(d.created_at, 0), COALESCE(d.last_seen_at, 0)
		FROM (SELECT device_id FROM user_devices WHERE tenant_id = $1 AND user_id = $2
			UNION SELECT dp.device_id FROM device_passkeys dp JOIN authenticators a ON a.id = dp.authenticator_id
				WHERE dp.tenant_id = $1 AND a.tenant_id = $1 AND a.user_id = $2
			UNION SELECT device_id FROM device_held_passkeys WHERE tenant_id = $1 AND user_id = $2
			UNION SELECT device_id FROM uplift_events WHERE tenant_id = $1 AND user_id = $2 AND device_id <> '') x
		LEFT JOIN user_devices ud ON ud.tenant_id = $1 AND ud.user_id = $2 AND ud.device_id = x.device_id
		LEFT JOIN device_held_passkeys h ON h.tenant_id = $1 AND h.user_id = $2 AND h.device_id = x.device_id
		LEFT JOIN devices d ON d.tenant_id = $1 AND d.id = x.device_id
		ORDER BY COALESCE(d.last_seen_at, ud.first_seen_at, 0) DESC, x.device_id
		LIMIT $3`, tenantID, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("list user devices: %w", err)
	}
	defer rows.Close()
	var out []model.UserDevice
	for rows.Next() {
		var ud model.UserDevice
		var caps string
		var first, held, capsAt, created, seen int64
		if err := rows.Scan(&ud.Device.ID, &first, &held, &ud.Device.UserAgent, &caps, &capsAt, &created, &seen); err != nil {
			return nil, err
		}
		ud.Device.TenantID = tenantID
		ud.FirstSeenAt, ud.HeldPasskeyAt = fromMicros(first), fromMicros(held)
		ud.Device.CapabilitiesAt, ud.Device.CreatedAt, ud.Device.LastSeenAt = fromMicros(capsAt), fromMicros(created), fromMicros(seen)
		if err := fromJSON(caps, &ud.Device.Capabilities); err != nil {
			return nil, err
		}
		out = append(out, ud)
	}
	return out, rows.Err()
}

// UserDevicePasskeys lists how a user's passkeys are known on devices,
// oldest first.
func (q Queries) UserDevicePasskeys(ctx context.Context, tenantID, userID string) ([]model.DevicePasskey, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT dp.tenant_id, dp.device_id, dp.authenticator_id, dp.relation, dp.first_at, dp.last_at
		FROM device_passkeys dp JOIN authenticators a ON a.id = dp.authenticator_id
		WHERE dp.tenant_id = $1 AND a.tenant_id = $1 AND a.user_id = $2
		ORDER BY dp.first_at, dp.device_id, dp.authenticator_id, dp.relation`, tenantID, userID)
	if err != nil {
		return nil, fmt.Errorf("list user device passkeys: %w", err)
	}
	return scanDevicePasskeys(rows)
}

// ActionUpliftEvents lists a user's uplift events during the actions with
// the given idempotency keys, oldest first; events at the same instant in
// the prompt's order (evaluated, shown, then what the user did).
func (q Queries) ActionUpliftEvents(ctx context.Context, tenantID, userID string, keys []string) ([]model.UpliftEvent, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	args := []any{tenantID, userID}
	marks := make([]string, len(keys))
	for i, k := range keys {
		args = append(args, k)
		marks[i] = fmt.Sprintf("$%d", len(args))
	}
	rows, err := q.r.QueryContext(ctx, `SELECT `+upliftEventColumns+` FROM uplift_events
		WHERE tenant_id = $1 AND user_id = $2 AND idempotency_key IN (`+strings.Join(marks, ", ")+`)
		ORDER BY at, CASE kind WHEN 'evaluated' THEN 0 WHEN 'shown' THEN 1 ELSE 2 END, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list action uplift events: %w", err)
	}
	return scanUpliftEvents(rows)
}

// RevokeAPIKeyKeepingOne revokes one of a tenant's keys unless it is the
// tenant's last active key, which it refuses with a conflict. Revoking a
// key already revoked changes nothing and succeeds; a key of another
// tenant is not found. The tenant's row is locked first, so two
// revocations at once cannot together leave the tenant without a key.
func (q Queries) RevokeAPIKeyKeepingOne(ctx context.Context, tenantID, keyID string, at time.Time) error {
	return q.atomic(ctx, func(q Queries) error {
		if _, err := q.w.ExecContext(ctx, `UPDATE tenants SET name = name WHERE id = $1`, tenantID); err != nil {
			return fmt.Errorf("lock tenant: %w", err)
		}
		var revoked int64
		err := q.w.QueryRowContext(ctx, `SELECT revoked_at FROM api_keys WHERE tenant_id = $1 AND id = $2`,
			tenantID, keyID).Scan(&revoked)
		if err != nil {
			return notFound(err, "no key %s for this tenant", keyID)
		}
		if revoked != 0 {
			return nil
		}
		var active int
		if err := q.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_keys WHERE tenant_id = $1 AND revoked_at = 0`,
			tenantID).Scan(&active); err != nil {
			return fmt.Errorf("count active keys: %w", err)
		}
		if active <= 1 {
			return model.Errorf(model.ErrConflict, "last_key", "the tenant's last active key cannot be revoked")
		}
		return q.RevokeAPIKey(ctx, tenantID, keyID, at)
	})
}
