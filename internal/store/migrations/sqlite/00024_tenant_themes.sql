-- +goose Up
-- A tenant's branding of its hosted pages and emails: display name, brand
-- colour (#rrggbb, checked for contrast before it is stored) and the logo
-- and favicon Uplift serves itself, with their media type and a hash of
-- their bytes that versions their URLs. Empty text means not set. No row
-- means Uplift's own look.
CREATE TABLE tenant_themes (
    tenant_id       TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    display_name    TEXT NOT NULL DEFAULT '',
    primary_color   TEXT NOT NULL DEFAULT '',
    logo            BLOB,
    logo_type       TEXT NOT NULL DEFAULT '',
    logo_hash       TEXT NOT NULL DEFAULT '',
    favicon         BLOB,
    favicon_type    TEXT NOT NULL DEFAULT '',
    favicon_hash    TEXT NOT NULL DEFAULT '',
    updated_at      INTEGER NOT NULL
);

-- +goose Down
DROP TABLE tenant_themes;
