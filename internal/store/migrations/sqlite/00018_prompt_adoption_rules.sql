-- +goose Up
-- The uplift prompt's adoption settings: the share of users ever prompted,
-- back-off after repeated dismissals, a limit on dismissals per device, and
-- the offer to opt out. The defaults keep the prompt as it was.
ALTER TABLE tenants ADD COLUMN enrollment_prompt_rollout_percent INTEGER NOT NULL DEFAULT 100;
ALTER TABLE tenants ADD COLUMN enrollment_prompt_backoff INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN enrollment_prompt_max_dismissals INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN enrollment_prompt_allow_opt_out INTEGER NOT NULL DEFAULT 0;

-- An action configuration or a rule may switch the prompt off whatever
-- the tenant says.
ALTER TABLE action_configs ADD COLUMN disable_prompt_to_enroll INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rules ADD COLUMN disable_prompt_to_enroll INTEGER NOT NULL DEFAULT 0;

-- Users who chose "Don't ask again": the choice holds on every device
-- until an admin resets it (the row is deleted).
CREATE TABLE uplift_opt_outs (
    tenant_id     TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    device_id     TEXT NOT NULL DEFAULT '',
    opted_out_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE uplift_opt_outs;
ALTER TABLE rules DROP COLUMN disable_prompt_to_enroll;
ALTER TABLE action_configs DROP COLUMN disable_prompt_to_enroll;
ALTER TABLE tenants DROP COLUMN enrollment_prompt_allow_opt_out;
ALTER TABLE tenants DROP COLUMN enrollment_prompt_max_dismissals;
ALTER TABLE tenants DROP COLUMN enrollment_prompt_backoff;
ALTER TABLE tenants DROP COLUMN enrollment_prompt_rollout_percent;
