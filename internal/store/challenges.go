package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

const challengeColumns = `id, tenant_id, kind, user_id, action_code, idempotency_key, device_id, scope,
	session, created_at, expires_at, used_at, options`

func scanChallenge(row scanner) (model.PasskeyChallenge, error) {
	var c model.PasskeyChallenge
	var kind string
	var created, expires, used int64
	err := row.Scan(&c.ID, &c.TenantID, &kind, &c.UserID, &c.ActionCode, &c.IdempotencyKey, &c.DeviceID,
		&c.Scope, &c.Session, &created, &expires, &used, &c.Options)
	if len(c.Options) == 0 {
		c.Options = nil
	}
	c.Kind = model.ChallengeKind(kind)
	c.CreatedAt, c.ExpiresAt, c.UsedAt = fromMicros(created), fromMicros(expires), fromMicros(used)
	return c, err
}

// CreatePasskeyChallenge stores a new pending ceremony.
func (q Queries) CreatePasskeyChallenge(ctx context.Context, c model.PasskeyChallenge) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO passkey_challenges (`+challengeColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		c.ID, c.TenantID, string(c.Kind), c.UserID, c.ActionCode, c.IdempotencyKey, c.DeviceID, c.Scope,
		nonNilBytes(c.Session), micros(c.CreatedAt), micros(c.ExpiresAt), micros(c.UsedAt), nonNilBytes(c.Options))
	if err != nil {
		return fmt.Errorf("create passkey challenge: %w", err)
	}
	return nil
}

// PasskeyChallenge returns a challenge that is neither used nor expired at now.
func (q Queries) PasskeyChallenge(ctx context.Context, tenantID, id string, now time.Time) (model.PasskeyChallenge, error) {
	c, err := scanChallenge(q.r.QueryRowContext(ctx, `SELECT `+challengeColumns+` FROM passkey_challenges
		WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errChallengeUnknown
	}
	if err != nil {
		return c, fmt.Errorf("read passkey challenge: %w", err)
	}
	return c, challengeUsable(c, now)
}

// SetChallengeSession attaches new WebAuthn session data to a challenge
// that is still pending, and moves its expiry. The options stored with
// the previous session, if any, are dropped.
func (q Queries) SetChallengeSession(ctx context.Context, tenantID, id string, session []byte, now, expires time.Time) error {
	return q.SetChallengeCeremony(ctx, tenantID, id, session, nil, now, expires)
}

// SetChallengeCeremony attaches new WebAuthn session data and the request
// options issued with it to a challenge that is still pending, and moves
// its expiry.
func (q Queries) SetChallengeCeremony(ctx context.Context, tenantID, id string, session, options []byte, now, expires time.Time) error {
	res, err := q.w.ExecContext(ctx, `UPDATE passkey_challenges SET session = $3, expires_at = $5, options = $6
		WHERE tenant_id = $1 AND id = $2 AND used_at = 0 AND expires_at > $4`,
		tenantID, id, session, micros(now), micros(expires), nonNilBytes(options))
	if err != nil {
		return fmt.Errorf("set challenge session: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		_, err := q.PasskeyChallenge(ctx, tenantID, id, now)
		if err == nil {
			err = errChallengeUnknown
		}
		return err
	}
	return nil
}

// ConsumePasskeyChallenge marks a pending challenge used at now and
// returns it, atomically: of two instances finishing the same ceremony,
// exactly one gets it. A used, expired or unknown challenge is an
// ErrInvalid error with the code "invalid_challenge".
func (q Queries) ConsumePasskeyChallenge(ctx context.Context, tenantID, id string, now time.Time) (model.PasskeyChallenge, error) {
	c, err := scanChallenge(q.w.QueryRowContext(ctx, `UPDATE passkey_challenges SET used_at = $3
		WHERE tenant_id = $1 AND id = $2 AND used_at = 0 AND expires_at > $3
		RETURNING `+challengeColumns, tenantID, id, micros(now)))
	if errors.Is(err, sql.ErrNoRows) {
		_, why := q.PasskeyChallenge(ctx, tenantID, id, now)
		if why == nil {
			why = errChallengeUnknown
		}
		return c, why
	}
	if err != nil {
		return c, fmt.Errorf("consume passkey challenge: %w", err)
	}
	return c, nil
}

// PurgePasskeyChallenges deletes challenges that expired before cutoff and
// reports how many.
func (q Queries) PurgePasskeyChallenges(ctx context.Context, cutoff time.Time) (int64, error) {
	return q.purge(ctx, "passkey challenges", `DELETE FROM passkey_challenges WHERE id IN
		(SELECT id FROM passkey_challenges WHERE expires_at < $1 LIMIT $2)`, cutoff)
}

// purgeBatch is how many rows one purge statement deletes at most, so
// that purging what a flood left never holds the writer for long.
const purgeBatch = 1000

// purge runs a delete of at most purgeBatch rows expired before cutoff
// (the query's $1 and $2) until fewer are left, and reports how many went.
// Every instance may purge at the same time: a row deleted twice is
// deleted once.
func (q Queries) purge(ctx context.Context, what, query string, cutoff time.Time) (int64, error) {
	var total int64
	for {
		res, err := q.w.ExecContext(ctx, query, micros(cutoff), purgeBatch)
		if err != nil {
			return total, fmt.Errorf("purge %s: %w", what, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("purge %s: %w", what, err)
		}
		total += n
		if n < purgeBatch {
			return total, nil
		}
	}
}

var (
	errChallengeUnknown = model.Errorf(model.ErrInvalid, "invalid_challenge", "the challenge is not known; start again")
	errChallengeUsed    = model.Errorf(model.ErrInvalid, "invalid_challenge", "the challenge was already used; start again")
	errChallengeExpired = model.Errorf(model.ErrInvalid, "invalid_challenge", "the challenge has expired; start again")
)

func challengeUsable(c model.PasskeyChallenge, now time.Time) error {
	switch {
	case !c.UsedAt.IsZero():
		return errChallengeUsed
	case !c.ExpiresAt.After(now):
		return errChallengeExpired
	}
	return nil
}
