package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// EnsureUserHandle stores handle as the user's WebAuthn user handle unless
// the user has one already, and returns the handle in force.
func (q Queries) EnsureUserHandle(ctx context.Context, tenantID, userID string, handle []byte, at time.Time) ([]byte, error) {
	_, err := q.w.ExecContext(ctx, `INSERT INTO webauthn_user_handles (tenant_id, user_id, handle, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, user_id) DO NOTHING`, tenantID, userID, handle, micros(at))
	if err != nil {
		return nil, fmt.Errorf("store user handle: %w", err)
	}
	var got []byte
	err = q.w.QueryRowContext(ctx, `SELECT handle FROM webauthn_user_handles
		WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID).Scan(&got)
	if err != nil {
		return nil, fmt.Errorf("read user handle: %w", err)
	}
	return got, nil
}

// UserHandle returns a user's WebAuthn user handle.
func (q Queries) UserHandle(ctx context.Context, tenantID, userID string) ([]byte, error) {
	var h []byte
	err := q.r.QueryRowContext(ctx, `SELECT handle FROM webauthn_user_handles
		WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID).Scan(&h)
	return h, notFound(err, "the user has no passkey handle")
}

const passkeyColumns = `authenticator_id, tenant_id, user_id, credential_id, public_key, public_key_algorithm,
	sign_count, aaguid, transports, attestation_type, attestation_format, attestation_object, client_data_json,
	user_present, user_verified, backup_eligible, backup_state, attachment, device_id, user_agent,
	parsed_user_agent, name, created_at, last_verified_at, counter_regressions, last_counter_regression_at,
	backup_eligible_changes, backup_eligible_changed_at`

// scanPasskey scans the passkeyColumns of a row, then any extra
// destinations for the columns that follow them.
func scanPasskey(row scanner, extra ...any) (model.Passkey, error) {
	var p model.Passkey
	var signCount int64
	var transports, parsedUA string
	var created, lastVerified, lastRegression, beChanged int64
	dest := append([]any{&p.AuthenticatorID, &p.TenantID, &p.UserID, &p.CredentialID, &p.PublicKey, &p.PublicKeyAlgorithm,
		&signCount, &p.AAGUID, &transports, &p.AttestationType, &p.AttestationFormat, &p.AttestationObject,
		&p.ClientDataJSON, &p.Flags.UserPresent, &p.Flags.UserVerified, &p.Flags.BackupEligible,
		&p.Flags.BackupState, &p.Attachment, &p.DeviceID, &p.UserAgent, &parsedUA, &p.Name, &created,
		&lastVerified, &p.CounterRegressions, &lastRegression, &p.BackupEligibleChanges, &beChanged}, extra...)
	err := row.Scan(dest...)
	if err != nil {
		return p, err
	}
	p.SignCount = uint32(signCount)
	p.CreatedAt, p.LastVerifiedAt = fromMicros(created), fromMicros(lastVerified)
	p.LastCounterRegressionAt, p.BackupEligibleChangedAt = fromMicros(lastRegression), fromMicros(beChanged)
	if err := fromJSON(transports, &p.Transports); err != nil {
		return p, err
	}
	return p, fromJSON(parsedUA, &p.ParsedUserAgent)
}

// CreatePasskey stores a new PASSKEY authenticator and its credential
// atomically. A credential id the tenant already has, as a passkey or a
// security key, is a conflict.
func (q Queries) CreatePasskey(ctx context.Context, a model.Authenticator, p model.Passkey) error {
	return q.createCredential(ctx, "passkeys", "security_keys", a, p)
}

// createCredential stores an authenticator and its WebAuthn credential in
// table atomically, unless the tenant has the credential id in table or
// in other.
func (q Queries) createCredential(ctx context.Context, table, other string, a model.Authenticator, p model.Passkey) error {
	return q.atomic(ctx, func(q Queries) error {
		var taken bool
		err := q.w.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+other+`
			WHERE tenant_id = $1 AND credential_id = $2)`, a.TenantID, p.CredentialID).Scan(&taken)
		if err != nil {
			return fmt.Errorf("look up credential: %w", err)
		}
		if taken {
			return model.Errorf(model.ErrConflict, "credential_exists", "this credential is already registered")
		}
		if err := q.createAuthenticator(ctx, a); err != nil {
			return err
		}
		if err := q.insertCredential(ctx, table, a, p); err != nil {
			return err
		}
		if table != "passkeys" {
			return nil
		}
		return q.pend(ctx, a.TenantID, a.UserID, pendingPasskey, a.ID, "", 0)
	})
}

func (q Queries) insertCredential(ctx context.Context, table string, a model.Authenticator, p model.Passkey) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO `+table+` (`+passkeyColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
			$21, $22, $23, $24, $25, $26, $27, $28)`,
		a.ID, a.TenantID, a.UserID, p.CredentialID, p.PublicKey, p.PublicKeyAlgorithm, int64(p.SignCount),
		nonNilBytes(p.AAGUID), jsonText(nonNil(p.Transports)), p.AttestationType, p.AttestationFormat,
		nonNilBytes(p.AttestationObject), nonNilBytes(p.ClientDataJSON), p.Flags.UserPresent, p.Flags.UserVerified,
		p.Flags.BackupEligible, p.Flags.BackupState, p.Attachment, p.DeviceID, p.UserAgent,
		jsonText(p.ParsedUserAgent), p.Name, micros(p.CreatedAt), micros(p.LastVerifiedAt), p.CounterRegressions,
		micros(p.LastCounterRegressionAt), p.BackupEligibleChanges, micros(p.BackupEligibleChangedAt))
	if err != nil {
		err = classify(err, "credential")
		if errors.Is(err, model.ErrConflict) {
			return &model.Error{Kind: model.ErrConflict, Code: "credential_exists",
				Description: "this credential is already registered", Cause: err}
		}
		return err
	}
	return nil
}

// Passkeys lists a user's passkeys, oldest first.
func (q Queries) Passkeys(ctx context.Context, tenantID, userID string) ([]model.Passkey, error) {
	return q.userCredentials(ctx, "passkeys", tenantID, userID)
}

// userCredentials lists a user's credentials in table, oldest first.
func (q Queries) userCredentials(ctx context.Context, table, tenantID, userID string) ([]model.Passkey, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+passkeyColumns+` FROM `+table+`
		WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at, authenticator_id`, tenantID, userID)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", table, err)
	}
	return collectPasskeys(rows)
}

// PasskeyByCredentialID returns the tenant's passkey with a credential id.
func (q Queries) PasskeyByCredentialID(ctx context.Context, tenantID string, credentialID []byte) (model.Passkey, error) {
	return q.credentialByID(ctx, "passkeys", tenantID, credentialID)
}

// credentialByID returns the tenant's credential in table with an id.
func (q Queries) credentialByID(ctx context.Context, table, tenantID string, credentialID []byte) (model.Passkey, error) {
	p, err := scanPasskey(q.r.QueryRowContext(ctx, `SELECT `+passkeyColumns+` FROM `+table+`
		WHERE tenant_id = $1 AND credential_id = $2`, tenantID, credentialID))
	return p, notFound(err, "credential not found")
}

// SigningPasskey returns the tenant's passkey with the given credential
// id, with its user as model.SigningUser describes, for deviceID.
func (q Queries) SigningPasskey(ctx context.Context, tenantID string, credentialID []byte, deviceID string) (model.SigningUser, error) {
	var su model.SigningUser
	var fs factsScan
	p, err := scanPasskey(q.r.QueryRowContext(ctx, `SELECT `+prefixed("p.", passkeyColumns)+`, h.handle,
		`+prefixed("u.", userColumns)+`, `+factColumns+`
		FROM passkeys p JOIN webauthn_user_handles h ON h.tenant_id = p.tenant_id AND h.user_id = p.user_id
		JOIN users u ON u.tenant_id = p.tenant_id AND u.user_id = p.user_id
		WHERE p.tenant_id = $1 AND p.credential_id = $2`, tenantID, credentialID, deviceID),
		append([]any{&su.Handle}, fs.dest()...)...)
	if err != nil {
		return su, notFound(err, "passkey not found")
	}
	su.Passkey = p
	su.UserFacts, err = fs.facts()
	return su, err
}

// PasskeysByCredentialIDs returns those of the tenant's passkeys whose
// credential ids are listed; unknown ids are skipped.
func (q Queries) PasskeysByCredentialIDs(ctx context.Context, tenantID string, ids [][]byte) ([]model.Passkey, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{tenantID}
	marks := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		marks[i] = fmt.Sprintf("$%d", len(args))
	}
	rows, err := q.r.QueryContext(ctx, `SELECT `+passkeyColumns+` FROM passkeys
		WHERE tenant_id = $1 AND credential_id IN (`+strings.Join(marks, ", ")+`)
		ORDER BY created_at, authenticator_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("find passkeys: %w", err)
	}
	return collectPasskeys(rows)
}

func collectPasskeys(rows interface {
	scanner
	Next() bool
	Err() error
	Close() error
}) ([]model.Passkey, error) {
	defer rows.Close()
	var out []model.Passkey
	for rows.Next() {
		p, err := scanPasskey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// RecordPasskeySignIn stores what a successful sign-in learned on the
// passkey: the sign count, the flags, when it happened and any
// backup-eligible change counters, and the device and browser it was
// used on (PasskeyUses), in one write. The time is kept on the passkey
// only; Authenticators reads it from there.
func (q Queries) RecordPasskeySignIn(ctx context.Context, p model.Passkey, deviceID, userAgent string) error {
	return q.recordSignIn(ctx, "passkeys", p, `, last_used_device_id = $11, last_used_user_agent = $12`, deviceID, userAgent)
}

// recordSignIn writes a sign-in on a row of table (passkeys or
// security_keys); set and its arguments ($11 on) write more columns.
func (q Queries) recordSignIn(ctx context.Context, table string, p model.Passkey, set string, more ...any) error {
	args := append([]any{p.TenantID, p.AuthenticatorID, int64(p.SignCount), p.Flags.UserPresent, p.Flags.UserVerified,
		p.Flags.BackupEligible, p.Flags.BackupState, micros(p.LastVerifiedAt), p.BackupEligibleChanges,
		micros(p.BackupEligibleChangedAt)}, more...)
	res, err := q.w.ExecContext(ctx, `UPDATE `+table+` SET sign_count = $3, user_present = $4,
		user_verified = $5, backup_eligible = $6, backup_state = $7, last_verified_at = $8,
		backup_eligible_changes = $9, backup_eligible_changed_at = $10`+set+`
		WHERE tenant_id = $1 AND authenticator_id = $2`, args...)
	if err != nil {
		return fmt.Errorf("record sign-in: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.Errorf(model.ErrNotFound, "unknown_credential", "this credential is not registered")
	}
	return nil
}

// RecordCounterRegression notes that a sign-in with the passkey was
// refused because its signature counter did not advance.
func (q Queries) RecordCounterRegression(ctx context.Context, tenantID, authenticatorID string, at time.Time) error {
	return q.recordCounterRegression(ctx, "passkeys", tenantID, authenticatorID, at)
}

func (q Queries) recordCounterRegression(ctx context.Context, table, tenantID, authenticatorID string, at time.Time) error {
	_, err := q.w.ExecContext(ctx, `UPDATE `+table+` SET counter_regressions = counter_regressions + 1,
		last_counter_regression_at = $3 WHERE tenant_id = $1 AND authenticator_id = $2`,
		tenantID, authenticatorID, micros(at))
	if err != nil {
		return fmt.Errorf("record counter regression: %w", err)
	}
	return nil
}

func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
