-- +goose Up
-- Where a passkey was last used to sign in: the device id and the user
-- agent of the browser, so the hosted Passkeys page can say "last used
-- on Chrome on Linux". Empty until the passkey's next sign-in.
ALTER TABLE passkeys ADD COLUMN last_used_device_id TEXT NOT NULL DEFAULT '';
ALTER TABLE passkeys ADD COLUMN last_used_user_agent TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE passkeys DROP COLUMN last_used_user_agent;
ALTER TABLE passkeys DROP COLUMN last_used_device_id;
