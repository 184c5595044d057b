-- +goose Up
-- Wrong codes counted across every action, per subject (a user, or the
-- address of a Server API challenge that names no user) and method, with
-- the locks they brought. version counts writes: an attempt is stored
-- only over the version it read, so concurrent guesses all count.
CREATE TABLE code_lockouts (
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    subject       TEXT NOT NULL,
    method        TEXT NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    lockouts      INTEGER NOT NULL DEFAULT 0,
    locked_until  INTEGER NOT NULL DEFAULT 0,
    last_failure  INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, subject, method)
);
CREATE INDEX code_lockouts_age ON code_lockouts (last_failure);

-- The address each email or text code went to, normalised (email in
-- lower case), so sends are throttled per destination whichever user
-- asks.
ALTER TABLE code_challenges ADD COLUMN destination TEXT NOT NULL DEFAULT '';
CREATE INDEX code_challenges_destination ON code_challenges (tenant_id, method, destination, created_at);

-- Sends per tenant, method and clock hour (Unix time / 3600), for the
-- tenant-wide ceiling on sends an hour, and the sends the ceiling refused
-- in that hour, the first at first_refused_at.
CREATE TABLE code_send_counts (
    tenant_id         TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    method            TEXT NOT NULL,
    hour              INTEGER NOT NULL,
    sends             INTEGER NOT NULL DEFAULT 0,
    refused           INTEGER NOT NULL DEFAULT 0,
    first_refused_at  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, method, hour)
);

-- +goose Down
DROP TABLE code_send_counts;
DROP INDEX code_challenges_destination;
ALTER TABLE code_challenges DROP COLUMN destination;
DROP TABLE code_lockouts;
