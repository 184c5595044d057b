package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/uplift-dev/uplift/internal/model"
)

const authenticatorColumns = `id, tenant_id, user_id, method, email, phone_number, is_default,
	created_at, verified_at, last_verified_at`

func scanAuthenticator(row scanner) (model.Authenticator, error) {
	var a model.Authenticator
	var method string
	var created, verified, last int64
	err := row.Scan(&a.ID, &a.TenantID, &a.UserID, &method, &a.Email, &a.PhoneNumber, &a.IsDefault,
		&created, &verified, &last)
	a.Method = model.VerificationMethod(method)
	a.CreatedAt, a.VerifiedAt, a.LastVerifiedAt = fromMicros(created), fromMicros(verified), fromMicros(last)
	return a, err
}

// enrolmentColumn sums up the authenticators of the user of a query's row
// (as u) in one text column: each one's method followed by + when it is
// verified and - when not, separated by commas.
const enrolmentColumn = `COALESCE((SELECT string_agg(a.method || CASE WHEN a.verified_at <> 0 THEN '+' ELSE '-' END, ',')
	FROM authenticators a WHERE a.tenant_id = u.tenant_id AND a.user_id = u.user_id), '')`

// parseEnrolment reads an enrolmentColumn.
func parseEnrolment(col string) model.Enrolment {
	var e model.Enrolment
	for f := range strings.SplitSeq(col, ",") {
		if n := len(f); n > 1 {
			e.Add(model.VerificationMethod(f[:n-1]), f[n-1] == '+')
		}
	}
	return e
}

// Authenticators lists a user's authenticators, oldest first. A passkey's
// last verification is the later of its authenticator's and its passkey's
// (sign-ins record it on the passkey only).
func (q Queries) Authenticators(ctx context.Context, tenantID, userID string) ([]model.Authenticator, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT a.id, a.tenant_id, a.user_id, a.method, a.email, a.phone_number,
		a.is_default, a.created_at, a.verified_at,
		CASE WHEN p.last_verified_at > a.last_verified_at THEN p.last_verified_at ELSE a.last_verified_at END
		FROM authenticators a LEFT JOIN passkeys p ON p.authenticator_id = a.id
		WHERE a.tenant_id = $1 AND a.user_id = $2 ORDER BY a.created_at, a.id`, tenantID, userID)
	if err != nil {
		return nil, fmt.Errorf("list authenticators: %w", err)
	}
	defer rows.Close()
	var out []model.Authenticator
	for rows.Next() {
		a, err := scanAuthenticator(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CreateAuthenticator stores a new authenticator. When a.IsDefault is set,
// the user's other authenticators stop being the default.
func (q Queries) CreateAuthenticator(ctx context.Context, a model.Authenticator) error {
	return q.atomic(ctx, func(q Queries) error { return q.createAuthenticator(ctx, a) })
}

func (q Queries) createAuthenticator(ctx context.Context, a model.Authenticator) error {
	if a.IsDefault {
		if _, err := q.w.ExecContext(ctx, `UPDATE authenticators SET is_default = $3
			WHERE tenant_id = $1 AND user_id = $2 AND is_default = $4`, a.TenantID, a.UserID, false, true); err != nil {
			return fmt.Errorf("clear default authenticator: %w", err)
		}
	}
	_, err := q.w.ExecContext(ctx, `INSERT INTO authenticators (`+authenticatorColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		a.ID, a.TenantID, a.UserID, string(a.Method), a.Email, a.PhoneNumber, a.IsDefault,
		micros(a.CreatedAt), micros(a.VerifiedAt), micros(a.LastVerifiedAt))
	if err != nil {
		return classify(err, "authenticator")
	}
	return nil
}

// DeleteAuthenticator removes one of a user's authenticators.
func (q Queries) DeleteAuthenticator(ctx context.Context, tenantID, userID, id string) error {
	return q.atomic(ctx, func(q Queries) error { return q.deleteAuthenticator(ctx, tenantID, userID, id) })
}

func (q Queries) deleteAuthenticator(ctx context.Context, tenantID, userID, id string) error {
	if err := q.uncountPasskey(ctx, tenantID, userID, id); err != nil {
		return err
	}
	res, err := q.w.ExecContext(ctx, `DELETE FROM authenticators
		WHERE tenant_id = $1 AND user_id = $2 AND id = $3`, tenantID, userID, id)
	if err != nil {
		return fmt.Errorf("delete authenticator: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("authenticator not found")
	}
	return nil
}
