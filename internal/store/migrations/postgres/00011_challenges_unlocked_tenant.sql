-- +goose Up
-- A passkey challenge no longer references its tenant by foreign key. On
-- PostgreSQL the check locks the referenced row (FOR KEY SHARE), so every
-- sign-in's challenge locked the one row of its tenant, and concurrent
-- sign-ins shared that lock through multixacts: 6 % of the sign-in
-- throughput. Challenges live minutes and are purged an hour after they
-- expire; every request resolves its tenant before it reads one.
ALTER TABLE passkey_challenges DROP CONSTRAINT passkey_challenges_tenant_id_fkey;

-- +goose Down
ALTER TABLE passkey_challenges ADD CONSTRAINT passkey_challenges_tenant_id_fkey
    FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE;
