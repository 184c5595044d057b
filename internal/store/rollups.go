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

// The analytics' daily totals (migration 00023), kept in the transaction
// of every write that changes them, so that a report reads days ×
// dimensions rows instead of the raw ones:
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
// What a row counts as is decided when it is written and stored on it
// (uplift_events.browser and .attempt, the actions' counted columns), so
// that RecountAnalytics can recount every total from the raw rows.

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
// counted when last written (its method is verification_method).
const countedColumns = `counted, counted_passkey_before, counted_saved, counted_aaguid, counted_passkey_kind,
	counted_os, counted_browser, counted_held`

// counted is how an action counts: as a sign-in of key, or (signIn
// false) not at all.
type counted struct {
	signIn bool
	key    signInKey
}

// args are the values of countedColumns.
func (c counted) args() []any {
	if !c.signIn {
		return []any{0, 0, "", "", 0, "", "", 0}
	}
	k := c.key
	return []any{1, btoi(k.PasskeyBefore), k.Saved, k.AAGUID, k.PasskeyKind, k.OS, k.Browser, btoi(k.Held)}
}

// scanCounted reads countedColumns after the action's verification_method.
func scanCounted(row scanner) (counted, error) {
	var c counted
	var on, before, held int64
	var kind int64
	err := row.Scan(&c.key.Method, &on, &before, &c.key.Saved, &c.key.AAGUID, &kind, &c.key.OS, &c.key.Browser, &held)
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

// addSignIn adds n to the sign-ins of key on day.
func (q Queries) addSignIn(ctx context.Context, tenantID string, day int64, k signInKey, n int64) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO analytics_sign_ins (tenant_id, day, method, passkey_before, saved, aaguid,
			passkey_kind, os, browser, held, n)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (tenant_id, day, method, passkey_before, saved, aaguid, passkey_kind, os, browser, held)
		DO UPDATE SET n = analytics_sign_ins.n + excluded.n`,
		tenantID, day, k.Method, btoi(k.PasskeyBefore), k.Saved, k.AAGUID, k.PasskeyKind, k.OS, k.Browser, btoi(k.Held), n)
	if err != nil {
		return fmt.Errorf("analytics sign-ins: %w", err)
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// countNewAction adds a stored action, counted as c, to the totals: its
// user (and pair) present on its day, and its sign-in. The first action
// of a user or pair on a day also marks the day as one with a passkey, or
// a passkey known on the device, when it is (later passkeys and links
// mark it when they come: countPasskeyCreated, countPasskeyKnown).
func (q Queries) countNewAction(ctx context.Context, a model.Action, c counted) error {
	day := dayNumber(a.CreatedAt)
	marks := []presenceMark{{presenceUser, a.UserID, "", day, 1}}
	if a.DeviceID != "" {
		marks = append(marks, presenceMark{presenceDevice, a.UserID, a.DeviceID, day, 1})
	}
	if c.signIn {
		marks = append(marks, signInMarks(a, c.key, 1)...)
		if err := q.addSignIn(ctx, a.TenantID, day, c.key, 1); err != nil {
			return err
		}
	}
	fresh, err := q.markPresence(ctx, a.TenantID, marks...)
	if err != nil {
		return err
	}
	for _, m := range fresh {
		if m.kind == presenceUser || m.kind == presenceDevice {
			return q.markKnownDays(ctx, a.TenantID, a.UserID, "", day)
		}
	}
	return nil
}

// countActionChange moves an action's sign-in from how it was counted
// (old) to what it counts as now; a is the action as stored, with its new
// state and method. It returns how to store it as counted.
func (q Queries) countActionChange(ctx context.Context, a model.Action, old counted) (counted, error) {
	now, err := q.countOf(ctx, a)
	if err != nil {
		return old, err
	}
	if now == old {
		return old, nil
	}
	day := dayNumber(a.CreatedAt)
	var marks []presenceMark
	if old.signIn {
		if err := q.addSignIn(ctx, a.TenantID, day, old.key, -1); err != nil {
			return old, err
		}
		marks = append(marks, signInMarks(a, old.key, -1)...)
	}
	if now.signIn {
		if err := q.addSignIn(ctx, a.TenantID, day, now.key, 1); err != nil {
			return old, err
		}
		marks = append(marks, signInMarks(a, now.key, 1)...)
	}
	_, err = q.markPresence(ctx, a.TenantID, marks...)
	return now, err
}

// countPasskeyCreated adds a new passkey to the totals: created on its
// day, and its user (and the user's devices active that day where it is
// known) with a passkey from that day.
func (q Queries) countPasskeyCreated(ctx context.Context, a model.Authenticator, p model.Passkey) error {
	if err := q.addPasskeyCreated(ctx, a.TenantID, p, 1); err != nil {
		return err
	}
	// Devices that reported holding one of the user's passkeys count from
	// the day the user has one.
	return q.markKnownDays(ctx, a.TenantID, a.UserID, "", dayNumber(p.CreatedAt))
}

// countPasskeyKnown marks the device's day, when the user of the passkey
// authenticatorID was present on it, as one with the passkey known there.
func (q Queries) countPasskeyKnown(ctx context.Context, tenantID, deviceID, authenticatorID string, at time.Time) error {
	var userID string
	err := q.w.QueryRowContext(ctx, `SELECT user_id FROM passkeys WHERE tenant_id = $1 AND authenticator_id = $2`,
		tenantID, authenticatorID).Scan(&userID)
	if isNoRows(err) {
		return nil // a security key, or a passkey deleted meanwhile
	}
	if err != nil {
		return fmt.Errorf("analytics known passkey: %w", err)
	}
	return q.markKnownDays(ctx, tenantID, userID, deviceID, dayNumber(at))
}

// eventFacts reads what an uplift event is counted by that the event does
// not carry: its device's browser and its prompt attempt.
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
	case model.UpliftShown:
		attempt = min(int(shown)+1, model.MaxPromptAttempt)
	case model.UpliftAccepted, model.UpliftDismissed, model.UpliftOptedOut, model.UpliftFailed:
		attempt = max(int(shown), 1)
	}
	if ua != "" {
		browser = devices.ParseUserAgent(ua).BrowserName
	}
	return browser, attempt, nil
}

// countEvent adds a stored uplift event to the totals.
func (q Queries) countEvent(ctx context.Context, e model.UpliftEvent, browser string, attempt int) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO analytics_events (tenant_id, day, kind, reason, platform, browser,
			action_code, variant, attempt, surface, n)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1)
		ON CONFLICT (tenant_id, day, kind, reason, platform, browser, action_code, variant, attempt, surface)
		DO UPDATE SET n = analytics_events.n + 1`,
		e.TenantID, dayNumber(e.At), string(e.Kind), e.Reason, e.Platform, browser, e.ActionCode, e.Variant, attempt,
		string(eventSurface(e)))
	if err != nil {
		return fmt.Errorf("analytics events: %w", err)
	}
	return nil
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
		SELECT tenant_id, created_at `+day+`, verification_method, counted_passkey_before, counted_saved,
			counted_aaguid, counted_passkey_kind, counted_os, counted_browser, counted_held, -COUNT(*)
		FROM actions WHERE tenant_id = $1 AND user_id = $2 AND counted = 1
		GROUP BY tenant_id, created_at `+day+`, verification_method, counted_passkey_before, counted_saved,
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
	var passkeys []model.Passkey
	for rows.Next() {
		var p model.Passkey
		var created int64
		if err := rows.Scan(&p.AAGUID, &p.Flags.BackupEligible, &created); err != nil {
			rows.Close()
			return fmt.Errorf("uncount deleted user: %w", err)
		}
		p.CreatedAt = fromMicros(created)
		passkeys = append(passkeys, p)
	}
	rows.Close()
	for _, p := range passkeys {
		if err := q.addPasskeyCreated(ctx, tenantID, p, -1); err != nil {
			return err
		}
	}
	return nil
}

// addPasskeyCreated adds n to the passkeys created of p's day and kind.
func (q Queries) addPasskeyCreated(ctx context.Context, tenantID string, p model.Passkey, n int64) error {
	if _, err := q.w.ExecContext(ctx, `INSERT INTO analytics_passkeys (tenant_id, day, aaguid, synced, n)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (tenant_id, day, aaguid, synced) DO UPDATE SET n = analytics_passkeys.n + excluded.n`,
		tenantID, dayNumber(p.CreatedAt), aaguidText(p.AAGUID), btoi(p.Flags.BackupEligible), n); err != nil {
		return fmt.Errorf("analytics passkeys: %w", err)
	}
	return nil
}

// uncountPasskey takes a passkey about to be deleted out of the passkeys
// created; any other authenticator changes nothing.
func (q Queries) uncountPasskey(ctx context.Context, tenantID, userID, authenticatorID string) error {
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
	return q.addPasskeyCreated(ctx, tenantID, p, -1)
}
