-- +goose Up
-- Webhooks: where a tenant's events go, and the outbox of their deliveries.

-- A key issued from now on is longer than HMAC-SHA256's 64-byte block, so
-- HMAC keyed by the key equals HMAC keyed by its SHA-256, the hash stored
-- here: such a key can sign webhooks its app verifies with the key itself.
ALTER TABLE api_keys ADD COLUMN signs_webhooks INTEGER NOT NULL DEFAULT 0;

-- An action's action.verify webhook, called before a challenge succeeds.
ALTER TABLE action_configs ADD COLUMN verification_webhook_url TEXT NOT NULL DEFAULT '';

-- An empty URL sends nothing. message_events_url, when set, receives the
-- email and text codes (email.created, sms.created) instead of SMTP and
-- the SMS gateway.
CREATE TABLE webhook_settings (
    tenant_id                TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    authenticator_events_url TEXT NOT NULL DEFAULT '',
    log_events_url           TEXT NOT NULL DEFAULT '',
    prompt_events_url        TEXT NOT NULL DEFAULT '',
    message_events_url       TEXT NOT NULL DEFAULT '',
    updated_at               INTEGER NOT NULL
);

-- One event to deliver. stream names the URL it goes to (authenticator,
-- prompt) or, for synchronous events recorded after the fact, sync.
-- status is pending, delivered or failed. A pending row is taken by one
-- instance until lease_until; events with the same order_key (the user)
-- go out one after the other. payload is the envelope as sent.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    stream          TEXT NOT NULL,
    type            TEXT NOT NULL,
    order_key       TEXT NOT NULL DEFAULT '',
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_id        TEXT NOT NULL DEFAULT '',
    lease_until     INTEGER NOT NULL DEFAULT 0,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_response   TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (tenant_id, order_key, created_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_tenant ON webhook_deliveries (tenant_id, created_at);

-- Every attempt of a delivery: the HTTP status (0 when none came back)
-- and the start of the response or the error, never a secret.
CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    n           INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    url         TEXT NOT NULL,
    status      INTEGER NOT NULL,
    response    TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, n)
);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_settings;
ALTER TABLE action_configs DROP COLUMN verification_webhook_url;
ALTER TABLE api_keys DROP COLUMN signs_webhooks;
