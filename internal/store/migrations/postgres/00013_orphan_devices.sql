-- +goose Up
-- A device that no user was ever seen on and no passkey is known on (a
-- browser that opened a sign-in page and went no further) is deleted a
-- day after it was last seen; these indexes find such devices. The index
-- is on the creation time, which never changes: last_seen_at is written
-- on every sign-in, and an index on it would make each of those writes
-- dearer (on PostgreSQL, no longer a heap-only update).
CREATE INDEX devices_created ON devices (created_at);
CREATE INDEX user_devices_device ON user_devices (tenant_id, device_id);

-- +goose Down
DROP INDEX user_devices_device;
DROP INDEX devices_created;
