-- +goose Up
-- Sessions: a succeeded challenge's token exchanged for an access token
-- (an ES256 JWT signed with one of the tenant's session keys) and a
-- refresh token, stored only as its SHA-256 hash and replaced at every
-- refresh. A session row is the family of those tokens: revoking it
-- refuses every token it issued.
CREATE TABLE session_keys (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    private_key  BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- Lifetimes in seconds; a tenant without a row has the defaults.
CREATE TABLE session_settings (
    tenant_id          TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    access_token_ttl   INTEGER NOT NULL,
    refresh_token_ttl  INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

-- action_key is the idempotency key of the action whose token made the
-- session: one token makes one session. token_expires_at is when that
-- token expires; the row is kept until then, so that a revoked session's
-- token cannot make another. expires_at is when the current refresh
-- token expires.
CREATE TABLE sessions (
    id                   TEXT PRIMARY KEY,
    tenant_id            TEXT NOT NULL,
    user_id              TEXT NOT NULL,
    client_id            TEXT NOT NULL,
    verification_method  TEXT NOT NULL,
    action_key           TEXT NOT NULL,
    access_token_id      TEXT NOT NULL,
    created_at           INTEGER NOT NULL,
    refreshed_at         INTEGER NOT NULL,
    expires_at           INTEGER NOT NULL,
    token_expires_at     INTEGER NOT NULL,
    revoked_at           INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id) ON DELETE CASCADE,
    UNIQUE (tenant_id, action_key)
);
CREATE INDEX sessions_user ON sessions (tenant_id, user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Used refresh tokens are kept a while (see sessions.ReuseWindow) so that
-- one presented again revokes its session.
CREATE TABLE session_refresh_tokens (
    token_hash  BLOB PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    used_at     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX session_refresh_tokens_session ON session_refresh_tokens (session_id);
CREATE INDEX session_refresh_tokens_used ON session_refresh_tokens (used_at) WHERE used_at > 0;

-- +goose Down
DROP TABLE session_refresh_tokens;
DROP TABLE sessions;
DROP TABLE session_settings;
DROP TABLE session_keys;
