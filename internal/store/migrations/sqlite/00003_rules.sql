-- +goose Up
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT '';
-- rules_version changes with every change of the action's rules or of the
-- tenant's value lists, so prepared rule sets can be cached by it.
ALTER TABLE action_configs ADD COLUMN rules_version INTEGER NOT NULL DEFAULT 0;

CREATE TABLE rules (
    id                    TEXT PRIMARY KEY,
    tenant_id             TEXT NOT NULL,
    action_code           TEXT NOT NULL,
    name                  TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    is_active             INTEGER NOT NULL DEFAULT 1,
    priority              INTEGER NOT NULL,
    outcome               TEXT NOT NULL,
    verification_methods  TEXT NOT NULL DEFAULT '[]',
    default_method        TEXT NOT NULL DEFAULT '',
    prompt_to_enroll      TEXT NOT NULL DEFAULT '[]',
    conditions            TEXT NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, action_code) REFERENCES action_configs (tenant_id, code) ON DELETE CASCADE
);
CREATE INDEX rules_action ON rules (tenant_id, action_code, created_at);

CREATE TABLE value_lists (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    alias       TEXT NOT NULL,
    name        TEXT NOT NULL,
    item_type   TEXT NOT NULL,
    items       TEXT NOT NULL DEFAULT '[]',
    is_active   INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, alias)
);

-- +goose Down
DROP TABLE value_lists;
DROP TABLE rules;
ALTER TABLE users DROP COLUMN locale;
ALTER TABLE action_configs DROP COLUMN rules_version;
