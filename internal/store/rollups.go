package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// The analytics' daily totals (migration 00023), so that a report reads
// days × dimensions rows instead of the raw ones:
//
//   - analytics_events: uplift events by day and every dimension the
//     funnel, the breakdowns and the attempts split them by;
//   - analytics_sign_ins: sign-ins by day and method, with what the
//     fallbacks, the savings and the passkey breakdowns need;
//   - analytics_passkeys: passkeys created by day, provider and kind;
//   - analytics_presence and analytics_presence_days: the days each user
//     and each (user, device) pair was present, for distinct counts over
//     any period (see presenceGapCap).
//
// The writes leave them to a folder (rollupsfold.go). What a row counts
// as is decided when it is folded and stored on it (uplift_events.browser
// and .attempt, the actions' counted columns), so that RecountAnalytics
// can recount every total from the raw rows.

// dayNumber is the UTC day of t in days since 1970-01-01.
func dayNumber(t time.Time) int64 { return micros(t) / microsPerDay }

// capGap is a gap of days, capped.
func capGap(days int64) int64 { return min(days, presenceGapCap) }

// signInKey is how a sign-in counts in analytics_sign_ins.
type signInKey struct {
	Method        string
	PasskeyBefore bool
	Saved         string
	AAGUID        string
	PasskeyKind   int
	OS, Browser   string
	Held          bool
}

// Passkey kinds of a sign-in.
const (
	passkeyKindNone   = 0
	passkeyKindBound  = 1
	passkeyKindSynced = 2
)

// countedColumns are the columns of actions that hold how the action was
// counted when last folded.
const countedColumns = `counted, counted_method, counted_passkey_before, counted_saved, counted_aaguid,
	counted_passkey_kind, counted_os, counted_browser, counted_held`

// counted is how an action counts: as a sign-in of key, or (signIn
// false) not at all.
type counted struct {
	signIn bool
	key    signInKey
}

// notCountedArgs are the values of countedColumns of an action not
// counted yet.
func notCountedArgs() []any { return []any{notCounted, "", 0, "", "", 0, "", "", 0} }

// fallback reports whether the sign-in was made without a passkey by a
// user who had one.
func (k signInKey) fallback() bool {
	return k.PasskeyBefore && k.Method != "" && k.Method != string(model.MethodPasskey) &&
		k.Method != string(model.MethodSecurityKey)
}

// savedMessages names the message a passkey sign-in saved, by the rank
// countActions gives the user's methods.
var savedMessages = map[int64]string{4: "sms", 3: "email", 2: "sms", 1: "email"}

// signInMarks are the presence marks a counted sign-in of key adds (sign
// +1) or takes back (sign -1).
func signInMarks(a model.Action, key signInKey, sign int64) []presenceMark {
	var out []presenceMark
	day := dayNumber(a.CreatedAt)
	if key.PasskeyBefore {
		out = append(out, presenceMark{presencePasskeyUser, a.UserID, "", day, sign})
	}
	if key.fallback() {
		out = append(out, presenceMark{presenceFallbackUser, a.UserID, "", day, sign})
	}
	return out
}

// totals gathers changes to the daily totals, so that each is written
// once however many rows changed it.
type totals struct {
	signIns      map[signInTotal]int64
	events       map[eventTotal]int64
	passkeys     map[passkeyTotal]int64
	presenceDays map[presenceDayTotal]int64
}

type signInTotal struct {
	tenantID string
	day      int64
	key      signInKey
}

type eventTotal struct {
	tenantID, kind, reason, platform, browser, actionCode, variant, surface string
	day                                                                     int64
	attempt                                                                 int
}

type passkeyTotal struct {
	tenantID, aaguid string
	day              int64
	synced           bool
}

type presenceDayTotal struct {
	tenantID, kind string
	day, gap       int64
}

func newTotals() totals {
	return totals{signIns: map[signInTotal]int64{}, events: map[eventTotal]int64{}, passkeys: map[passkeyTotal]int64{},
		presenceDays: map[presenceDayTotal]int64{}}
}

func (t totals) signIn(tenantID string, day int64, k signInKey, n int64) {
	t.signIns[signInTotal{tenantID, day, k}] += n
}

func (t totals) event(e model.UpliftEvent, browser string, attempt int, n int64) {
	t.events[eventTotal{tenantID: e.TenantID, kind: string(e.Kind), reason: e.Reason, platform: e.Platform,
		browser: browser, actionCode: e.ActionCode, variant: e.Variant, surface: string(eventSurface(e)),
		day: dayNumber(e.At), attempt: attempt}] += n
}

func (t totals) passkey(tenantID string, p model.Passkey, n int64) {
	t.passkeys[passkeyTotal{tenantID, aaguidText(p.AAGUID), dayNumber(p.CreatedAt), p.Flags.BackupEligible}] += n
}

func (t totals) presenceDay(tenantID, kind string, day, gap, n int64) {
	t.presenceDays[presenceDayTotal{tenantID, kind, day, gap}] += n
}

// write adds the gathered changes to the totals.
func (t totals) write(ctx context.Context, q Queries) error {
	for k, n := range t.signIns {
		if n == 0 {
			continue
		}
		if _, err := q.w.ExecContext(ctx, `INSERT INTO analytics_sign_ins (tenant_id, day, method, passkey_before,
				saved, aaguid, passkey_kind, os, browser, held, n)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (tenant_id, day, method, passkey_before, saved, aaguid, passkey_kind, os, browser, held)
			DO UPDATE SET n = analytics_sign_ins.n + excluded.n`,
			k.tenantID, k.day, k.key.Method, btoi(k.key.PasskeyBefore), k.key.Saved, k.key.AAGUID, k.key.PasskeyKind,
			k.key.OS, k.key.Browser, btoi(k.key.Held), n); err != nil {
			return fmt.Errorf("analytics sign-ins: %w", err)
		}
	}
	for k, n := range t.events {
		if _, err := q.w.ExecContext(ctx, `INSERT INTO analytics_events (tenant_id, day, kind, reason, platform,
				browser, action_code, variant, attempt, surface, n)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (tenant_id, day, kind, reason, platform, browser, action_code, variant, attempt, surface)
			DO UPDATE SET n = analytics_events.n + excluded.n`,
			k.tenantID, k.day, k.kind, k.reason, k.platform, k.browser, k.actionCode, k.variant, k.attempt, k.surface,
			n); err != nil {
			return fmt.Errorf("analytics events: %w", err)
		}
	}
	for k, n := range t.passkeys {
		if n == 0 {
			continue
		}
		if _, err := q.w.ExecContext(ctx, `INSERT INTO analytics_passkeys (tenant_id, day, aaguid, synced, n)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (tenant_id, day, aaguid, synced) DO UPDATE SET n = analytics_passkeys.n + excluded.n`,
			k.tenantID, k.day, k.aaguid, btoi(k.synced), n); err != nil {
			return fmt.Errorf("analytics passkeys: %w", err)
		}
	}
	for k, n := range t.presenceDays {
		if n == 0 {
			continue
		}
		if _, err := q.w.ExecContext(ctx, `INSERT INTO analytics_presence_days (tenant_id, kind, day, gap, n)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (tenant_id, kind, day, gap) DO UPDATE SET n = analytics_presence_days.n + excluded.n`,
			k.tenantID, k.kind, k.day, k.gap, n); err != nil {
			return fmt.Errorf("analytics presence days: %w", err)
		}
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// eventSurface is where the event's prompt was shown; the hosted pages
// when it does not say.
func eventSurface(e model.UpliftEvent) model.PromptSurface {
	return cmp.Or(e.Surface, model.SurfaceHosted)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// uncountUser takes a user's rows, about to be deleted with the user, out
// of the totals: a deleted user counts nowhere.
func (q Queries) uncountUser(ctx context.Context, tenantID, userID string) error {
	if err := q.foldUser(ctx, tenantID, userID); err != nil {
		return err
	}
	const day = `/ 86400000000`
	err := q.exec(ctx, "uncount deleted user", []any{tenantID, userID}, `INSERT INTO analytics_events (tenant_id, day, kind, reason, platform,
			browser, action_code, variant, attempt, surface, n)
		SELECT tenant_id, at `+day+`, kind, reason, platform, browser, action_code, variant, attempt, surface, -COUNT(*)
		FROM uplift_events WHERE tenant_id = $1 AND user_id = $2
		GROUP BY tenant_id, at `+day+`, kind, reason, platform, browser, action_code, variant, attempt, surface
		ON CONFLICT (tenant_id, day, kind, reason, platform, browser, action_code, variant, attempt, surface)
		DO UPDATE SET n = analytics_events.n + excluded.n`,
		`INSERT INTO analytics_sign_ins (tenant_id, day, method, passkey_before, saved, aaguid, passkey_kind, os,
			browser, held, n)
		SELECT tenant_id, created_at `+day+`, counted_method, counted_passkey_before, counted_saved,
			counted_aaguid, counted_passkey_kind, counted_os, counted_browser, counted_held, -COUNT(*)
		FROM actions WHERE tenant_id = $1 AND user_id = $2 AND counted = 1
		GROUP BY tenant_id, created_at `+day+`, counted_method, counted_passkey_before, counted_saved,
			counted_aaguid, counted_passkey_kind, counted_os, counted_browser, counted_held
		ON CONFLICT (tenant_id, day, method, passkey_before, saved, aaguid, passkey_kind, os, browser, held)
		DO UPDATE SET n = analytics_sign_ins.n + excluded.n`,
		`INSERT INTO analytics_presence_days (tenant_id, kind, day, gap, n)
		SELECT tenant_id, kind, day, gap, -COUNT(*) FROM analytics_presence WHERE tenant_id = $1 AND user_id = $2
		GROUP BY tenant_id, kind, day, gap
		ON CONFLICT (tenant_id, kind, day, gap) DO UPDATE SET n = analytics_presence_days.n + excluded.n`)
	if err != nil {
		return err
	}
	rows, err := q.w.QueryContext(ctx, `SELECT aaguid, backup_eligible, created_at FROM passkeys
		WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID)
	if err != nil {
		return fmt.Errorf("uncount deleted user: %w", err)
	}
	t := newTotals()
	for rows.Next() {
		var p model.Passkey
		var created int64
		if err := rows.Scan(&p.AAGUID, &p.Flags.BackupEligible, &created); err != nil {
			rows.Close()
			return fmt.Errorf("uncount deleted user: %w", err)
		}
		p.CreatedAt = fromMicros(created)
		t.passkey(tenantID, p, -1)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return fmt.Errorf("uncount deleted user: %w", err)
	}
	rows.Close()
	return t.write(ctx, q)
}

// uncountPasskey takes a passkey about to be deleted out of the passkeys
// created; any other authenticator changes nothing.
func (q Queries) uncountPasskey(ctx context.Context, tenantID, userID, authenticatorID string) error {
	if err := q.foldUser(ctx, tenantID, userID); err != nil {
		return err
	}
	var p model.Passkey
	var created int64
	err := q.w.QueryRowContext(ctx, `SELECT aaguid, backup_eligible, created_at FROM passkeys
		WHERE tenant_id = $1 AND user_id = $2 AND authenticator_id = $3`, tenantID, userID, authenticatorID).
		Scan(&p.AAGUID, &p.Flags.BackupEligible, &created)
	if isNoRows(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("uncount deleted passkey: %w", err)
	}
	p.CreatedAt = fromMicros(created)
	t := newTotals()
	t.passkey(tenantID, p, -1)
	return t.write(ctx, q)
}
