-- +goose Up
-- The devices each user's actions came from, so track's device facts
-- (new for this user, device count) are two index lookups.
CREATE TABLE user_devices (
    tenant_id      TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    first_seen_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, user_id, device_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id) ON DELETE CASCADE
);
INSERT INTO user_devices (tenant_id, user_id, device_id, first_seen_at)
    SELECT tenant_id, user_id, device_id, MIN(created_at) FROM actions
    WHERE device_id <> '' GROUP BY tenant_id, user_id, device_id;

-- +goose Down
DROP TABLE user_devices;
