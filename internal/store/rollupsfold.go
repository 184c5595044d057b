package store

import (
	"context"
	"fmt"

	"github.com/uplift-dev/uplift/internal/model"
)

// Folding (migration 00028): a write the analytics count appends one row
// to analytics_pending in its own transaction and touches no total, so
// that sign-ins never wait on one another for a row every sign-in of the
// day shares. FoldAnalytics counts the pending rows into the totals and
// deletes them, one folder at a time per database; the server folds every
// few seconds, and the reports fold their tenant's rows before they read.
//
// What a pending row asks:
//
//   - action: count the action as it is stored now. An action never
//     counted has counted = -1; it adds its user (and pair) present on its
//     day and its sign-in. One counted before moves its sign-in from how
//     it was counted to what it counts as now.
//   - event: work out the uplift event's browser and prompt attempt, store
//     them on it and count it.
//   - passkey: count a passkey created, and mark the day its user has one.
//   - known: mark the day a passkey of the user became known on a device
//     (subject: its authenticator id; the user is found when folded);
//   - held: mark the day a device reported holding one of the user's
//     passkeys.
//
// Each is counted as the rows stored when it is folded say, and a row
// whose subject is gone (a user or passkey deleted) counts nothing: the
// deletions fold their user's rows first (uncountUser, uncountPasskey).

// Kinds of pending rows.
const (
	pendingAction  = "action"
	pendingEvent   = "event"
	pendingPasskey = "passkey"
	pendingKnown   = "known"
	pendingHeld    = "held"
)

// notCounted is the counted column of an action not counted yet.
const notCounted = -1

// foldBatch is how many pending rows one folding transaction counts.
const foldBatch = 500

// analyticsFoldLock is the PostgreSQL advisory lock key that lets one
// folder run at a time ("uplift:a" in ASCII).
const analyticsFoldLock int64 = 0x75706c6966743a61

// pend appends a pending row.
func (q Queries) pend(ctx context.Context, tenantID, userID, kind, subject, deviceID string, at int64) error {
	if _, err := q.w.ExecContext(ctx, `INSERT INTO analytics_pending (tenant_id, user_id, kind, subject, device_id, at)
		VALUES ($1, $2, $3, $4, $5, $6)`, tenantID, userID, kind, subject, deviceID, at); err != nil {
		return fmt.Errorf("analytics pending: %w", err)
	}
	return nil
}

// FoldAnalytics counts the pending rows of the tenant (every tenant's
// when tenantID is empty) into the totals, a batch per transaction, and
// returns how many it counted.
func (s *Store) FoldAnalytics(ctx context.Context, tenantID string) (int, error) {
	where, args := `TRUE`, []any(nil)
	if tenantID != "" {
		where, args = `tenant_id = $1`, []any{tenantID}
	}
	total := 0
	for {
		var n int
		err := s.InTx(ctx, func(q Queries) (err error) {
			n, err = q.foldPending(ctx, where, args, foldBatch)
			return err
		})
		total += n
		if err != nil || n < foldBatch {
			return total, err
		}
	}
}

// foldUser counts every pending row of a user, inside the caller's
// transaction.
func (q Queries) foldUser(ctx context.Context, tenantID, userID string) error {
	_, err := q.foldPending(ctx, `tenant_id = $1 AND user_id = $2`, []any{tenantID, userID}, 0)
	return err
}

// pendingRow is one row of analytics_pending.
type pendingRow struct {
	seq                                       int64
	tenantID, userID, kind, subject, deviceID string
	at                                        int64
}

// foldPending counts the pending rows matching where (at most limit, in
// the order they were written; every one when limit is 0) and deletes
// them. It takes the fold lock first, held until the transaction ends.
func (q Queries) foldPending(ctx context.Context, where string, args []any, limit int) (int, error) {
	if q.dialect == Postgres {
		if _, err := q.w.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, analyticsFoldLock); err != nil {
			return 0, fmt.Errorf("lock analytics fold: %w", err)
		}
	}
	query := `SELECT seq, tenant_id, user_id, kind, subject, device_id, at FROM analytics_pending WHERE ` + where +
		` ORDER BY seq`
	if limit > 0 {
		query += fmt.Sprintf(` LIMIT %d`, limit)
	}
	rows, err := q.w.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("read analytics pending: %w", err)
	}
	var pending []pendingRow
	for rows.Next() {
		var p pendingRow
		if err := rows.Scan(&p.seq, &p.tenantID, &p.userID, &p.kind, &p.subject, &p.deviceID, &p.at); err != nil {
			rows.Close()
			return 0, fmt.Errorf("read analytics pending: %w", err)
		}
		pending = append(pending, p)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return 0, fmt.Errorf("read analytics pending: %w", err)
	}
	rows.Close()
	if len(pending) == 0 {
		return 0, nil
	}
	f := newFold(q)
	for _, p := range pending {
		if err := f.count(ctx, p); err != nil {
			return 0, err
		}
	}
	if err := f.finish(ctx); err != nil {
		return 0, err
	}
	// Delete exactly the rows read (on PostgreSQL a row written earlier
	// may become visible only now), their numbers as one JSON array.
	seqs := make([]int64, len(pending))
	for i, p := range pending {
		seqs[i] = p.seq
	}
	list := `SELECT value FROM json_each($1)`
	if q.dialect == Postgres {
		list = `SELECT jsonb_array_elements_text($1::jsonb)::bigint`
	}
	if _, err := q.w.ExecContext(ctx, `DELETE FROM analytics_pending WHERE seq IN (`+list+`)`, jsonText(seqs)); err != nil {
		return 0, fmt.Errorf("delete analytics pending: %w", err)
	}
	return len(pending), nil
}

// fold gathers what a batch of pending rows changes, so that each total
// and each subject's day is written once.
type fold struct {
	q       Queries
	totals  totals
	marks   map[string][]presenceMark // by tenant
	known   map[knownDay]bool         // days to check for known passkeys
	actions map[[2]string]bool        // actions counted already
}

// knownDay is a user's day (on one device, or all of them) to mark where
// one of the user's passkeys is known (markKnownDays).
type knownDay struct {
	tenantID, userID, deviceID string
	day                        int64
}

func newFold(q Queries) *fold {
	return &fold{q: q, totals: newTotals(), marks: map[string][]presenceMark{}, known: map[knownDay]bool{},
		actions: map[[2]string]bool{}}
}

// count gathers what one pending row changes.
func (f *fold) count(ctx context.Context, p pendingRow) error {
	switch p.kind {
	case pendingAction:
		return f.countAction(ctx, p.tenantID, p.subject)
	case pendingEvent:
		return f.countEvent(ctx, p.tenantID, p.subject)
	case pendingPasskey:
		return f.countPasskey(ctx, p.tenantID, p.subject)
	case pendingKnown:
		return f.countKnown(ctx, p.tenantID, p.subject, p.deviceID, p.at)
	case pendingHeld:
		f.known[knownDay{p.tenantID, p.userID, p.deviceID, dayNumber(fromMicros(p.at))}] = true
		return nil
	}
	return fmt.Errorf("analytics pending: unknown kind %q", p.kind)
}

// countAction counts an action as stored now.
func (f *fold) countAction(ctx context.Context, tenantID, key string) error {
	if f.actions[[2]string{tenantID, key}] {
		return nil
	}
	f.actions[[2]string{tenantID, key}] = true
	q := f.q
	a := model.Action{TenantID: tenantID, IdempotencyKey: key}
	var created int64
	var state, method string
	var was int64
	old, err := scanCounted(scannerFunc(func(dest ...any) error {
		return q.w.QueryRowContext(ctx, `SELECT user_id, created_at, device_id, user_agent, state, verified_authenticator_id,
			verification_method, counted, `+countedColumns+` FROM actions WHERE tenant_id = $1 AND idempotency_key = $2`,
			tenantID, key).Scan(append([]any{&a.UserID, &created, &a.DeviceID, &a.UserAgent, &state,
			&a.VerifiedAuthenticatorID, &method, &was}, dest...)...)
	}))
	if isNoRows(err) {
		return nil // deleted with its user
	}
	if err != nil {
		return fmt.Errorf("analytics of action: %w", err)
	}
	a.CreatedAt, a.State = fromMicros(created), model.ActionState(state)
	a.VerificationMethod = model.VerificationMethod(method)
	if was == notCounted {
		old = counted{}
	}
	now, err := q.countOf(ctx, a)
	if err != nil {
		return err
	}
	day := dayNumber(a.CreatedAt)
	if was == notCounted {
		f.mark(tenantID, presenceMark{presenceUser, a.UserID, "", day, 1})
		if a.DeviceID != "" {
			f.mark(tenantID, presenceMark{presenceDevice, a.UserID, a.DeviceID, day, 1})
		}
	} else if now == old {
		return nil
	}
	if old.signIn {
		f.totals.signIn(tenantID, day, old.key, -1)
		f.mark(tenantID, signInMarks(a, old.key, -1)...)
	}
	if now.signIn {
		f.totals.signIn(tenantID, day, now.key, 1)
		f.mark(tenantID, signInMarks(a, now.key, 1)...)
	}
	if _, err := q.w.ExecContext(ctx, `UPDATE actions SET (`+countedColumns+`) = ($3, $4, $5, $6, $7, $8, $9, $10, $11)
		WHERE tenant_id = $1 AND idempotency_key = $2`, append([]any{tenantID, key}, now.args()...)...); err != nil {
		return fmt.Errorf("analytics of action: %w", err)
	}
	return nil
}

// countEvent works out an uplift event's browser and attempt, stores them
// on it and counts it.
func (f *fold) countEvent(ctx context.Context, tenantID, id string) error {
	q := f.q
	e := model.UpliftEvent{TenantID: tenantID, ID: id}
	var kind, surface string
	var at int64
	err := q.w.QueryRowContext(ctx, `SELECT user_id, device_id, action_code, kind, reason, platform, at, variant, surface
		FROM uplift_events WHERE tenant_id = $1 AND id = $2`, tenantID, id).
		Scan(&e.UserID, &e.DeviceID, &e.ActionCode, &kind, &e.Reason, &e.Platform, &at, &e.Variant, &surface)
	if isNoRows(err) {
		return nil // deleted with its user
	}
	if err != nil {
		return fmt.Errorf("analytics of uplift event: %w", err)
	}
	e.Kind, e.At, e.Surface = model.UpliftEventKind(kind), fromMicros(at), model.PromptSurface(surface)
	browser, attempt, err := q.eventFacts(ctx, e)
	if err != nil {
		return err
	}
	if _, err := q.w.ExecContext(ctx, `UPDATE uplift_events SET browser = $3, attempt = $4 WHERE tenant_id = $1 AND id = $2`,
		tenantID, id, browser, attempt); err != nil {
		return fmt.Errorf("analytics of uplift event: %w", err)
	}
	f.totals.event(e, browser, attempt, 1)
	return nil
}

// countPasskey counts a passkey created, and marks the day its user has
// one (and the user's devices active that day where it is known).
func (f *fold) countPasskey(ctx context.Context, tenantID, authenticatorID string) error {
	var p model.Passkey
	var userID string
	var created int64
	err := f.q.w.QueryRowContext(ctx, `SELECT user_id, aaguid, backup_eligible, created_at FROM passkeys
		WHERE tenant_id = $1 AND authenticator_id = $2`, tenantID, authenticatorID).
		Scan(&userID, &p.AAGUID, &p.Flags.BackupEligible, &created)
	if isNoRows(err) {
		return nil // deleted
	}
	if err != nil {
		return fmt.Errorf("analytics of passkey: %w", err)
	}
	p.CreatedAt = fromMicros(created)
	f.totals.passkey(tenantID, p, 1)
	f.known[knownDay{tenantID, userID, "", dayNumber(p.CreatedAt)}] = true
	return nil
}

// countKnown marks the device's day, when the user of the passkey
// authenticatorID was present on it, as one with the passkey known there.
func (f *fold) countKnown(ctx context.Context, tenantID, authenticatorID, deviceID string, at int64) error {
	var userID string
	err := f.q.w.QueryRowContext(ctx, `SELECT user_id FROM passkeys WHERE tenant_id = $1 AND authenticator_id = $2`,
		tenantID, authenticatorID).Scan(&userID)
	if isNoRows(err) {
		return nil // a security key, or a passkey deleted meanwhile
	}
	if err != nil {
		return fmt.Errorf("analytics known passkey: %w", err)
	}
	f.known[knownDay{tenantID, userID, deviceID, dayNumber(fromMicros(at))}] = true
	return nil
}

// mark gathers presence marks of a tenant.
func (f *fold) mark(tenantID string, marks ...presenceMark) {
	f.marks[tenantID] = append(f.marks[tenantID], marks...)
}

// finish writes what the batch gathered: the presence marks, then for
// each user or pair whose day became present, and each day a passkey was
// created or became known, the marks of passkeys known that day, then the
// totals.
func (f *fold) finish(ctx context.Context) error {
	for tenantID, marks := range f.marks {
		fresh, err := f.markPresence(ctx, tenantID, marks...)
		if err != nil {
			return err
		}
		for _, m := range fresh {
			if m.kind == presenceUser || m.kind == presenceDevice {
				f.known[knownDay{tenantID, m.userID, "", m.day}] = true
			}
		}
	}
	for k := range f.known {
		if err := f.markKnownDays(ctx, k.tenantID, k.userID, k.deviceID, k.day); err != nil {
			return err
		}
	}
	return f.totals.write(ctx, f.q)
}
