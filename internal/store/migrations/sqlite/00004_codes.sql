-- +goose Up
-- One-time code challenges: email and text message codes (only a salted
-- hash of the code is kept), Server API challenges claimed by track, and
-- the attempts at authenticator app codes. Each email or text row is one
-- code that was sent, so the rows of the last hour are also the record the
-- send throttle counts.
CREATE TABLE code_challenges (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL,
    method            TEXT NOT NULL,
    subject           TEXT NOT NULL,
    user_id           TEXT NOT NULL DEFAULT '',
    authenticator_id  TEXT NOT NULL DEFAULT '',
    email             TEXT NOT NULL DEFAULT '',
    phone_number      TEXT NOT NULL DEFAULT '',
    action_code       TEXT NOT NULL DEFAULT '',
    idempotency_key   TEXT NOT NULL DEFAULT '',
    -- seq orders the challenges of one action (idempotency key), newest last.
    seq               INTEGER NOT NULL DEFAULT 0,
    device_id         TEXT NOT NULL DEFAULT '',
    scope             TEXT NOT NULL DEFAULT '',
    code_hash         BLOB NOT NULL,
    salt              BLOB NOT NULL,
    totp_secret       TEXT NOT NULL DEFAULT '',
    attempts          INTEGER NOT NULL DEFAULT 0,
    max_attempts      INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    verified_at       INTEGER NOT NULL DEFAULT 0,
    claimed_at        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX code_challenges_sends ON code_challenges (tenant_id, subject, method, created_at);
CREATE INDEX code_challenges_action ON code_challenges (tenant_id, idempotency_key, seq);
CREATE INDEX code_challenges_created ON code_challenges (created_at);

-- One row per throttled subject and method. Sending a code first updates
-- this row, which serialises the throttle check and the new send across
-- instances sharing one database.
CREATE TABLE code_send_locks (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    subject    TEXT NOT NULL,
    method     TEXT NOT NULL,
    locked_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, subject, method)
);

-- The secret of each AUTHENTICATOR_APP authenticator and the last time
-- step a code was accepted for, so no code is accepted twice.
CREATE TABLE totp_secrets (
    authenticator_id  TEXT PRIMARY KEY REFERENCES authenticators (id) ON DELETE CASCADE,
    tenant_id         TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    secret            TEXT NOT NULL,
    last_step         INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE totp_secrets;
DROP TABLE code_send_locks;
DROP TABLE code_challenges;
