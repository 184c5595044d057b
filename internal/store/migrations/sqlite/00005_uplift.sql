-- +goose Up
-- Every uplift decision and what the user did with the prompt: the raw
-- material of frequency, diagnostics and the adoption dashboard.
CREATE TABLE uplift_events (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    device_id        TEXT NOT NULL DEFAULT '',
    idempotency_key  TEXT NOT NULL DEFAULT '',
    action_code      TEXT NOT NULL DEFAULT '',
    kind             TEXT NOT NULL,
    reason           TEXT NOT NULL DEFAULT '',
    cause            TEXT NOT NULL DEFAULT '',
    platform         TEXT NOT NULL DEFAULT '',
    at               INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id) ON DELETE CASCADE
);
CREATE INDEX uplift_events_user_device ON uplift_events (tenant_id, user_id, device_id, kind, at);
CREATE INDEX uplift_events_tenant_at ON uplift_events (tenant_id, at);

-- Devices whose authenticator refused a registration because it already
-- holds one of the user's passkeys (InvalidStateError).
CREATE TABLE device_held_passkeys (
    tenant_id    TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    reported_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, device_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE device_held_passkeys;
DROP TABLE uplift_events;
