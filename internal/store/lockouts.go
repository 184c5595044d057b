package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

const codeLockoutColumns = `tenant_id, subject, method, failures, lockouts, locked_until, last_failure, version`

func scanCodeLockout(row scanner) (model.CodeLockout, error) {
	var l model.CodeLockout
	var method string
	var until, last int64
	err := row.Scan(&l.TenantID, &l.Subject, &method, &l.Failures, &l.Lockouts, &until, &last, &l.Version)
	l.Method, l.LockedUntil, l.LastFailure = model.VerificationMethod(method), fromMicros(until), fromMicros(last)
	return l, err
}

// CodeLockout returns how a subject stands with a code method: its wrong
// codes in a row and its locks. A subject with no record gets a clean one
// of version 0.
func (q Queries) CodeLockout(ctx context.Context, tenantID, subject string, method model.VerificationMethod) (model.CodeLockout, error) {
	l, err := scanCodeLockout(q.r.QueryRowContext(ctx, `SELECT `+codeLockoutColumns+` FROM code_lockouts
		WHERE tenant_id = $1 AND subject = $2 AND method = $3`, tenantID, subject, string(method)))
	if errors.Is(err, sql.ErrNoRows) {
		return model.CodeLockout{TenantID: tenantID, Subject: subject, Method: method}, nil
	}
	if err != nil {
		return l, fmt.Errorf("code lockout: %w", err)
	}
	return l, nil
}

// SaveCodeLockout stores l as the next version of its record, only if the
// stored record is still at l.Version (0: none stored); otherwise another
// attempt was counted since l was read and it returns model.ErrStale.
func (q Queries) SaveCodeLockout(ctx context.Context, l model.CodeLockout) error {
	var res sql.Result
	var err error
	if l.Version == 0 {
		res, err = q.w.ExecContext(ctx, `INSERT INTO code_lockouts (`+codeLockoutColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 1) ON CONFLICT (tenant_id, subject, method) DO NOTHING`,
			l.TenantID, l.Subject, string(l.Method), l.Failures, l.Lockouts, micros(l.LockedUntil), micros(l.LastFailure))
	} else {
		res, err = q.w.ExecContext(ctx, `UPDATE code_lockouts SET failures = $4, lockouts = $5, locked_until = $6,
			last_failure = $7, version = version + 1
			WHERE tenant_id = $1 AND subject = $2 AND method = $3 AND version = $8`,
			l.TenantID, l.Subject, string(l.Method), l.Failures, l.Lockouts, micros(l.LockedUntil), micros(l.LastFailure),
			l.Version)
	}
	if err != nil {
		return fmt.Errorf("save code lockout: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.ErrStale
	}
	return nil
}

// DeleteCodeLockout forgets how a subject stands with a method, lifting
// any lock: as when an admin lifts it. It reports whether there was a
// record.
func (q Queries) DeleteCodeLockout(ctx context.Context, tenantID, subject string, method model.VerificationMethod) (bool, error) {
	res, err := q.w.ExecContext(ctx, `DELETE FROM code_lockouts WHERE tenant_id = $1 AND subject = $2 AND method = $3`,
		tenantID, subject, string(method))
	if err != nil {
		return false, fmt.Errorf("delete code lockout: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// CodeLockouts returns the records of one subject, one per method that has
// one, ordered by method.
func (q Queries) CodeLockouts(ctx context.Context, tenantID, subject string) ([]model.CodeLockout, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+codeLockoutColumns+` FROM code_lockouts
		WHERE tenant_id = $1 AND subject = $2 ORDER BY method`, tenantID, subject)
	if err != nil {
		return nil, fmt.Errorf("code lockouts: %w", err)
	}
	defer rows.Close()
	var out []model.CodeLockout
	for rows.Next() {
		l, err := scanCodeLockout(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// PurgeCodeLockouts deletes the records with neither a wrong code nor a
// lock after cutoff, which are as good as clean ones, and reports how
// many.
func (q Queries) PurgeCodeLockouts(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := q.w.ExecContext(ctx, `DELETE FROM code_lockouts WHERE last_failure < $1 AND locked_until < $1`,
		micros(cutoff))
	if err != nil {
		return 0, fmt.Errorf("purge code lockouts: %w", err)
	}
	return res.RowsAffected()
}

// CodeSendTimesTo returns when codes still on record were sent to a
// destination (a normalised address, see model.CodeChallenge.Destination)
// by a method, or one sent together with it (model.SentTogether), after
// since, whichever user asked, oldest first.
func (q Queries) CodeSendTimesTo(ctx context.Context, tenantID string, method model.VerificationMethod, destination string, since time.Time) ([]time.Time, error) {
	together := model.SentTogether(method)
	rows, err := q.w.QueryContext(ctx, `SELECT created_at FROM code_challenges
		WHERE tenant_id = $1 AND method IN ($2, $5) AND destination = $3 AND created_at > $4 ORDER BY created_at`,
		tenantID, string(together[0]), destination, micros(since), string(together[len(together)-1]))
	if err != nil {
		return nil, fmt.Errorf("code send times: %w", err)
	}
	return scanTimes(rows)
}

// CountCodeSend adds one send by a method to the tenant's count for the
// clock hour hour (Unix seconds / 3600) and returns the count with it, and
// the count of the hour before. Inside a transaction, the row stays locked
// until the end, so concurrent sends of one tenant are counted one by one.
func (q Queries) CountCodeSend(ctx context.Context, tenantID string, method model.VerificationMethod, hour int64) (previous, current int, err error) {
	err = q.w.QueryRowContext(ctx, `INSERT INTO code_send_counts (tenant_id, method, hour, sends) VALUES ($1, $2, $3, 1)
		ON CONFLICT (tenant_id, method, hour) DO UPDATE SET sends = code_send_counts.sends + 1
		RETURNING sends`, tenantID, string(method), hour).Scan(&current)
	if err != nil {
		return 0, 0, fmt.Errorf("count code send: %w", err)
	}
	err = q.w.QueryRowContext(ctx, `SELECT sends FROM code_send_counts WHERE tenant_id = $1 AND method = $2 AND hour = $3`,
		tenantID, string(method), hour-1).Scan(&previous)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("count code send: %w", err)
	}
	return previous, current, nil
}

// UncountCodeSend takes back one send counted by CountCodeSend, as when
// the code could not be delivered.
func (q Queries) UncountCodeSend(ctx context.Context, tenantID string, method model.VerificationMethod, hour int64) error {
	_, err := q.w.ExecContext(ctx, `UPDATE code_send_counts SET sends = sends - 1
		WHERE tenant_id = $1 AND method = $2 AND hour = $3 AND sends > 0`, tenantID, string(method), hour)
	if err != nil {
		return fmt.Errorf("uncount code send: %w", err)
	}
	return nil
}

// CountRefusedSend records that the tenant's ceiling refused a send by a
// method at now, and reports whether it is the first refusal of that
// clock hour.
func (q Queries) CountRefusedSend(ctx context.Context, tenantID string, method model.VerificationMethod, now time.Time) (first bool, err error) {
	hour := now.Unix() / 3600
	var refused int
	err = q.w.QueryRowContext(ctx, `INSERT INTO code_send_counts (tenant_id, method, hour, refused, first_refused_at)
		VALUES ($1, $2, $3, 1, $4)
		ON CONFLICT (tenant_id, method, hour) DO UPDATE SET refused = code_send_counts.refused + 1,
			first_refused_at = CASE WHEN code_send_counts.first_refused_at = 0 THEN excluded.first_refused_at
				ELSE code_send_counts.first_refused_at END
		RETURNING refused`, tenantID, string(method), hour, micros(now)).Scan(&refused)
	if err != nil {
		return false, fmt.Errorf("count refused send: %w", err)
	}
	return refused == 1, nil
}

// SendCeilingTrips returns the hours since since in which the tenant's
// ceiling refused sends, newest first.
func (q Queries) SendCeilingTrips(ctx context.Context, tenantID string, since time.Time) ([]model.SendCeilingTrip, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT method, sends, refused, first_refused_at FROM code_send_counts
		WHERE tenant_id = $1 AND hour >= $2 AND refused > 0 ORDER BY hour DESC, method`, tenantID, since.Unix()/3600)
	if err != nil {
		return nil, fmt.Errorf("send ceiling trips: %w", err)
	}
	defer rows.Close()
	var out []model.SendCeilingTrip
	for rows.Next() {
		var t model.SendCeilingTrip
		var method string
		var first int64
		if err := rows.Scan(&method, &t.Sends, &t.Refused, &first); err != nil {
			return nil, err
		}
		t.Method, t.FirstRefusedAt = model.VerificationMethod(method), fromMicros(first)
		out = append(out, t)
	}
	return out, rows.Err()
}

// PurgeCodeSendCounts deletes the counts of hours before hour.
func (q Queries) PurgeCodeSendCounts(ctx context.Context, hour int64) (int64, error) {
	res, err := q.w.ExecContext(ctx, `DELETE FROM code_send_counts WHERE hour < $1`, hour)
	if err != nil {
		return 0, fmt.Errorf("purge code send counts: %w", err)
	}
	return res.RowsAffected()
}

// PurgeCodeSendLocks deletes the send locks last taken before cutoff; a
// lock row only serialises sends while they are decided.
func (q Queries) PurgeCodeSendLocks(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := q.w.ExecContext(ctx, `DELETE FROM code_send_locks WHERE locked_at < $1`, micros(cutoff))
	if err != nil {
		return 0, fmt.Errorf("purge code send locks: %w", err)
	}
	return res.RowsAffected()
}
