-- +goose Up
-- The methods that may complete an action's challenge, as its configuration
-- and winning rule permitted them at track time; [] permits any.
ALTER TABLE actions ADD COLUMN allowed_methods TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE actions DROP COLUMN allowed_methods;
