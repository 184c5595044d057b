-- +goose Up
-- The language of a tenant's hosted pages and messages for a user whose
-- action, account and browser name none Uplift speaks; '' is English.
ALTER TABLE tenants ADD COLUMN default_locale TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE tenants DROP COLUMN default_locale;
