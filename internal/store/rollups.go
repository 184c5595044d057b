package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uplift-dev/uplift/internal/devices"
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

// dayEnd is the first instant (in micros) after day.
func dayEnd(day int64) int64 { return (day + 1) * microsPerDay }

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

// args are the values of countedColumns.
func (c counted) args() []any {
	if !c.signIn {
		return []any{0, "", 0, "", "", 0, "", "", 0}
	}
	k := c.key
	return []any{1, k.Method, btoi(k.PasskeyBefore), k.Saved, k.AAGUID, k.PasskeyKind, k.OS, k.Browser, btoi(k.Held)}
}

// scanCounted reads countedColumns; an action not counted yet counts as
// nothing.
func scanCounted(row scanner) (counted, error) {
	var c counted
	var on, before, held int64
	var kind int64
	err := row.Scan(&on, &c.key.Method, &before, &c.key.Saved, &c.key.AAGUID, &kind, &c.key.OS, &c.key.Browser, &held)
	c.signIn, c.key.PasskeyBefore, c.key.Held, c.key.PasskeyKind = on == 1, before == 1, held == 1, int(kind)
	if !c.signIn {
		c.key = signInKey{}
	}
	return c, err
}

// fallback reports whether the sign-in was made without a passkey by a
// user who had one.
func (k signInKey) fallback() bool {
	return k.PasskeyBefore && k.Method != "" && k.Method != string(model.MethodPasskey) &&
		k.Method != string(model.MethodSecurityKey)
}

// isSignIn reports whether an action counts as a sign-in: its challenge
// succeeded, or a challenge verified it before a later change.
func isSignIn(a model.Action) bool {
	return a.State == model.StateChallengeSucceeded || a.VerificationMethod != ""
}

// factsOf reads, in one query, what the analytics count a, a sign-in,
// as.
func (q Queries) factsOf(ctx context.Context, a model.Action) (counted, error) {
	method := string(a.VerificationMethod)
	end := dayEnd(dayNumber(a.CreatedAt))
	const codeMethod = `$6 NOT IN ('', 'PASSKEY', 'SECURITY_KEY')`
	var aaguid []byte
	var kind, saved int64
	var ua string
	var before, held bool
	// saved ranks the user's methods as SavedMessages' rules read them: 4
	// a default SMS, 3 a default email, 2 an SMS, 1 an email.
	err := q.w.QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM passkeys p WHERE p.tenant_id = $1 AND p.user_id = $2 AND p.created_at < $3),
		p.aaguid, CASE WHEN p.authenticator_id IS NULL THEN 0 WHEN p.backup_eligible THEN 2 ELSE 1 END,
		CASE WHEN $6 <> 'PASSKEY' THEN 0 ELSE COALESCE((SELECT MAX(CASE
				WHEN x.method = 'SMS' AND x.is_default THEN 4
				WHEN x.method IN ('EMAIL_OTP', 'EMAIL_MAGIC_LINK') AND x.is_default THEN 3
				WHEN x.method = 'SMS' THEN 2
				WHEN x.method IN ('EMAIL_OTP', 'EMAIL_MAGIC_LINK') THEN 1 ELSE 0 END)
			FROM authenticators x WHERE x.tenant_id = $1 AND x.user_id = $2), 0) END,
		CASE WHEN `+codeMethod+` THEN COALESCE((SELECT d.user_agent FROM devices d WHERE d.tenant_id = $1 AND d.id = $5), '')
			ELSE '' END,
		`+codeMethod+` AND $5 <> '' AND (
			EXISTS (SELECT 1 FROM device_passkeys dp JOIN passkeys pa ON pa.authenticator_id = dp.authenticator_id
				WHERE dp.tenant_id = $1 AND dp.device_id = $5 AND pa.tenant_id = $1 AND pa.user_id = $2 AND dp.first_at < $4)
			OR EXISTS (SELECT 1 FROM device_held_passkeys h WHERE h.tenant_id = $1 AND h.device_id = $5 AND h.user_id = $2
				AND h.reported_at < $4
				AND EXISTS (SELECT 1 FROM passkeys p WHERE p.tenant_id = $1 AND p.user_id = $2 AND p.created_at < $4)))
		FROM (SELECT 1 AS one) o
		LEFT JOIN passkeys p ON $6 = 'PASSKEY' AND p.authenticator_id = $7 AND p.tenant_id = $1`,
		a.TenantID, a.UserID, micros(a.CreatedAt), end, a.DeviceID, method, a.VerifiedAuthenticatorID).
		Scan(&before, &aaguid, &kind, &saved, &ua, &held)
	if err != nil {
		return counted{}, fmt.Errorf("analytics of action: %w", err)
	}
	k := signInKey{Method: method, PasskeyBefore: before, Saved: savedMessages[saved], PasskeyKind: int(kind)}
	if kind != passkeyKindNone {
		k.AAGUID = aaguidText(aaguid)
	}
	if k.fallback() {
		if ua == "" {
			ua = a.UserAgent
		}
		parsed := devices.ParseUserAgent(ua)
		k.OS, k.Browser, k.Held = parsed.OSName, parsed.BrowserName, held
	}
	return counted{signIn: true, key: k}, nil
}

// savedMessages names the message a passkey sign-in saved, by the rank
// factsOf gives the user's methods.
var savedMessages = map[int64]string{4: "sms", 3: "email", 2: "sms", 1: "email"}

// countOf is how a stored action counts: as a sign-in (factsOf) or not
// at all.
func (q Queries) countOf(ctx context.Context, a model.Action) (counted, error) {
	if !isSignIn(a) {
		return counted{}, nil
	}
	return q.factsOf(ctx, a)
}

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

// eventFacts reads what a stored uplift event is counted by that the
// event does not carry: its device's browser and its prompt attempt (how
// many times the prompt had been shown on the device by then, this
// showing included).
func (q Queries) eventFacts(ctx context.Context, e model.UpliftEvent) (browser string, attempt int, err error) {
	var ua string
	var shown int64
	err = q.w.QueryRowContext(ctx, `SELECT
		COALESCE((SELECT user_agent FROM devices WHERE tenant_id = $1 AND id = $3), ''),
		CASE WHEN $5 IN ('shown', 'accepted', 'dismissed', 'opted_out', 'failed') THEN
			(SELECT COUNT(*) FROM (SELECT 1 FROM uplift_events s WHERE s.tenant_id = $1 AND s.user_id = $2
				AND s.device_id = $3 AND s.kind = 'shown' AND s.at <= $4 LIMIT $6) x)
		ELSE 0 END`,
		e.TenantID, e.UserID, e.DeviceID, micros(e.At), string(e.Kind), model.MaxPromptAttempt).Scan(&ua, &shown)
	if err != nil {
		return "", 0, fmt.Errorf("analytics of uplift event: %w", err)
	}
	switch e.Kind {
	case model.UpliftShown, model.UpliftAccepted, model.UpliftDismissed, model.UpliftOptedOut, model.UpliftFailed:
		attempt = max(int(shown), 1)
	}
	if ua != "" {
		browser = devices.ParseUserAgent(ua).BrowserName
	}
	return browser, attempt, nil
}

// eventSurface is where the event's prompt was shown; the hosted pages
// when it does not say.
func eventSurface(e model.UpliftEvent) model.PromptSurface {
	return cmp.Or(e.Surface, model.SurfaceHosted)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// scannerFunc is a scanner made of a function.
type scannerFunc func(dest ...any) error

func (f scannerFunc) Scan(dest ...any) error { return f(dest...) }

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
