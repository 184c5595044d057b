-- +goose Up
-- The adoption analytics read daily totals kept up to date in the
-- transaction of each write (docs/analytics.md), not the raw rows.

-- What the breakdowns need, stored on the event when it is recorded: the
-- browser of its device and the prompt attempt (how many times the user
-- had been shown the prompt on that device, this showing included; 0 on
-- events that are not a showing or its outcome).
ALTER TABLE uplift_events ADD COLUMN browser TEXT NOT NULL DEFAULT '';
ALTER TABLE uplift_events ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;

-- How an action counts in analytics_sign_ins as last written (counted 0:
-- not a sign-in; the other columns are those of analytics_sign_ins), so
-- that a later change takes its old count back.
ALTER TABLE actions ADD COLUMN counted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE actions ADD COLUMN counted_passkey_before INTEGER NOT NULL DEFAULT 0;
ALTER TABLE actions ADD COLUMN counted_saved TEXT NOT NULL DEFAULT '';
ALTER TABLE actions ADD COLUMN counted_aaguid TEXT NOT NULL DEFAULT '';
ALTER TABLE actions ADD COLUMN counted_passkey_kind INTEGER NOT NULL DEFAULT 0;
ALTER TABLE actions ADD COLUMN counted_os TEXT NOT NULL DEFAULT '';
ALTER TABLE actions ADD COLUMN counted_browser TEXT NOT NULL DEFAULT '';
ALTER TABLE actions ADD COLUMN counted_held INTEGER NOT NULL DEFAULT 0;

-- Uplift events by UTC day (days since 1970-01-01) and every dimension a
-- report breaks them down by. surface is where the prompt was shown.
CREATE TABLE analytics_events (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    day          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    platform     TEXT NOT NULL,
    browser      TEXT NOT NULL,
    action_code  TEXT NOT NULL,
    variant      TEXT NOT NULL,
    attempt      INTEGER NOT NULL,
    surface      TEXT NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, day, kind, reason, platform, browser, action_code, variant, attempt, surface)
);

-- Sign-ins (actions counted as one) by the UTC day the action was
-- tracked and by what the reports split them by: the method, whether the
-- user had a passkey before (passkey_before), the message a passkey
-- sign-in saved ('sms', 'email' or ''), the provider and kind of the
-- passkey that verified it (passkey_kind 0: none found, 1: device-bound,
-- 2: synced), and for fallbacks the device's OS and browser and whether
-- one of the user's passkeys was known on it (held).
CREATE TABLE analytics_sign_ins (
    tenant_id       TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    day             INTEGER NOT NULL,
    method          TEXT NOT NULL,
    passkey_before  INTEGER NOT NULL,
    saved           TEXT NOT NULL,
    aaguid          TEXT NOT NULL,
    passkey_kind    INTEGER NOT NULL,
    os              TEXT NOT NULL,
    browser         TEXT NOT NULL,
    held            INTEGER NOT NULL,
    n               INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, day, method, passkey_before, saved, aaguid, passkey_kind, os, browser, held)
);

-- Passkeys created, by UTC day, provider (AAGUID, '' when none) and
-- synced (backup eligible) or not.
CREATE TABLE analytics_passkeys (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    day        INTEGER NOT NULL,
    aaguid     TEXT NOT NULL,
    synced     INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, day, aaguid, synced)
);

-- The days a subject was present, for distinct counts over any period:
-- kind 'user' (an action tracked), 'user_passkey' (that, with a passkey
-- by the day's end), 'device' (a user on a device), 'device_passkey'
-- (that, with one of the user's passkeys known on the device by the
-- day's end), 'passkey_user' (a sign-in after the user had a passkey),
-- 'fallback_user' (such a sign-in without a passkey). device_id is ''
-- for the user kinds; n counts what made the day present; gap is the
-- days since the subject's previous day of that kind (capped, see
-- store.presenceGapCap). A deleted user's days go with the user; the
-- totals below keep counting them, as history.
CREATE TABLE analytics_presence (
    tenant_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    day        INTEGER NOT NULL,
    gap        INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, kind, user_id, device_id, day),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id) ON DELETE CASCADE
);

-- The presence days by kind, day and gap: the subjects present in a
-- period are those of its days whose gap reaches back before its start.
CREATE TABLE analytics_presence_days (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    day        INTEGER NOT NULL,
    gap        INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, kind, day, gap)
);

-- A row here asks the next start to build the totals from the rows
-- already stored (store.Store.RebuildAnalytics).
CREATE TABLE analytics_rebuild (
    id  INTEGER PRIMARY KEY
);
INSERT INTO analytics_rebuild (id) VALUES (1);

-- +goose Down
DROP TABLE analytics_rebuild;
DROP TABLE analytics_presence_days;
DROP TABLE analytics_presence;
DROP TABLE analytics_passkeys;
DROP TABLE analytics_sign_ins;
DROP TABLE analytics_events;
ALTER TABLE actions DROP COLUMN counted_held;
ALTER TABLE actions DROP COLUMN counted_browser;
ALTER TABLE actions DROP COLUMN counted_os;
ALTER TABLE actions DROP COLUMN counted_passkey_kind;
ALTER TABLE actions DROP COLUMN counted_aaguid;
ALTER TABLE actions DROP COLUMN counted_saved;
ALTER TABLE actions DROP COLUMN counted_passkey_before;
ALTER TABLE actions DROP COLUMN counted;
ALTER TABLE uplift_events DROP COLUMN attempt;
ALTER TABLE uplift_events DROP COLUMN browser;
