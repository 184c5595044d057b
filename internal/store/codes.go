package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

const codeChallengeColumns = `id, tenant_id, kind, method, subject, user_id, authenticator_id, email, phone_number,
	action_code, idempotency_key, device_id, scope, code_hash, salt, totp_secret, attempts, max_attempts,
	created_at, expires_at, verified_at, claimed_at`

func scanCodeChallenge(row scanner) (model.CodeChallenge, error) {
	var c model.CodeChallenge
	var kind, method string
	var created, expires, verified, claimed int64
	err := row.Scan(&c.ID, &c.TenantID, &kind, &method, &c.Subject, &c.UserID, &c.AuthenticatorID, &c.Email,
		&c.PhoneNumber, &c.ActionCode, &c.IdempotencyKey, &c.DeviceID, &c.Scope, &c.CodeHash, &c.Salt,
		&c.TOTPSecret, &c.Attempts, &c.MaxAttempts, &created, &expires, &verified, &claimed)
	c.Kind, c.Method = model.CodeChallengeKind(kind), model.VerificationMethod(method)
	c.CreatedAt, c.ExpiresAt = fromMicros(created), fromMicros(expires)
	c.VerifiedAt, c.ClaimedAt = fromMicros(verified), fromMicros(claimed)
	return c, err
}

// CreateCodeChallenge stores a new code challenge.
func (q Queries) CreateCodeChallenge(ctx context.Context, c model.CodeChallenge) error {
	// seq numbers the challenges of one action, so the newest is known even
	// when two share a timestamp.
	_, err := q.w.ExecContext(ctx, `INSERT INTO code_challenges (`+codeChallengeColumns+`, destination, seq)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
			$23, COALESCE(MAX(seq), 0) + 1
		FROM code_challenges WHERE tenant_id = $2 AND idempotency_key = $11`,
		c.ID, c.TenantID, string(c.Kind), string(c.Method), c.Subject, c.UserID, c.AuthenticatorID, c.Email,
		c.PhoneNumber, c.ActionCode, c.IdempotencyKey, c.DeviceID, c.Scope, nonNilBytes(c.CodeHash),
		nonNilBytes(c.Salt), c.TOTPSecret, c.Attempts, c.MaxAttempts, micros(c.CreatedAt), micros(c.ExpiresAt),
		micros(c.VerifiedAt), micros(c.ClaimedAt), c.Destination())
	if err != nil {
		return classify(err, "code challenge")
	}
	return nil
}

// DeleteCodeChallenge removes a code challenge, as when its code could not
// be sent: the send then no longer counts against the throttle.
func (q Queries) DeleteCodeChallenge(ctx context.Context, tenantID, id string) error {
	if _, err := q.w.ExecContext(ctx, `DELETE FROM code_challenges WHERE tenant_id = $1 AND id = $2`,
		tenantID, id); err != nil {
		return fmt.Errorf("delete code challenge: %w", err)
	}
	return nil
}

// CodeChallenge returns one of the tenant's code challenges of the given
// kind, or a not-found error.
func (q Queries) CodeChallenge(ctx context.Context, tenantID, id string, kind model.CodeChallengeKind) (model.CodeChallenge, error) {
	c, err := scanCodeChallenge(q.r.QueryRowContext(ctx, `SELECT `+codeChallengeColumns+` FROM code_challenges
		WHERE tenant_id = $1 AND id = $2 AND kind = $3`, tenantID, id, string(kind)))
	return c, notFound(err, "challenge not found")
}

// LatestCodeChallenge returns the newest challenge of one of the given
// kinds and of the given method for a user's action, or a not-found error.
func (q Queries) LatestCodeChallenge(ctx context.Context, tenantID, userID, idempotencyKey string,
	method model.VerificationMethod, kinds ...model.CodeChallengeKind) (model.CodeChallenge, error) {
	args := []any{tenantID, idempotencyKey, string(method), userID}
	marks := make([]string, len(kinds))
	for i, k := range kinds {
		args = append(args, string(k))
		marks[i] = fmt.Sprintf("$%d", len(args))
	}
	c, err := scanCodeChallenge(q.r.QueryRowContext(ctx, `SELECT `+codeChallengeColumns+` FROM code_challenges
		WHERE tenant_id = $1 AND idempotency_key = $2 AND method = $3 AND user_id = $4
		AND kind IN (`+strings.Join(marks, ", ")+`)
		ORDER BY seq DESC LIMIT 1`, args...))
	return c, notFound(err, "no code has been sent for this action")
}

// LockCodeSubject takes, until the end of the current transaction, the
// lock on sending codes to one subject by one method, so that the
// throttle check and the new send happen as one step across instances.
// Outside a transaction it has no lasting effect.
func (q Queries) LockCodeSubject(ctx context.Context, tenantID, subject string, method model.VerificationMethod, now time.Time) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO code_send_locks (tenant_id, subject, method, locked_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant_id, subject, method) DO UPDATE SET locked_at = excluded.locked_at`,
		tenantID, subject, string(method), micros(now))
	if err != nil {
		return fmt.Errorf("lock code subject: %w", err)
	}
	return nil
}

// CodeSendTimes returns when codes still on record were sent to a subject
// by a method, or one sent together with it (model.SentTogether), after
// since, oldest first.
func (q Queries) CodeSendTimes(ctx context.Context, tenantID, subject string, method model.VerificationMethod, since time.Time) ([]time.Time, error) {
	together := model.SentTogether(method)
	rows, err := q.w.QueryContext(ctx, `SELECT created_at FROM code_challenges
		WHERE tenant_id = $1 AND subject = $2 AND method IN ($3, $5) AND created_at > $4 ORDER BY created_at`,
		tenantID, subject, string(together[0]), micros(since), string(together[len(together)-1]))
	if err != nil {
		return nil, fmt.Errorf("code send times: %w", err)
	}
	return scanTimes(rows)
}

// scanTimes reads rows of one time column.
func scanTimes(rows *sql.Rows) ([]time.Time, error) {
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return nil, err
		}
		out = append(out, fromMicros(at))
	}
	return out, rows.Err()
}

// RecordCodeAttempt stores the outcome of one attempt at a challenge: its
// attempt count, and when it was verified (zero when it was not). The
// write succeeds only if the challenge still has the attempt count the
// caller read and is not verified, so two concurrent guesses both count
// and one code verifies at most once; otherwise it returns model.ErrStale.
func (q Queries) RecordCodeAttempt(ctx context.Context, c model.CodeChallenge, readAttempts int) error {
	res, err := q.w.ExecContext(ctx, `UPDATE code_challenges SET attempts = $3, verified_at = $4
		WHERE tenant_id = $1 AND id = $2 AND attempts = $5 AND verified_at = 0`,
		c.TenantID, c.ID, c.Attempts, micros(c.VerifiedAt), readAttempts)
	if err != nil {
		return fmt.Errorf("record code attempt: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.ErrStale
	}
	return nil
}

// ClaimCodeChallenge marks a verified challenge claimed at now, once: a
// challenge not verified or already claimed gives model.ErrStale.
func (q Queries) ClaimCodeChallenge(ctx context.Context, tenantID, id string, now time.Time) error {
	res, err := q.w.ExecContext(ctx, `UPDATE code_challenges SET claimed_at = $3
		WHERE tenant_id = $1 AND id = $2 AND verified_at <> 0 AND claimed_at = 0`, tenantID, id, micros(now))
	if err != nil {
		return fmt.Errorf("claim code challenge: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.ErrStale
	}
	return nil
}

// PurgeCodeChallenges deletes the challenges created before cutoff and
// reports how many.
func (q Queries) PurgeCodeChallenges(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := q.w.ExecContext(ctx, `DELETE FROM code_challenges WHERE created_at < $1`, micros(cutoff))
	if err != nil {
		return 0, fmt.Errorf("purge code challenges: %w", err)
	}
	return res.RowsAffected()
}

// SetAuthenticatorVerified stores an authenticator's address and its
// verification times, as after a code proved it again or replaced its
// address.
func (q Queries) SetAuthenticatorVerified(ctx context.Context, a model.Authenticator) error {
	res, err := q.w.ExecContext(ctx, `UPDATE authenticators SET email = $4, phone_number = $5,
		verified_at = $6, last_verified_at = $7
		WHERE tenant_id = $1 AND user_id = $2 AND id = $3`,
		a.TenantID, a.UserID, a.ID, a.Email, a.PhoneNumber, micros(a.VerifiedAt), micros(a.LastVerifiedAt))
	if err != nil {
		return fmt.Errorf("update authenticator: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("authenticator not found")
	}
	return nil
}

// TOTPSecret returns an authenticator app's secret and the last time step
// a code was accepted for.
func (q Queries) TOTPSecret(ctx context.Context, tenantID, authenticatorID string) (secret string, lastStep int64, err error) {
	err = q.r.QueryRowContext(ctx, `SELECT secret, last_step FROM totp_secrets
		WHERE tenant_id = $1 AND authenticator_id = $2`, tenantID, authenticatorID).Scan(&secret, &lastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, model.NotFound("the authenticator app has no secret")
	}
	return secret, lastStep, err
}

// SaveTOTPSecret stores (or replaces) an authenticator app's secret with
// the time step of the code that proved it.
func (q Queries) SaveTOTPSecret(ctx context.Context, a model.Authenticator, secret string, step int64) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO totp_secrets (authenticator_id, tenant_id, user_id, secret, last_step)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (authenticator_id) DO UPDATE SET secret = excluded.secret, last_step = excluded.last_step`,
		a.ID, a.TenantID, a.UserID, secret, step)
	if err != nil {
		return classify(err, "authenticator app secret")
	}
	return nil
}

// AdvanceTOTPStep records that a code for time step was accepted, only if
// step is later than the last one recorded; otherwise the step was
// already used (perhaps concurrently) and it returns model.ErrStale.
func (q Queries) AdvanceTOTPStep(ctx context.Context, tenantID, authenticatorID string, step int64) error {
	res, err := q.w.ExecContext(ctx, `UPDATE totp_secrets SET last_step = $3
		WHERE tenant_id = $1 AND authenticator_id = $2 AND last_step < $3`, tenantID, authenticatorID, step)
	if err != nil {
		return fmt.Errorf("advance totp step: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.ErrStale
	}
	return nil
}
