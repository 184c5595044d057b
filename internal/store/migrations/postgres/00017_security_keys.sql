-- +goose Up
-- One row per SECURITY_KEY authenticator: the WebAuthn credential of a
-- roaming authenticator (USB, NFC, Bluetooth) registered as a security
-- key, with the same columns as a passkey. Security keys live apart from
-- passkeys so that nothing that counts passkeys (coverage, the passkey
-- known on a device, provider lists) ever counts one.
CREATE TABLE security_keys (
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
CREATE INDEX security_keys_user ON security_keys (tenant_id, user_id);

-- +goose Down
DROP TABLE security_keys;
