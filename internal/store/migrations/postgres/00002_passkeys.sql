-- +goose Up
-- The WebAuthn user handle of each user who has begun a passkey ceremony:
-- random bytes, so the handle reveals nothing about the app's user id.
CREATE TABLE webauthn_user_handles (
    tenant_id   TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    handle      BYTEA NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    UNIQUE (tenant_id, handle),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id) ON DELETE CASCADE
);

-- One row per PASSKEY authenticator: everything the ceremonies produced.
CREATE TABLE passkeys (
    authenticator_id            TEXT PRIMARY KEY REFERENCES authenticators (id) ON DELETE CASCADE,
    tenant_id                   TEXT NOT NULL,
    user_id                     TEXT NOT NULL,
    credential_id               BYTEA NOT NULL,
    public_key                  BYTEA NOT NULL,
    public_key_algorithm        BIGINT NOT NULL DEFAULT 0,
    sign_count                  BIGINT NOT NULL DEFAULT 0,
    aaguid                      BYTEA NOT NULL,
    transports                  TEXT NOT NULL DEFAULT '[]',
    attestation_type            TEXT NOT NULL DEFAULT '',
    attestation_format          TEXT NOT NULL DEFAULT '',
    attestation_object          BYTEA NOT NULL,
    client_data_json            BYTEA NOT NULL,
    user_present                BOOLEAN NOT NULL DEFAULT FALSE,
    user_verified               BOOLEAN NOT NULL DEFAULT FALSE,
    backup_eligible             BOOLEAN NOT NULL DEFAULT FALSE,
    backup_state                BOOLEAN NOT NULL DEFAULT FALSE,
    attachment                  TEXT NOT NULL DEFAULT '',
    device_id                   TEXT NOT NULL DEFAULT '',
    user_agent                  TEXT NOT NULL DEFAULT '',
    parsed_user_agent           TEXT NOT NULL DEFAULT '{}',
    name                        TEXT NOT NULL DEFAULT '',
    created_at                  BIGINT NOT NULL,
    last_verified_at            BIGINT NOT NULL DEFAULT 0,
    counter_regressions         BIGINT NOT NULL DEFAULT 0,
    last_counter_regression_at  BIGINT NOT NULL DEFAULT 0,
    backup_eligible_changes     BIGINT NOT NULL DEFAULT 0,
    backup_eligible_changed_at  BIGINT NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, credential_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id) ON DELETE CASCADE
);
CREATE INDEX passkeys_user ON passkeys (tenant_id, user_id);

-- Pending WebAuthn ceremonies with the library's complete session data.
CREATE TABLE passkey_challenges (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    user_id          TEXT NOT NULL DEFAULT '',
    action_code      TEXT NOT NULL DEFAULT '',
    idempotency_key  TEXT NOT NULL DEFAULT '',
    device_id        TEXT NOT NULL DEFAULT '',
    scope            TEXT NOT NULL DEFAULT '',
    session          BYTEA NOT NULL,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    used_at          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX passkey_challenges_expiry ON passkey_challenges (expires_at);

-- Browser profiles and app installs, by device id.
CREATE TABLE devices (
    tenant_id        TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id               TEXT NOT NULL,
    user_agent       TEXT NOT NULL DEFAULT '',
    capabilities     TEXT NOT NULL DEFAULT '{}',
    capabilities_at  BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    last_seen_at     BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- Which passkeys are known on which device, and how.
CREATE TABLE device_passkeys (
    tenant_id         TEXT NOT NULL,
    device_id         TEXT NOT NULL,
    authenticator_id  TEXT NOT NULL REFERENCES authenticators (id) ON DELETE CASCADE,
    relation          TEXT NOT NULL,
    first_at          BIGINT NOT NULL,
    last_at           BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, device_id, authenticator_id, relation),
    FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX device_passkeys_authenticator ON device_passkeys (authenticator_id);

-- Passkey provider names by AAGUID, fetched from a configurable list.
CREATE TABLE passkey_provider_names (
    aaguid          TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    svg_icon_light  TEXT NOT NULL DEFAULT '',
    svg_icon_dark   TEXT NOT NULL DEFAULT '',
    updated_at      BIGINT NOT NULL
);

-- +goose Down
DROP TABLE passkey_provider_names;
DROP TABLE device_passkeys;
DROP TABLE devices;
DROP TABLE passkey_challenges;
DROP TABLE passkeys;
DROP TABLE webauthn_user_handles;
