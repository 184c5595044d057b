-- +goose Up
CREATE TABLE tenants (
    id                          TEXT PRIMARY KEY,
    name                        TEXT NOT NULL,
    rp_id                       TEXT NOT NULL,
    rp_name                     TEXT NOT NULL,
    origins                     TEXT NOT NULL DEFAULT '[]',
    redirect_prefixes           TEXT NOT NULL DEFAULT '[]',
    token_key                   BLOB NOT NULL,
    disable_enrollment_prompt   INTEGER NOT NULL DEFAULT 0,
    enrollment_prompt_interval  INTEGER NOT NULL DEFAULT 0,
    recovery_methods            TEXT NOT NULL DEFAULT '[]',
    user_verification           TEXT NOT NULL DEFAULT 'required',
    created_at                  INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    prefix      TEXT NOT NULL,
    hash        BLOB NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

CREATE TABLE users (
    tenant_id              TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id                TEXT NOT NULL,
    email                  TEXT NOT NULL DEFAULT '',
    email_verified         INTEGER NOT NULL DEFAULT 0,
    phone_number           TEXT NOT NULL DEFAULT '',
    phone_number_verified  INTEGER NOT NULL DEFAULT 0,
    username               TEXT NOT NULL DEFAULT '',
    display_name           TEXT NOT NULL DEFAULT '',
    custom                 TEXT NOT NULL DEFAULT '{}',
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX users_email ON users (tenant_id, lower(email)) WHERE email <> '';
CREATE INDEX users_username ON users (tenant_id, lower(username)) WHERE username <> '';
CREATE INDEX users_phone ON users (tenant_id, phone_number) WHERE phone_number <> '';

CREATE TABLE authenticators (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    method            TEXT NOT NULL,
    email             TEXT NOT NULL DEFAULT '',
    phone_number      TEXT NOT NULL DEFAULT '',
    is_default        INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    verified_at       INTEGER NOT NULL DEFAULT 0,
    last_verified_at  INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id) ON DELETE CASCADE
);
CREATE INDEX authenticators_user ON authenticators (tenant_id, user_id);
CREATE UNIQUE INDEX authenticators_one_default ON authenticators (tenant_id, user_id) WHERE is_default;

CREATE TABLE action_configs (
    tenant_id                TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    code                     TEXT NOT NULL,
    default_outcome          TEXT NOT NULL,
    verification_methods     TEXT NOT NULL DEFAULT '[]',
    default_method           TEXT NOT NULL DEFAULT '',
    prompt_to_enroll         TEXT NOT NULL DEFAULT '[]',
    redirect_url             TEXT NOT NULL DEFAULT '',
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL,
    last_action_created_at   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, code)
);

CREATE TABLE actions (
    tenant_id                  TEXT NOT NULL,
    idempotency_key            TEXT NOT NULL,
    user_id                    TEXT NOT NULL,
    code                       TEXT NOT NULL,
    state                      TEXT NOT NULL,
    state_updated_at           INTEGER NOT NULL,
    created_at                 INTEGER NOT NULL,
    updated_at                 INTEGER NOT NULL,
    verification_method        TEXT NOT NULL DEFAULT '',
    verified_authenticator_id  TEXT NOT NULL DEFAULT '',
    rule_ids                   TEXT NOT NULL DEFAULT '[]',
    priority_rule_id           TEXT NOT NULL DEFAULT '',
    device_id                  TEXT NOT NULL DEFAULT '',
    ip_address                 TEXT NOT NULL DEFAULT '',
    user_agent                 TEXT NOT NULL DEFAULT '',
    redirect_url               TEXT NOT NULL DEFAULT '',
    redirect_to_settings       INTEGER NOT NULL DEFAULT 0,
    scope                      TEXT NOT NULL DEFAULT '',
    locale                     TEXT NOT NULL DEFAULT '',
    custom                     TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, idempotency_key),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id) ON DELETE CASCADE
);
CREATE INDEX actions_user ON actions (tenant_id, user_id, created_at);

CREATE TABLE action_states (
    tenant_id        TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    seq              INTEGER NOT NULL,
    state            TEXT NOT NULL,
    at               INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, idempotency_key, seq),
    FOREIGN KEY (tenant_id, idempotency_key) REFERENCES actions (tenant_id, idempotency_key) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE action_states;
DROP TABLE actions;
DROP TABLE action_configs;
DROP TABLE authenticators;
DROP TABLE users;
DROP TABLE api_keys;
DROP TABLE tenants;
