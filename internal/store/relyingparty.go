package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// CredentialOnRelyingParty reports whether a tenant other than
// exceptTenantID whose relying party id is rpID has a passkey or security
// key with the credential id: tenants sharing a relying party id share
// the browser's passkeys, so one tenant's unknown credential may be
// another's. Each tenant is looked up through its (tenant, credential)
// index.
func (q Queries) CredentialOnRelyingParty(ctx context.Context, rpID, exceptTenantID string, credentialID []byte) (bool, error) {
	var one int
	err := q.r.QueryRowContext(ctx, `SELECT 1 FROM passkeys
		WHERE tenant_id IN (SELECT id FROM tenants WHERE rp_id = $1 AND id <> $2) AND credential_id = $3
		UNION ALL SELECT 1 FROM security_keys
		WHERE tenant_id IN (SELECT id FROM tenants WHERE rp_id = $1 AND id <> $2) AND credential_id = $3
		LIMIT 1`, rpID, exceptTenantID, credentialID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up a credential of the relying party: %w", err)
	}
	return true, nil
}
