package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// Sessions: tenants' signing keys and lifetimes, sessions and their
// refresh tokens. Refresh tokens are looked up by their SHA-256 hash only.

// CreateSessionKey stores a tenant's new signing key.
func (q Queries) CreateSessionKey(ctx context.Context, k model.SessionKey) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO session_keys (tenant_id, id, private_key, created_at)
		VALUES ($1, $2, $3, $4)`, k.TenantID, k.ID, k.PrivateKey, micros(k.CreatedAt))
	if err != nil {
		return classify(err, "session key")
	}
	return nil
}

// SessionKeys lists a tenant's signing keys, newest first.
func (q Queries) SessionKeys(ctx context.Context, tenantID string) ([]model.SessionKey, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT id, private_key, created_at FROM session_keys
		WHERE tenant_id = $1 ORDER BY created_at DESC, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list session keys: %w", err)
	}
	defer rows.Close()
	var out []model.SessionKey
	for rows.Next() {
		k := model.SessionKey{TenantID: tenantID}
		var created int64
		if err := rows.Scan(&k.ID, &k.PrivateKey, &created); err != nil {
			return nil, fmt.Errorf("list session keys: %w", err)
		}
		k.CreatedAt = fromMicros(created)
		out = append(out, k)
	}
	return out, rows.Err()
}

// SessionKey returns one of a tenant's signing keys by id.
func (q Queries) SessionKey(ctx context.Context, tenantID, id string) (model.SessionKey, error) {
	k := model.SessionKey{TenantID: tenantID, ID: id}
	var created int64
	err := q.r.QueryRowContext(ctx, `SELECT private_key, created_at FROM session_keys
		WHERE tenant_id = $1 AND id = $2`, tenantID, id).Scan(&k.PrivateKey, &created)
	k.CreatedAt = fromMicros(created)
	return k, notFound(err, "no such session key")
}

// SessionSettings returns a tenant's session lifetimes; not found when
// the tenant never set them.
func (q Queries) SessionSettings(ctx context.Context, tenantID string) (model.SessionSettings, error) {
	s := model.SessionSettings{TenantID: tenantID}
	var access, refresh, updated int64
	err := q.r.QueryRowContext(ctx, `SELECT access_token_ttl, refresh_token_ttl, updated_at FROM session_settings
		WHERE tenant_id = $1`, tenantID).Scan(&access, &refresh, &updated)
	s.AccessTokenTTL, s.RefreshTokenTTL = time.Duration(access)*time.Second, time.Duration(refresh)*time.Second
	s.UpdatedAt = fromMicros(updated)
	return s, notFound(err, "no session settings")
}

// SetSessionSettings stores a tenant's session lifetimes, in whole seconds.
func (q Queries) SetSessionSettings(ctx context.Context, s model.SessionSettings) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO session_settings (tenant_id, access_token_ttl, refresh_token_ttl, updated_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant_id) DO UPDATE SET access_token_ttl = excluded.access_token_ttl,
			refresh_token_ttl = excluded.refresh_token_ttl, updated_at = excluded.updated_at`,
		s.TenantID, int64(s.AccessTokenTTL/time.Second), int64(s.RefreshTokenTTL/time.Second), micros(s.UpdatedAt))
	if err != nil {
		return classify(err, "session settings")
	}
	return nil
}

// CreateSession stores a new session with its first refresh token. A
// second session of the same action is a conflict.
func (q Queries) CreateSession(ctx context.Context, s model.Session, refresh model.RefreshToken) error {
	return q.atomic(ctx, func(q Queries) error {
		_, err := q.w.ExecContext(ctx, `INSERT INTO sessions (id, tenant_id, user_id, client_id, verification_method,
			action_key, access_token_id, created_at, refreshed_at, expires_at, token_expires_at, revoked_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			s.ID, s.TenantID, s.UserID, s.ClientID, string(s.VerificationMethod), s.ActionKey, s.AccessTokenID,
			micros(s.CreatedAt), micros(s.RefreshedAt), micros(s.ExpiresAt), micros(s.TokenExpiresAt), micros(s.RevokedAt))
		if err != nil {
			return classify(err, "session")
		}
		return q.CreateRefreshToken(ctx, refresh)
	})
}

const sessionColumns = `id, tenant_id, user_id, client_id, verification_method, action_key, access_token_id,
	created_at, refreshed_at, expires_at, token_expires_at, revoked_at`

// Session returns a tenant's session by id, revoked or not.
func (q Queries) Session(ctx context.Context, tenantID, id string) (model.Session, error) {
	var s model.Session
	var method string
	var created, refreshed, expires, tokenExpires, revoked int64
	err := q.r.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE tenant_id = $1 AND id = $2`, tenantID, id).
		Scan(&s.ID, &s.TenantID, &s.UserID, &s.ClientID, &method, &s.ActionKey, &s.AccessTokenID,
			&created, &refreshed, &expires, &tokenExpires, &revoked)
	if err != nil {
		return s, notFound(err, "no such session")
	}
	s.VerificationMethod = model.VerificationMethod(method)
	s.CreatedAt, s.RefreshedAt, s.ExpiresAt = fromMicros(created), fromMicros(refreshed), fromMicros(expires)
	s.TokenExpiresAt, s.RevokedAt = fromMicros(tokenExpires), fromMicros(revoked)
	return s, nil
}

// RotateSession records a refresh: the session's newest access token and
// when its new refresh token expires. A revoked session is not found.
func (q Queries) RotateSession(ctx context.Context, tenantID, id, accessTokenID string, now, expires time.Time) error {
	res, err := q.w.ExecContext(ctx, `UPDATE sessions SET access_token_id = $3, refreshed_at = $4, expires_at = $5
		WHERE tenant_id = $1 AND id = $2 AND revoked_at = 0`, tenantID, id, accessTokenID, micros(now), micros(expires))
	if err != nil {
		return fmt.Errorf("rotate session: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("no such session")
	}
	return nil
}

// RevokeSession revokes a tenant's session at now, which also ends it
// (its expiry is now, if later); revoking it again changes nothing. An
// unknown session is not found.
func (q Queries) RevokeSession(ctx context.Context, tenantID, id string, now time.Time) error {
	res, err := q.w.ExecContext(ctx, `UPDATE sessions SET revoked_at = CASE WHEN revoked_at = 0 THEN $3 ELSE revoked_at END,
		expires_at = CASE WHEN expires_at > $3 THEN $3 ELSE expires_at END
		WHERE tenant_id = $1 AND id = $2`, tenantID, id, micros(now))
	if err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("no such session")
	}
	return nil
}

// RevokeUserSessions revokes every live session of a user at now, as
// RevokeSession does, and reports how many.
func (q Queries) RevokeUserSessions(ctx context.Context, tenantID, userID string, now time.Time) (int64, error) {
	res, err := q.w.ExecContext(ctx, `UPDATE sessions SET revoked_at = $3,
		expires_at = CASE WHEN expires_at > $3 THEN $3 ELSE expires_at END
		WHERE tenant_id = $1 AND user_id = $2 AND revoked_at = 0`, tenantID, userID, micros(now))
	if err != nil {
		return 0, fmt.Errorf("revoke user sessions: %w", err)
	}
	return res.RowsAffected()
}

// CreateRefreshToken stores a session's new refresh token.
func (q Queries) CreateRefreshToken(ctx context.Context, rt model.RefreshToken) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO session_refresh_tokens (token_hash, tenant_id, session_id, created_at, used_at)
		VALUES ($1, $2, $3, $4, $5)`, rt.Hash, rt.TenantID, rt.SessionID, micros(rt.CreatedAt), micros(rt.UsedAt))
	if err != nil {
		return classify(err, "refresh token")
	}
	return nil
}

// RefreshToken returns a tenant's refresh token by its hash, used or not.
func (q Queries) RefreshToken(ctx context.Context, tenantID string, hash []byte) (model.RefreshToken, error) {
	rt := model.RefreshToken{Hash: hash, TenantID: tenantID}
	var created, used int64
	err := q.r.QueryRowContext(ctx, `SELECT session_id, created_at, used_at FROM session_refresh_tokens
		WHERE token_hash = $1 AND tenant_id = $2`, hash, tenantID).Scan(&rt.SessionID, &created, &used)
	rt.CreatedAt, rt.UsedAt = fromMicros(created), fromMicros(used)
	return rt, notFound(err, "no such refresh token")
}

// UseRefreshToken marks a refresh token used at now, once: a token
// already used (by a refresh running at the same time, too) is not found.
func (q Queries) UseRefreshToken(ctx context.Context, tenantID string, hash []byte, now time.Time) error {
	res, err := q.w.ExecContext(ctx, `UPDATE session_refresh_tokens SET used_at = $3
		WHERE token_hash = $1 AND tenant_id = $2 AND used_at = 0`, hash, tenantID, micros(now))
	if err != nil {
		return fmt.Errorf("use refresh token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("no such refresh token")
	}
	return nil
}

// PurgeSessions deletes, with their refresh tokens, the sessions that
// expired before cutoff (revoking one ends it: see RevokeSession) and
// whose action's token expired before cutoff too, and reports how many.
func (q Queries) PurgeSessions(ctx context.Context, cutoff time.Time) (int64, error) {
	return q.purge(ctx, "sessions", `DELETE FROM sessions WHERE id IN
		(SELECT id FROM sessions WHERE expires_at < $1 AND token_expires_at < $1 LIMIT $2)`, cutoff)
}

// PurgeUsedRefreshTokens deletes the refresh tokens used before cutoff
// and reports how many.
func (q Queries) PurgeUsedRefreshTokens(ctx context.Context, cutoff time.Time) (int64, error) {
	return q.purge(ctx, "used refresh tokens", `DELETE FROM session_refresh_tokens WHERE token_hash IN
		(SELECT token_hash FROM session_refresh_tokens WHERE used_at > 0 AND used_at < $1 LIMIT $2)`, cutoff)
}
