-- +goose Up
-- The writes the analytics count, waiting to be counted into the totals
-- of 00023: each write appends a row here in its own transaction, and one
-- folder at a time counts them and deletes them, so that the sign-in path
-- writes no total that every sign-in shares. kind is 'action' (subject:
-- the idempotency key), 'event' (the uplift event's id), 'passkey' (the
-- authenticator id of a passkey created), 'known' (the authenticator id
-- of a passkey first known on device_id at at) or 'held' (device_id
-- reported holding one of the user's passkeys at at). An action not
-- counted yet has counted = -1; counted_method is the method it was
-- counted with (verification_method may have changed since).
CREATE TABLE analytics_pending (
    seq        INTEGER PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    device_id  TEXT NOT NULL DEFAULT '',
    at         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX analytics_pending_user ON analytics_pending (tenant_id, user_id);
ALTER TABLE actions ADD COLUMN counted_method TEXT NOT NULL DEFAULT '';
UPDATE actions SET counted_method = verification_method WHERE counted = 1;

-- +goose Down
ALTER TABLE actions DROP COLUMN counted_method;
DROP TABLE analytics_pending;
