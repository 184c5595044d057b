package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

const tenantColumns = `id, name, rp_id, rp_name, origins, redirect_prefixes, token_key,
	disable_enrollment_prompt, enrollment_prompt_interval, recovery_methods, user_verification, created_at,
	enrollment_prompt_rollout_percent, enrollment_prompt_backoff, enrollment_prompt_max_dismissals,
	enrollment_prompt_allow_opt_out, related_origins, default_locale`

func scanTenant(row scanner) (model.Tenant, error) {
	var t model.Tenant
	var origins, prefixes, recovery, uv, related string
	var created int64
	err := row.Scan(&t.ID, &t.Name, &t.RPID, &t.RPName, &origins, &prefixes, &t.TokenKey,
		&t.Passkey.DisableEnrollmentPrompt, &t.Passkey.EnrollmentPromptInterval, &recovery, &uv, &created,
		&t.Passkey.EnrollmentPromptRolloutPercent, &t.Passkey.EnrollmentPromptBackoff,
		&t.Passkey.EnrollmentPromptMaxDismissals, &t.Passkey.EnrollmentPromptAllowOptOut, &related,
		&t.Passkey.DefaultLocale)
	if err != nil {
		return t, err
	}
	t.Passkey.UserVerification = model.UserVerification(uv)
	t.CreatedAt = fromMicros(created)
	if err := fromJSON(origins, &t.Origins); err != nil {
		return t, err
	}
	if err := fromJSON(prefixes, &t.RedirectPrefixes); err != nil {
		return t, err
	}
	if err := fromJSON(related, &t.Passkey.RelatedOrigins); err != nil {
		return t, err
	}
	if len(t.Passkey.RelatedOrigins) == 0 {
		t.Passkey.RelatedOrigins = nil // most tenants list none
	}
	return t, fromJSON(recovery, &t.Passkey.RecoveryMethods)
}

// CreateTenant stores a new tenant.
func (q Queries) CreateTenant(ctx context.Context, t model.Tenant) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO tenants (`+tenantColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		t.ID, t.Name, t.RPID, t.RPName, jsonText(nonNil(t.Origins)), jsonText(nonNil(t.RedirectPrefixes)), t.TokenKey,
		t.Passkey.DisableEnrollmentPrompt, t.Passkey.EnrollmentPromptInterval,
		jsonText(nonNil(t.Passkey.RecoveryMethods)), string(t.Passkey.UserVerification), micros(t.CreatedAt),
		t.Passkey.EnrollmentPromptRolloutPercent, t.Passkey.EnrollmentPromptBackoff,
		t.Passkey.EnrollmentPromptMaxDismissals, t.Passkey.EnrollmentPromptAllowOptOut,
		jsonText(nonNil(t.Passkey.RelatedOrigins)), t.Passkey.DefaultLocale)
	if err != nil {
		return classify(err, "tenant")
	}
	return nil
}

// UpdateTenant replaces a tenant's settings (everything but its id, token
// key and creation time).
func (q Queries) UpdateTenant(ctx context.Context, t model.Tenant) error {
	res, err := q.w.ExecContext(ctx, `UPDATE tenants SET name = $2, rp_id = $3, rp_name = $4,
		origins = $5, redirect_prefixes = $6, disable_enrollment_prompt = $7,
		enrollment_prompt_interval = $8, recovery_methods = $9, user_verification = $10,
		enrollment_prompt_rollout_percent = $11, enrollment_prompt_backoff = $12,
		enrollment_prompt_max_dismissals = $13, enrollment_prompt_allow_opt_out = $14,
		related_origins = $15, default_locale = $16
		WHERE id = $1`,
		t.ID, t.Name, t.RPID, t.RPName, jsonText(nonNil(t.Origins)), jsonText(nonNil(t.RedirectPrefixes)),
		t.Passkey.DisableEnrollmentPrompt, t.Passkey.EnrollmentPromptInterval,
		jsonText(nonNil(t.Passkey.RecoveryMethods)), string(t.Passkey.UserVerification),
		t.Passkey.EnrollmentPromptRolloutPercent, t.Passkey.EnrollmentPromptBackoff,
		t.Passkey.EnrollmentPromptMaxDismissals, t.Passkey.EnrollmentPromptAllowOptOut,
		jsonText(nonNil(t.Passkey.RelatedOrigins)), t.Passkey.DefaultLocale)
	if err != nil {
		return fmt.Errorf("update tenant: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("tenant %s not found", t.ID)
	}
	return nil
}

// Tenant returns the tenant with the given id.
func (q Queries) Tenant(ctx context.Context, id string) (model.Tenant, error) {
	t, err := scanTenant(q.r.QueryRowContext(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = $1`, id))
	return t, notFound(err, "tenant not found")
}

// Tenants lists every tenant, oldest first.
func (q Queries) Tenants(ctx context.Context) ([]model.Tenant, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+tenantColumns+` FROM tenants ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	defer rows.Close()
	var out []model.Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TenantsByRPID lists the tenants whose relying party id is rpID, oldest
// first.
func (q Queries) TenantsByRPID(ctx context.Context, rpID string) ([]model.Tenant, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE rp_id = $1
		ORDER BY created_at, id`, rpID)
	if err != nil {
		return nil, fmt.Errorf("list tenants by relying party id: %w", err)
	}
	defer rows.Close()
	var out []model.Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TenantByKeyHash returns the tenant owning the unrevoked secret key with
// the given hash.
func (q Queries) TenantByKeyHash(ctx context.Context, hash []byte) (model.Tenant, error) {
	t, err := scanTenant(q.r.QueryRowContext(ctx, `SELECT `+prefixed("t.", tenantColumns)+`
		FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
		WHERE k.hash = $1 AND k.revoked_at = 0`, hash))
	return t, notFound(err, "unknown secret key")
}

// CreateAPIKey stores a new secret key's hash.
func (q Queries) CreateAPIKey(ctx context.Context, k model.APIKey) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO api_keys (id, tenant_id, prefix, hash, created_at, signs_webhooks)
		VALUES ($1, $2, $3, $4, $5, $6)`, k.ID, k.TenantID, k.Prefix, k.Hash, micros(k.CreatedAt), k.SignsWebhooks)
	if err != nil {
		return classify(err, "api key")
	}
	return nil
}

// APIKeys lists a tenant's secret keys, revoked ones included, oldest first.
func (q Queries) APIKeys(ctx context.Context, tenantID string) ([]model.APIKey, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT id, tenant_id, prefix, hash, created_at, revoked_at
		FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	defer rows.Close()
	var out []model.APIKey
	for rows.Next() {
		var k model.APIKey
		var created, revoked int64
		if err := rows.Scan(&k.ID, &k.TenantID, &k.Prefix, &k.Hash, &created, &revoked); err != nil {
			return nil, err
		}
		k.CreatedAt, k.RevokedAt = fromMicros(created), fromMicros(revoked)
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey marks a tenant's active key revoked at the given time.
func (q Queries) RevokeAPIKey(ctx context.Context, tenantID, keyID string, at time.Time) error {
	res, err := q.w.ExecContext(ctx, `UPDATE api_keys SET revoked_at = $3
		WHERE tenant_id = $1 AND id = $2 AND revoked_at = 0`, tenantID, keyID, micros(at))
	if err != nil {
		return fmt.Errorf("revoke api key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("no active key %s for this tenant", keyID)
	}
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// prefixed qualifies a comma-separated column list with a table alias.
func prefixed(alias, columns string) string {
	var out []byte
	start := true
	for i := 0; i < len(columns); i++ {
		c := columns[i]
		if start && c != ' ' && c != '\t' && c != '\n' {
			out = append(out, alias...)
			start = false
		}
		if c == ',' {
			start = true
		}
		out = append(out, c)
	}
	return string(out)
}
