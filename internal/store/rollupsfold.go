package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/uplift-dev/uplift/internal/devices"
	"github.com/uplift-dev/uplift/internal/model"
)

// Folding (migration 00028): a write the analytics count appends one row
// to analytics_pending in its own transaction and touches no total, so
// that sign-ins never wait on one another for a row every sign-in of the
// day shares. FoldAnalytics counts the pending rows into the totals and
// deletes them, one folder at a time per database; every server folds
// every second (prompt.AnalyticsFoldInterval), and the reports fold their
// tenant's rows before they read.
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

// foldBatch is how many pending rows one folding transaction counts: on
// SQLite few, since the transaction holds the single writer that every
// sign-in waits for; on PostgreSQL many, since each statement of a batch
// is a round trip whatever the batch's size.
func foldBatch(d Dialect) int {
	if d == Postgres {
		return 500
	}
	return 50
}

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
		batch := foldBatch(s.Dialect())
		err := s.InTx(ctx, func(q Queries) (err error) {
			n, err = q.foldPending(ctx, where, args, batch)
			return err
		})
		total += n
		if err != nil || n < batch {
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
	if err := f.count(ctx, pending); err != nil {
		return 0, err
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
// and each subject's day is written once, and reads and writes each kind
// of row of the batch with one statement whatever their number (JSON
// arrays in, see jsonTable).
type fold struct {
	q      Queries
	totals totals
	marks  map[string][]presenceMark // by tenant
	known  map[knownDay]bool         // days to check for known passkeys
}

// knownDay is a user's day (on one device, or all of them) to mark where
// one of the user's passkeys is known (markKnownDays).
type knownDay struct {
	tenantID, userID, deviceID string
	day                        int64
}

func newFold(q Queries) *fold {
	return &fold{q: q, totals: newTotals(), marks: map[string][]presenceMark{}, known: map[knownDay]bool{}}
}

// jsonTable is a subquery of the rows of the JSON array of objects in
// parameter param, with the columns named, each "name type" (the type is
// PostgreSQL's).
func (q Queries) jsonTable(param int, cols ...string) string {
	if q.dialect == Postgres {
		return fmt.Sprintf(`SELECT * FROM jsonb_to_recordset($%d::jsonb) AS x(%s)`, param, strings.Join(cols, ", "))
	}
	out := make([]string, len(cols))
	for i, c := range cols {
		name, _, _ := strings.Cut(c, " ")
		out[i] = fmt.Sprintf(`json_extract(value, '$.%s') AS %s`, name, name)
	}
	return fmt.Sprintf(`SELECT %s FROM json_each($%d)`, strings.Join(out, ", "), param)
}

// subjectJSON names one row of a tenant: an action by its idempotency key,
// an uplift event or an authenticator by its id.
type subjectJSON struct {
	TenantID string `json:"tenant_id"`
	ID       string `json:"id"`
}

// count gathers what the pending rows change.
func (f *fold) count(ctx context.Context, pending []pendingRow) error {
	var actions, events, passkeys []subjectJSON
	seen := map[pendingRow]bool{}
	type knownAt struct {
		deviceID string
		at       int64
	}
	known := map[subjectJSON][]knownAt{}
	for _, p := range pending {
		key := pendingRow{tenantID: p.tenantID, kind: p.kind, subject: p.subject}
		switch p.kind {
		case pendingAction, pendingEvent, pendingPasskey:
			if seen[key] {
				continue
			}
			seen[key] = true
			s := subjectJSON{p.tenantID, p.subject}
			switch p.kind {
			case pendingAction:
				actions = append(actions, s)
			case pendingEvent:
				events = append(events, s)
			default:
				passkeys = append(passkeys, s)
			}
		case pendingKnown:
			s := subjectJSON{p.tenantID, p.subject}
			if _, ok := known[s]; !ok && !seen[pendingRow{tenantID: p.tenantID, kind: pendingPasskey, subject: p.subject}] {
				passkeys = append(passkeys, s)
			}
			known[s] = append(known[s], knownAt{p.deviceID, p.at})
		case pendingHeld:
			f.known[knownDay{p.tenantID, p.userID, p.deviceID, dayNumber(fromMicros(p.at))}] = true
		default:
			return fmt.Errorf("analytics pending: unknown kind %q", p.kind)
		}
	}
	if err := f.countActions(ctx, actions); err != nil {
		return err
	}
	if err := f.countEvents(ctx, events); err != nil {
		return err
	}
	// Passkeys created count, and mark the day their user has one; a
	// passkey known on a device marks that device's day. A passkey gone
	// meanwhile (or a security key) counts nothing.
	return f.readPasskeys(ctx, passkeys, func(tenantID, id, userID string, p model.Passkey) {
		s := subjectJSON{tenantID, id}
		if seen[pendingRow{tenantID: tenantID, kind: pendingPasskey, subject: id}] {
			f.totals.passkey(tenantID, p, 1)
			f.known[knownDay{tenantID, userID, "", dayNumber(p.CreatedAt)}] = true
		}
		for _, k := range known[s] {
			f.known[knownDay{tenantID, userID, k.deviceID, dayNumber(fromMicros(k.at))}] = true
		}
	})
}

// countActions counts each action as stored now: one never counted adds
// its user (and pair) present on its day and its sign-in; one counted
// before moves its sign-in from how it was counted to what it counts as
// now. The query works out, for each, what factsOf-like rules count a
// sign-in by (see signInKey).
func (f *fold) countActions(ctx context.Context, actions []subjectJSON) error {
	if len(actions) == 0 {
		return nil
	}
	q := f.q
	const codeMethod = `a.verification_method NOT IN ('', 'PASSKEY', 'SECURITY_KEY')`
	const end = `((a.created_at / 86400000000 + 1) * 86400000000)`
	// A state change that finds its action not counted yet adds no pending
	// row (setActionState): on PostgreSQL the actions are locked while
	// they are read and counted, so that such a change either commits
	// before they are read or finds them counted and pends anew. (SQLite
	// runs one writer at a time.)
	lock := ""
	if q.dialect == Postgres {
		lock = ` FOR UPDATE OF a`
	}
	rows, err := q.w.QueryContext(ctx, `SELECT a.tenant_id, a.idempotency_key, a.user_id, a.created_at, a.device_id,
			a.user_agent, a.state, a.verification_method, `+prefixed("a.", countedColumns)+`,
			EXISTS (SELECT 1 FROM passkeys p WHERE p.tenant_id = a.tenant_id AND p.user_id = a.user_id
				AND p.created_at < a.created_at),
			pk.aaguid, CASE WHEN pk.authenticator_id IS NULL THEN 0 WHEN pk.backup_eligible THEN 2 ELSE 1 END,
			CASE WHEN a.verification_method <> 'PASSKEY' THEN 0 ELSE COALESCE((SELECT MAX(CASE
					WHEN x.method = 'SMS' AND x.is_default THEN 4
					WHEN x.method IN ('EMAIL_OTP', 'EMAIL_MAGIC_LINK') AND x.is_default THEN 3
					WHEN x.method = 'SMS' THEN 2
					WHEN x.method IN ('EMAIL_OTP', 'EMAIL_MAGIC_LINK') THEN 1 ELSE 0 END)
				FROM authenticators x WHERE x.tenant_id = a.tenant_id AND x.user_id = a.user_id), 0) END,
			CASE WHEN `+codeMethod+` THEN COALESCE((SELECT d.user_agent FROM devices d
				WHERE d.tenant_id = a.tenant_id AND d.id = a.device_id), '') ELSE '' END,
			`+codeMethod+` AND a.device_id <> '' AND (
				EXISTS (SELECT 1 FROM device_passkeys dp JOIN passkeys pa ON pa.authenticator_id = dp.authenticator_id
					WHERE dp.tenant_id = a.tenant_id AND dp.device_id = a.device_id AND pa.tenant_id = a.tenant_id
					AND pa.user_id = a.user_id AND dp.first_at < `+end+`)
				OR EXISTS (SELECT 1 FROM device_held_passkeys h WHERE h.tenant_id = a.tenant_id
					AND h.device_id = a.device_id AND h.user_id = a.user_id AND h.reported_at < `+end+`
					AND EXISTS (SELECT 1 FROM passkeys p WHERE p.tenant_id = a.tenant_id AND p.user_id = a.user_id
						AND p.created_at < `+end+`)))
		FROM (`+q.jsonTable(1, "tenant_id text", "id text")+`) j
		CROSS JOIN actions a
		LEFT JOIN passkeys pk ON a.verification_method = 'PASSKEY' AND pk.authenticator_id = a.verified_authenticator_id
			AND pk.tenant_id = a.tenant_id
		WHERE a.tenant_id = j.tenant_id AND a.idempotency_key = j.id`+lock, jsonText(actions))
	if err != nil {
		return fmt.Errorf("analytics of actions: %w", err)
	}
	type countedJSON struct {
		TenantID      string `json:"tenant_id"`
		ID            string `json:"id"`
		Counted       int    `json:"counted"`
		Method        string `json:"method"`
		PasskeyBefore int    `json:"passkey_before"`
		Saved         string `json:"saved"`
		AAGUID        string `json:"aaguid"`
		PasskeyKind   int    `json:"passkey_kind"`
		OS            string `json:"os"`
		Browser       string `json:"browser"`
		Held          int    `json:"held"`
	}
	var changed []countedJSON
	for rows.Next() {
		var a model.Action
		var created int64
		var state, method string
		var was int64
		var old counted
		var oldBefore, oldHeld, oldKind int64
		var aaguid []byte
		var kind, saved int64
		var ua string
		var nowBefore, nowHeld bool
		if err := rows.Scan(&a.TenantID, &a.IdempotencyKey, &a.UserID, &created, &a.DeviceID, &a.UserAgent, &state,
			&method, &was, &old.key.Method, &oldBefore, &old.key.Saved, &old.key.AAGUID, &oldKind, &old.key.OS,
			&old.key.Browser, &oldHeld, &nowBefore, &aaguid, &kind, &saved, &ua, &nowHeld); err != nil {
			rows.Close()
			return fmt.Errorf("analytics of actions: %w", err)
		}
		a.CreatedAt, a.State, a.VerificationMethod = fromMicros(created), model.ActionState(state), model.VerificationMethod(method)
		old.signIn = was == 1
		old.key.PasskeyBefore, old.key.Held, old.key.PasskeyKind = oldBefore == 1, oldHeld == 1, int(oldKind)
		if !old.signIn {
			old.key = signInKey{}
		}
		var now counted
		if a.State == model.StateChallengeSucceeded || a.VerificationMethod != "" {
			k := signInKey{Method: method, PasskeyBefore: nowBefore, Saved: savedMessages[saved], PasskeyKind: int(kind)}
			if kind != passkeyKindNone {
				k.AAGUID = aaguidText(aaguid)
			}
			if k.fallback() {
				if ua == "" {
					ua = a.UserAgent
				}
				parsed := devices.ParseUserAgent(ua)
				k.OS, k.Browser, k.Held = parsed.OSName, parsed.BrowserName, nowHeld
			}
			now = counted{signIn: true, key: k}
		}
		day := dayNumber(a.CreatedAt)
		if was == notCounted {
			f.mark(a.TenantID, presenceMark{presenceUser, a.UserID, "", day, 1})
			if a.DeviceID != "" {
				f.mark(a.TenantID, presenceMark{presenceDevice, a.UserID, a.DeviceID, day, 1})
			}
		} else if now == old {
			continue
		}
		if old.signIn {
			f.totals.signIn(a.TenantID, day, old.key, -1)
			f.mark(a.TenantID, signInMarks(a, old.key, -1)...)
		}
		if now.signIn {
			f.totals.signIn(a.TenantID, day, now.key, 1)
			f.mark(a.TenantID, signInMarks(a, now.key, 1)...)
		}
		k := now.key
		changed = append(changed, countedJSON{a.TenantID, a.IdempotencyKey, btoi(now.signIn), k.Method,
			btoi(k.PasskeyBefore), k.Saved, k.AAGUID, k.PasskeyKind, k.OS, k.Browser, btoi(k.Held)})
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return fmt.Errorf("analytics of actions: %w", err)
	}
	rows.Close()
	if len(changed) == 0 {
		return nil
	}
	if _, err := q.w.ExecContext(ctx, `UPDATE actions AS a SET counted = j.counted, counted_method = j.method,
			counted_passkey_before = j.passkey_before, counted_saved = j.saved, counted_aaguid = j.aaguid,
			counted_passkey_kind = j.passkey_kind, counted_os = j.os, counted_browser = j.browser, counted_held = j.held
		FROM (`+q.jsonTable(1, "tenant_id text", "id text", "counted int", "method text", "passkey_before int",
		"saved text", "aaguid text", "passkey_kind int", "os text", "browser text", "held int")+`) j
		WHERE a.tenant_id = j.tenant_id AND a.idempotency_key = j.id`, jsonText(changed)); err != nil {
		return fmt.Errorf("analytics of actions: %w", err)
	}
	return nil
}

// countEvents works out each uplift event's browser and prompt attempt
// (how many times the prompt had been shown on the device by then, this
// showing included), stores them on it and counts it.
func (f *fold) countEvents(ctx context.Context, events []subjectJSON) error {
	if len(events) == 0 {
		return nil
	}
	q := f.q
	rows, err := q.w.QueryContext(ctx, fmt.Sprintf(`SELECT e.tenant_id, e.id, e.action_code, e.kind, e.reason,
			e.platform, e.at, e.variant, e.surface,
			COALESCE((SELECT d.user_agent FROM devices d WHERE d.tenant_id = e.tenant_id AND d.id = e.device_id), ''),
			CASE WHEN e.kind IN ('shown', 'accepted', 'dismissed', 'opted_out', 'failed') THEN
				(SELECT COUNT(*) FROM (SELECT 1 FROM uplift_events s WHERE s.tenant_id = e.tenant_id
					AND s.user_id = e.user_id AND s.device_id = e.device_id AND s.kind = 'shown' AND s.at <= e.at
					LIMIT %d) x)
			ELSE -1 END
		FROM (%s) j CROSS JOIN uplift_events e
		WHERE e.tenant_id = j.tenant_id AND e.id = j.id`, model.MaxPromptAttempt, q.jsonTable(1, "tenant_id text", "id text")),
		jsonText(events))
	if err != nil {
		return fmt.Errorf("analytics of uplift events: %w", err)
	}
	type factsJSON struct {
		TenantID string `json:"tenant_id"`
		ID       string `json:"id"`
		Browser  string `json:"browser"`
		Attempt  int    `json:"attempt"`
	}
	var facts []factsJSON
	for rows.Next() {
		var e model.UpliftEvent
		var kind, surface, ua string
		var at, shown int64
		if err := rows.Scan(&e.TenantID, &e.ID, &e.ActionCode, &kind, &e.Reason, &e.Platform, &at, &e.Variant,
			&surface, &ua, &shown); err != nil {
			rows.Close()
			return fmt.Errorf("analytics of uplift events: %w", err)
		}
		e.Kind, e.At, e.Surface = model.UpliftEventKind(kind), fromMicros(at), model.PromptSurface(surface)
		var browser string
		if ua != "" {
			browser = devices.ParseUserAgent(ua).BrowserName
		}
		attempt := 0
		if shown >= 0 { // an event of a prompt shown
			attempt = max(int(shown), 1)
		}
		f.totals.event(e, browser, attempt, 1)
		facts = append(facts, factsJSON{e.TenantID, e.ID, browser, attempt})
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return fmt.Errorf("analytics of uplift events: %w", err)
	}
	rows.Close()
	if len(facts) == 0 {
		return nil
	}
	if _, err := q.w.ExecContext(ctx, `UPDATE uplift_events AS e SET browser = j.browser, attempt = j.attempt
		FROM (`+q.jsonTable(1, "tenant_id text", "id text", "browser text", "attempt int")+`) j
		WHERE e.tenant_id = j.tenant_id AND e.id = j.id`, jsonText(facts)); err != nil {
		return fmt.Errorf("analytics of uplift events: %w", err)
	}
	return nil
}

// readPasskeys calls fn with each of the passkeys named that is stored.
func (f *fold) readPasskeys(ctx context.Context, ids []subjectJSON, fn func(tenantID, id, userID string, p model.Passkey)) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := f.q.w.QueryContext(ctx, `SELECT pk.tenant_id, pk.authenticator_id, pk.user_id, pk.aaguid,
			pk.backup_eligible, pk.created_at
		FROM (`+f.q.jsonTable(1, "tenant_id text", "id text")+`) j CROSS JOIN passkeys pk
		WHERE pk.tenant_id = j.tenant_id AND pk.authenticator_id = j.id`, jsonText(ids))
	if err != nil {
		return fmt.Errorf("analytics of passkeys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var tenantID, id, userID string
		var p model.Passkey
		var created int64
		if err := rows.Scan(&tenantID, &id, &userID, &p.AAGUID, &p.Flags.BackupEligible, &created); err != nil {
			return fmt.Errorf("analytics of passkeys: %w", err)
		}
		p.CreatedAt = fromMicros(created)
		fn(tenantID, id, userID, p)
	}
	return rows.Err()
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
	byTenant := map[string][]knownDay{}
	for k := range f.known {
		byTenant[k.tenantID] = append(byTenant[k.tenantID], k)
	}
	for tenantID, days := range byTenant {
		if err := f.markKnownDays(ctx, tenantID, days); err != nil {
			return err
		}
	}
	return f.totals.write(ctx, f.q)
}
