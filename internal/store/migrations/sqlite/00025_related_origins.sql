-- +goose Up
-- Related origins (WebAuthn Related Origin Requests): origins outside the
-- relying party id that may use its passkeys, served at
-- /.well-known/webauthn on the relying party's host. A JSON array of
-- origins. Those requests find the tenants by their relying party id.
ALTER TABLE tenants ADD COLUMN related_origins TEXT NOT NULL DEFAULT '[]';
CREATE INDEX tenants_rp_id ON tenants (rp_id);

-- +goose Down
DROP INDEX tenants_rp_id;
ALTER TABLE tenants DROP COLUMN related_origins;
