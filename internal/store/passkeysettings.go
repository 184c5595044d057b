package store

import (
	"context"
	"fmt"

	"github.com/uplift-dev/uplift/internal/model"
)

// LockUser holds a user's row until the transaction it runs in ends, so
// that transactions which check a user's authenticators and then change
// them run one at a time per user: on PostgreSQL it locks the row; on
// SQLite a write transaction holds the database's write lock from its
// start already. A user who does not exist is not found.
func (q Queries) LockUser(ctx context.Context, tenantID, userID string) error {
	lock := ""
	if q.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	var one int
	err := q.w.QueryRowContext(ctx, `SELECT 1 FROM users WHERE tenant_id = $1 AND user_id = $2`+lock,
		tenantID, userID).Scan(&one)
	return notFound(err, "user not found")
}

// RenamePasskey sets the name of one of a user's passkeys. A passkey of
// another user or tenant is not found.
func (q Queries) RenamePasskey(ctx context.Context, tenantID, userID, authID, name string) error {
	res, err := q.w.ExecContext(ctx, `UPDATE passkeys SET name = $4
		WHERE tenant_id = $1 AND user_id = $2 AND authenticator_id = $3`, tenantID, userID, authID, name)
	if err != nil {
		return fmt.Errorf("rename passkey: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("passkey not found")
	}
	return nil
}

// PasskeyUses lists where each of a user's passkeys that has been used
// to sign in since it was recorded was last used.
func (q Queries) PasskeyUses(ctx context.Context, tenantID, userID string) ([]model.PasskeyUse, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT authenticator_id, last_used_device_id, last_used_user_agent FROM passkeys
		WHERE tenant_id = $1 AND user_id = $2 AND (last_used_device_id <> '' OR last_used_user_agent <> '')
		ORDER BY created_at, authenticator_id`, tenantID, userID)
	if err != nil {
		return nil, fmt.Errorf("list passkey uses: %w", err)
	}
	defer rows.Close()
	var out []model.PasskeyUse
	for rows.Next() {
		var u model.PasskeyUse
		if err := rows.Scan(&u.AuthenticatorID, &u.DeviceID, &u.UserAgent); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
