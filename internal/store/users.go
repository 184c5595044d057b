package store

import (
	"context"
	"fmt"

	"github.com/uplift-dev/uplift/internal/model"
)

const userColumns = `tenant_id, user_id, email, email_verified, phone_number, phone_number_verified,
	username, display_name, locale, custom, created_at, updated_at`

// userScan receives the userColumns of a row, for queries that read a
// user among other columns.
type userScan struct {
	u                model.User
	custom           string
	created, updated int64
}

func (s *userScan) dest() []any {
	u := &s.u
	return []any{&u.TenantID, &u.ID, &u.Email, &u.EmailVerified, &u.PhoneNumber, &u.PhoneNumberVerified,
		&u.Username, &u.DisplayName, &u.Locale, &s.custom, &s.created, &s.updated}
}

func (s *userScan) user() (model.User, error) {
	s.u.CreatedAt, s.u.UpdatedAt = fromMicros(s.created), fromMicros(s.updated)
	return s.u, fromJSON(s.custom, &s.u.Custom)
}

// scanUser reads the userColumns of a row.
func scanUser(row scanner) (model.User, error) {
	var s userScan
	if err := row.Scan(s.dest()...); err != nil {
		return s.u, err
	}
	return s.user()
}

// User returns one user of a tenant.
func (q Queries) User(ctx context.Context, tenantID, userID string) (model.User, error) {
	u, err := scanUser(q.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users
		WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID))
	return u, notFound(err, "user not found")
}

// factColumns are the columns of model.UserFacts beyond the user's own, for the
// user of a query's row (as u) and the device $3.
const factColumns = `(SELECT COUNT(*) FROM user_devices d WHERE d.tenant_id = u.tenant_id AND d.user_id = u.user_id),
	EXISTS (SELECT 1 FROM user_devices d WHERE d.tenant_id = u.tenant_id AND d.user_id = u.user_id AND d.device_id = $3),
	` + enrolmentColumn

// factsScan receives userColumns and then factColumns.
type factsScan struct {
	userScan
	devices   int
	known     bool
	enrolment string
}

func (s *factsScan) dest() []any {
	return append(s.userScan.dest(), &s.devices, &s.known, &s.enrolment)
}

func (s *factsScan) facts() (model.UserFacts, error) {
	u, err := s.user()
	return model.UserFacts{User: u, Devices: s.devices, DeviceKnown: s.known, Enrolment: parseEnrolment(s.enrolment)}, err
}

// model.UserFacts returns one user of a tenant with their devices (for
// deviceID) and their enrolment, in one query: what track decides on.
func (q Queries) UserFacts(ctx context.Context, tenantID, userID, deviceID string) (model.UserFacts, error) {
	var fs factsScan
	err := q.r.QueryRowContext(ctx, `SELECT `+prefixed("u.", userColumns)+`, `+factColumns+`
		FROM users u WHERE u.tenant_id = $1 AND u.user_id = $2`, tenantID, userID, deviceID).Scan(fs.dest()...)
	if err != nil {
		return model.UserFacts{}, notFound(err, "user not found")
	}
	return fs.facts()
}

// CreateUserIfMissing stores u unless a user with its id exists, and
// reports whether it created one.
func (q Queries) CreateUserIfMissing(ctx context.Context, u model.User) (bool, error) {
	res, err := q.w.ExecContext(ctx, `INSERT INTO users (`+userColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (tenant_id, user_id) DO NOTHING`,
		u.TenantID, u.ID, u.Email, u.EmailVerified, u.PhoneNumber, u.PhoneNumberVerified,
		u.Username, u.DisplayName, u.Locale, jsonText(nonNilMap(u.Custom)), micros(u.CreatedAt), micros(u.UpdatedAt))
	if err != nil {
		return false, fmt.Errorf("create user: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// UpdateUser replaces a user's attributes.
func (q Queries) UpdateUser(ctx context.Context, u model.User) error {
	res, err := q.w.ExecContext(ctx, `UPDATE users SET email = $3, email_verified = $4,
		phone_number = $5, phone_number_verified = $6, username = $7, display_name = $8,
		custom = $9, updated_at = $10, locale = $11
		WHERE tenant_id = $1 AND user_id = $2`,
		u.TenantID, u.ID, u.Email, u.EmailVerified, u.PhoneNumber, u.PhoneNumberVerified,
		u.Username, u.DisplayName, jsonText(nonNilMap(u.Custom)), micros(u.UpdatedAt), u.Locale)
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("user not found")
	}
	return nil
}

// DeleteUser removes a user with everything that belongs to them.
func (q Queries) DeleteUser(ctx context.Context, tenantID, userID string) error {
	return q.atomic(ctx, func(q Queries) error { return q.deleteUser(ctx, tenantID, userID) })
}

func (q Queries) deleteUser(ctx context.Context, tenantID, userID string) error {
	if err := q.uncountUser(ctx, tenantID, userID); err != nil {
		return err
	}
	res, err := q.w.ExecContext(ctx, `DELETE FROM users WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID)
	if err != nil {
		return fmt.Errorf("delete user: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("user not found")
	}
	return nil
}

// QueryUsers lists a tenant's users matching uq, ordered by user id.
func (q Queries) QueryUsers(ctx context.Context, tenantID string, uq model.UserQuery) ([]model.User, error) {
	var where []string
	args := []any{tenantID}
	add := func(cond string, v string) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if uq.Email != "" {
		add("lower(email) = lower($%d)", uq.Email)
	}
	if uq.PhoneNumber != "" {
		add("phone_number = $%d", uq.PhoneNumber)
	}
	if uq.Username != "" {
		add("lower(username) = lower($%d)", uq.Username)
	}
	if uq.After != "" {
		add("user_id > $%d", uq.After)
	}
	query := `SELECT ` + userColumns + ` FROM users WHERE tenant_id = $1`
	for _, w := range where {
		query += " AND " + w
	}
	query += " ORDER BY user_id"
	if uq.Limit > 0 {
		args = append(args, uq.Limit)
		query += fmt.Sprintf(" LIMIT $%d", len(args))
	}
	rows, err := q.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query users: %w", err)
	}
	defer rows.Close()
	var out []model.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
