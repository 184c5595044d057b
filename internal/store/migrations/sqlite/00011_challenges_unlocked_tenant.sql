-- +goose Up
-- On PostgreSQL this version drops the foreign key from passkey
-- challenges to their tenant, whose check locked the tenant's row on
-- every sign-in. SQLite's foreign-key checks take no row locks, so the
-- constraint stays here; the version exists to keep both dialects'
-- numbering alike.
SELECT 1;

-- +goose Down
SELECT 1;
