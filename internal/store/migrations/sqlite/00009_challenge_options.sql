-- +goose Up
-- The request options a sign-in challenge was begun with, kept with its
-- session so that the options call that follows only reads them; empty
-- until a ceremony has begun.
ALTER TABLE passkey_challenges ADD COLUMN options BLOB NOT NULL DEFAULT x'';

-- +goose Down
ALTER TABLE passkey_challenges DROP COLUMN options;
