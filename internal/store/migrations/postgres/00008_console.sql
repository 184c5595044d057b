-- +goose Up
-- The admin console: a tenant's admins, their passkeys (bound to the
-- console's own relying party, not the tenant's), one-time invitation
-- links, pending console ceremonies and signed-in sessions. Secrets
-- (invitation and session tokens) are kept only as SHA-256 hashes.
CREATE TABLE admins (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    handle      BYTEA NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);
CREATE INDEX admins_tenant ON admins (tenant_id);

CREATE TABLE admin_passkeys (
    credential_id         BYTEA PRIMARY KEY,
    admin_id              TEXT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    public_key            BYTEA NOT NULL,
    public_key_algorithm  BIGINT NOT NULL DEFAULT 0,
    sign_count            BIGINT NOT NULL DEFAULT 0,
    aaguid                BYTEA NOT NULL,
    transports            TEXT NOT NULL DEFAULT '[]',
    attestation_type      TEXT NOT NULL DEFAULT '',
    attestation_format    TEXT NOT NULL DEFAULT '',
    user_present          BOOLEAN NOT NULL DEFAULT FALSE,
    user_verified         BOOLEAN NOT NULL DEFAULT FALSE,
    backup_eligible       BOOLEAN NOT NULL DEFAULT FALSE,
    backup_state          BOOLEAN NOT NULL DEFAULT FALSE,
    attachment            TEXT NOT NULL DEFAULT '',
    created_at            BIGINT NOT NULL,
    last_used_at          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX admin_passkeys_admin ON admin_passkeys (admin_id);

CREATE TABLE admin_invites (
    token_hash  BYTEA PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE admin_ceremonies (
    id           TEXT PRIMARY KEY,
    invite_hash  BYTEA NOT NULL,
    admin_name   TEXT NOT NULL DEFAULT '',
    handle       BYTEA NOT NULL,
    session      BYTEA NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX admin_ceremonies_expires ON admin_ceremonies (expires_at);

CREATE TABLE admin_sessions (
    token_hash  BYTEA PRIMARY KEY,
    admin_id    TEXT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX admin_sessions_expires ON admin_sessions (expires_at);

-- The adoption dashboard reads a tenant's actions by time.
CREATE INDEX actions_tenant_created ON actions (tenant_id, created_at);

-- +goose Down
DROP INDEX actions_tenant_created;
DROP TABLE admin_sessions;
DROP TABLE admin_ceremonies;
DROP TABLE admin_invites;
DROP TABLE admin_passkeys;
DROP TABLE admins;
