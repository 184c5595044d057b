-- +goose Up
-- The states an action was created with (the states it passed through at
-- once, then its first state; comma-separated) and their time, kept on the
-- action itself so that creating an action writes one row. action_states
-- holds the changes that follow. Actions stored before this keep their
-- whole history in action_states, with first_states empty.
ALTER TABLE actions ADD COLUMN first_states TEXT NOT NULL DEFAULT '';
ALTER TABLE actions ADD COLUMN first_states_at INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE actions DROP COLUMN first_states_at;
ALTER TABLE actions DROP COLUMN first_states;
