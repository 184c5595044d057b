-- +goose Up
-- Who made an action's state, and each change of it: 'track' (the outcome
-- of the action's configuration and rules), 'challenge' (the user's proof,
-- or too many wrong codes), 'server_api' (the app's backend with its secret
-- key) or 'admin'. What was recorded before this has ''. The states an
-- action is created with (actions.first_states) need no column of their
-- own: the first is track's outcome, any after it the challenge that
-- completed the action at once.
ALTER TABLE actions ADD COLUMN state_source TEXT NOT NULL DEFAULT '';
ALTER TABLE action_states ADD COLUMN source TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE action_states DROP COLUMN source;
ALTER TABLE actions DROP COLUMN state_source;
