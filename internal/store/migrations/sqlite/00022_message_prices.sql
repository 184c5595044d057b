-- +goose Up
-- What a tenant pays per text message and per email, for the dashboard's
-- figure of what passkeys save: whole minor units (cents) of an ISO 4217
-- currency, never fractions. No row means no prices set.
CREATE TABLE message_prices (
    tenant_id           TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    currency            TEXT NOT NULL,
    text_message_price  INTEGER NOT NULL DEFAULT 0,
    email_price         INTEGER NOT NULL DEFAULT 0,
    updated_at          INTEGER NOT NULL
);

-- +goose Down
DROP TABLE message_prices;
