-- +goose Up
-- Experiments on the uplift prompt's copy. Every uplift event made while
-- an experiment runs names the variant the user was assigned (the
-- variant's id; '' outside experiments).
ALTER TABLE uplift_events ADD COLUMN variant TEXT NOT NULL DEFAULT '';
CREATE INDEX uplift_events_variant ON uplift_events (tenant_id, variant, kind) WHERE variant <> '';

-- The prompt's copy, as a tenant setting: '' shows the built-in text.
-- Promoting an experiment's winner writes it here.
ALTER TABLE tenants ADD COLUMN enrollment_prompt_heading TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN enrollment_prompt_explanation TEXT NOT NULL DEFAULT '';

-- status is running, stopped or promoted; a tenant runs at most one
-- experiment at a time. winner_variant_id is set when promoted.
CREATE TABLE uplift_experiments (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    status             TEXT NOT NULL,
    winner_variant_id  TEXT NOT NULL DEFAULT '',
    created_at         BIGINT NOT NULL,
    ended_at           BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX uplift_experiments_tenant ON uplift_experiments (tenant_id, created_at);
CREATE UNIQUE INDEX uplift_experiments_running ON uplift_experiments (tenant_id) WHERE status = 'running';

-- Two to four variants of the prompt's heading and explanation; a user's
-- variant is drawn by a hash of the experiment and the user, in
-- proportion to the weights.
CREATE TABLE uplift_experiment_variants (
    id             TEXT PRIMARY KEY,
    experiment_id  TEXT NOT NULL REFERENCES uplift_experiments (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    label          TEXT NOT NULL,
    heading        TEXT NOT NULL,
    explanation    TEXT NOT NULL,
    weight         INTEGER NOT NULL,
    UNIQUE (experiment_id, position)
);

-- +goose Down
DROP TABLE uplift_experiment_variants;
DROP TABLE uplift_experiments;
ALTER TABLE tenants DROP COLUMN enrollment_prompt_explanation;
ALTER TABLE tenants DROP COLUMN enrollment_prompt_heading;
DROP INDEX uplift_events_variant;
ALTER TABLE uplift_events DROP COLUMN variant;
