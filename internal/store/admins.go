package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// The console's admins, their passkeys, invitations, pending ceremonies
// and sessions. Tokens are looked up by their SHA-256 hash only.

// CreateAdminInvite stores a one-time invitation.
func (q Queries) CreateAdminInvite(ctx context.Context, inv model.AdminInvite) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO admin_invites (token_hash, tenant_id, created_at, expires_at, used_at)
		VALUES ($1, $2, $3, $4, 0)`, inv.TokenHash, inv.TenantID, micros(inv.CreatedAt), micros(inv.ExpiresAt))
	if err != nil {
		return classify(err, "admin invitation")
	}
	return nil
}

// AdminInvite returns an invitation that is neither used nor expired at
// now; not found otherwise.
func (q Queries) AdminInvite(ctx context.Context, hash []byte, now time.Time) (model.AdminInvite, error) {
	inv := model.AdminInvite{TokenHash: hash}
	var created, expires int64
	err := q.r.QueryRowContext(ctx, `SELECT tenant_id, created_at, expires_at FROM admin_invites
		WHERE token_hash = $1 AND used_at = 0 AND expires_at > $2`, hash, micros(now)).Scan(&inv.TenantID, &created, &expires)
	inv.CreatedAt, inv.ExpiresAt = fromMicros(created), fromMicros(expires)
	return inv, notFound(err, "this invitation link is not valid: it was used already, it expired, or it was mistyped")
}

// ClaimAdminInvite marks an invitation used, once: a second claim, or a
// claim of an expired invitation, is not found. It returns the tenant.
func (q Queries) ClaimAdminInvite(ctx context.Context, hash []byte, now time.Time) (tenantID string, err error) {
	err = q.w.QueryRowContext(ctx, `UPDATE admin_invites SET used_at = $2
		WHERE token_hash = $1 AND used_at = 0 AND expires_at > $2 RETURNING tenant_id`, hash, micros(now)).Scan(&tenantID)
	return tenantID, notFound(err, "this invitation link is not valid: it was used already, it expired, or it was mistyped")
}

// CreateAdminCeremony stores a pending console ceremony. Those nobody
// finishes (anyone may begin a sign-in) are deleted by
// PurgeAdminCeremonies once expired.
func (q Queries) CreateAdminCeremony(ctx context.Context, c model.AdminCeremony) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO admin_ceremonies (id, invite_hash, admin_name, handle, session, expires_at, used_at)
		VALUES ($1, $2, $3, $4, $5, $6, 0)`, c.ID, nonNilBytes(c.InviteHash), c.AdminName, nonNilBytes(c.Handle),
		nonNilBytes(c.Session), micros(c.ExpiresAt))
	if err != nil {
		return classify(err, "console ceremony")
	}
	return nil
}

// PurgeAdminCeremonies deletes the console ceremonies that expired before
// cutoff and reports how many.
func (q Queries) PurgeAdminCeremonies(ctx context.Context, cutoff time.Time) (int64, error) {
	return q.purge(ctx, "console ceremonies", `DELETE FROM admin_ceremonies WHERE id IN
		(SELECT id FROM admin_ceremonies WHERE expires_at < $1 LIMIT $2)`, cutoff)
}

// PurgeAdminInvites deletes the console invitations that expired before
// cutoff, used or not, and reports how many.
func (q Queries) PurgeAdminInvites(ctx context.Context, cutoff time.Time) (int64, error) {
	return q.purge(ctx, "console invitations", `DELETE FROM admin_invites WHERE token_hash IN
		(SELECT token_hash FROM admin_invites WHERE expires_at < $1 LIMIT $2)`, cutoff)
}

// PurgeAdminSessions deletes the console sessions that expired before
// cutoff and reports how many.
func (q Queries) PurgeAdminSessions(ctx context.Context, cutoff time.Time) (int64, error) {
	return q.purge(ctx, "console sessions", `DELETE FROM admin_sessions WHERE token_hash IN
		(SELECT token_hash FROM admin_sessions WHERE expires_at < $1 LIMIT $2)`, cutoff)
}

// ClaimAdminCeremony consumes a pending ceremony, once, if it has not
// expired at now.
func (q Queries) ClaimAdminCeremony(ctx context.Context, id string, now time.Time) (model.AdminCeremony, error) {
	c := model.AdminCeremony{ID: id}
	var expires int64
	err := q.w.QueryRowContext(ctx, `UPDATE admin_ceremonies SET used_at = $2
		WHERE id = $1 AND used_at = 0 AND expires_at > $2
		RETURNING invite_hash, admin_name, handle, session, expires_at`, id, micros(now)).
		Scan(&c.InviteHash, &c.AdminName, &c.Handle, &c.Session, &expires)
	c.ExpiresAt = fromMicros(expires)
	return c, notFound(err, "this passkey request expired or was used already; please try again")
}

// CreateAdmin stores a new admin.
func (q Queries) CreateAdmin(ctx context.Context, a model.Admin) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO admins (id, tenant_id, name, handle, created_at)
		VALUES ($1, $2, $3, $4, $5)`, a.ID, a.TenantID, a.Name, a.Handle, micros(a.CreatedAt))
	if err != nil {
		return classify(err, "admin")
	}
	return nil
}

const adminColumns = `id, tenant_id, name, handle, created_at`

func scanAdmin(row scanner) (model.Admin, error) {
	var a model.Admin
	var created int64
	err := row.Scan(&a.ID, &a.TenantID, &a.Name, &a.Handle, &created)
	a.CreatedAt = fromMicros(created)
	return a, err
}

// Admin returns an admin by id.
func (q Queries) Admin(ctx context.Context, id string) (model.Admin, error) {
	a, err := scanAdmin(q.r.QueryRowContext(ctx, `SELECT `+adminColumns+` FROM admins WHERE id = $1`, id))
	return a, notFound(err, "no such admin")
}

// Admins lists a tenant's admins, oldest first.
func (q Queries) Admins(ctx context.Context, tenantID string) ([]model.Admin, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+adminColumns+` FROM admins
		WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list admins: %w", err)
	}
	defer rows.Close()
	var out []model.Admin
	for rows.Next() {
		a, err := scanAdmin(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

const adminPasskeyColumns = `credential_id, admin_id, public_key, public_key_algorithm, sign_count, aaguid,
	transports, attestation_type, attestation_format, user_present, user_verified, backup_eligible,
	backup_state, attachment, created_at, last_used_at`

// scanAdminPasskey reads an admin's passkey; its UserID is the admin's id.
func scanAdminPasskey(row scanner) (model.Passkey, error) {
	var p model.Passkey
	var signCount, created, lastUsed int64
	var transports string
	err := row.Scan(&p.CredentialID, &p.UserID, &p.PublicKey, &p.PublicKeyAlgorithm, &signCount, &p.AAGUID,
		&transports, &p.AttestationType, &p.AttestationFormat, &p.Flags.UserPresent, &p.Flags.UserVerified,
		&p.Flags.BackupEligible, &p.Flags.BackupState, &p.Attachment, &created, &lastUsed)
	if err != nil {
		return p, err
	}
	p.SignCount = uint32(signCount)
	p.CreatedAt, p.LastVerifiedAt = fromMicros(created), fromMicros(lastUsed)
	return p, fromJSON(transports, &p.Transports)
}

// CreateAdminPasskey stores a passkey of admin adminID.
func (q Queries) CreateAdminPasskey(ctx context.Context, adminID string, p model.Passkey) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO admin_passkeys (`+adminPasskeyColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		p.CredentialID, adminID, p.PublicKey, p.PublicKeyAlgorithm, int64(p.SignCount), nonNilBytes(p.AAGUID),
		jsonText(nonNil(p.Transports)), p.AttestationType, p.AttestationFormat, p.Flags.UserPresent,
		p.Flags.UserVerified, p.Flags.BackupEligible, p.Flags.BackupState, p.Attachment,
		micros(p.CreatedAt), micros(p.LastVerifiedAt))
	if err != nil {
		return classify(err, "admin passkey")
	}
	return nil
}

// AdminPasskey returns the admin passkey with a credential id.
func (q Queries) AdminPasskey(ctx context.Context, credentialID []byte) (model.Passkey, error) {
	p, err := scanAdminPasskey(q.r.QueryRowContext(ctx, `SELECT `+adminPasskeyColumns+` FROM admin_passkeys
		WHERE credential_id = $1`, credentialID))
	return p, notFound(err, "this passkey is not registered for the console")
}

// AdminPasskeys lists an admin's passkeys, oldest first.
func (q Queries) AdminPasskeys(ctx context.Context, adminID string) ([]model.Passkey, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+adminPasskeyColumns+` FROM admin_passkeys
		WHERE admin_id = $1 ORDER BY created_at`, adminID)
	if err != nil {
		return nil, fmt.Errorf("list admin passkeys: %w", err)
	}
	defer rows.Close()
	var out []model.Passkey
	for rows.Next() {
		p, err := scanAdminPasskey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// RecordAdminSignIn stores a console sign-in's new sign count and flags,
// only if the stored count is the one the sign-in was checked against,
// so two concurrent sign-ins with one counter cannot both pass.
func (q Queries) RecordAdminSignIn(ctx context.Context, p model.Passkey, checkedCount uint32) error {
	res, err := q.w.ExecContext(ctx, `UPDATE admin_passkeys SET sign_count = $2, user_present = $3,
		user_verified = $4, backup_eligible = $5, backup_state = $6, last_used_at = $7
		WHERE credential_id = $1 AND sign_count = $8`,
		p.CredentialID, int64(p.SignCount), p.Flags.UserPresent, p.Flags.UserVerified, p.Flags.BackupEligible,
		p.Flags.BackupState, micros(p.LastVerifiedAt), int64(checkedCount))
	if err != nil {
		return fmt.Errorf("record admin sign-in: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.Errorf(model.ErrUnauthenticated, "invalid_credential", "this passkey was used at the same time elsewhere; please try again")
	}
	return nil
}

// CreateAdminSession stores a new session. Expired sessions are deleted
// by PurgeAdminSessions.
func (q Queries) CreateAdminSession(ctx context.Context, s model.AdminSession) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO admin_sessions (token_hash, admin_id, tenant_id, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, s.TokenHash, s.AdminID, s.TenantID, micros(s.CreatedAt), micros(s.ExpiresAt))
	if err != nil {
		return classify(err, "admin session")
	}
	return nil
}

// AdminSession returns the session with a token hash if it has not
// expired at now; not found otherwise.
func (q Queries) AdminSession(ctx context.Context, hash []byte, now time.Time) (model.AdminSession, error) {
	s := model.AdminSession{TokenHash: hash}
	var created, expires int64
	err := q.r.QueryRowContext(ctx, `SELECT admin_id, tenant_id, created_at, expires_at FROM admin_sessions
		WHERE token_hash = $1 AND expires_at > $2`, hash, micros(now)).Scan(&s.AdminID, &s.TenantID, &created, &expires)
	s.CreatedAt, s.ExpiresAt = fromMicros(created), fromMicros(expires)
	if errors.Is(err, sql.ErrNoRows) {
		return s, model.Errorf(model.ErrUnauthenticated, "unauthenticated", "please sign in to the console")
	}
	if err != nil {
		return s, fmt.Errorf("read admin session: %w", err)
	}
	return s, nil
}

// DeleteAdminSession ends a session; ending one that is gone is not an
// error.
func (q Queries) DeleteAdminSession(ctx context.Context, hash []byte) error {
	if _, err := q.w.ExecContext(ctx, `DELETE FROM admin_sessions WHERE token_hash = $1`, hash); err != nil {
		return fmt.Errorf("delete admin session: %w", err)
	}
	return nil
}
