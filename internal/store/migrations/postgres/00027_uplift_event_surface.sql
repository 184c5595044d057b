-- +goose Up
-- Where the prompt an uplift event belongs to was shown: 'hosted' (the
-- hosted pages, and every event before this column), 'component' (the
-- <uplift-passkey-prompt> web component) or 'api' (an app's own UI over
-- the Client API's decision).
ALTER TABLE uplift_events ADD COLUMN surface TEXT NOT NULL DEFAULT 'hosted';

-- +goose Down
ALTER TABLE uplift_events DROP COLUMN surface;
