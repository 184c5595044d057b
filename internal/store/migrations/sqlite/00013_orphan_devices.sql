-- +goose Up
-- A device that no user was ever seen on and no passkey is known on (a
-- browser that opened a sign-in page and went no further) is deleted a
-- day after it was last seen; these indexes find such devices.
CREATE INDEX devices_last_seen ON devices (last_seen_at);
CREATE INDEX user_devices_device ON user_devices (tenant_id, device_id);

-- +goose Down
DROP INDEX user_devices_device;
DROP INDEX devices_last_seen;
