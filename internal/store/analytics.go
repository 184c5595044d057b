package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// The adoption analytics' queries (docs/analytics.md defines each
// figure). Like the dashboard's, each reads one tenant's rows of one
// period through the (tenant_id, time) indexes and aggregates in SQL;
// results are sorted in Go so both databases give the same order.

// signInWhere is the condition that makes an action a sign-in: its
// challenge succeeded, or a challenge verified it before a later change.
const signInWhere = `(a.state = 'CHALLENGE_SUCCEEDED' OR a.verification_method <> '')`

// fallbackWhere is the condition that makes a sign-in one made without a
// passkey by a user who had one when the action was tracked.
const fallbackWhere = `a.verification_method <> '' AND a.verification_method NOT IN ('PASSKEY', 'SECURITY_KEY')`

// passkeyBefore holds when the action's user had a passkey created before
// the action.
const passkeyBefore = `EXISTS (SELECT 1 FROM passkeys p WHERE p.tenant_id = a.tenant_id AND p.user_id = a.user_id
	AND p.created_at < a.created_at)`

// UpliftEventGroups counts the tenant's uplift events from from up to (not
// including) to by kind, reason, platform, action, variant and the user
// agent of their device.
func (q Queries) UpliftEventGroups(ctx context.Context, tenantID string, from, to time.Time) ([]model.UpliftEventGroup, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT e.kind, e.reason, e.platform, e.action_code, e.variant,
		COALESCE(d.user_agent, ''), COUNT(*)
		FROM uplift_events e LEFT JOIN devices d ON d.tenant_id = e.tenant_id AND d.id = e.device_id
		WHERE e.tenant_id = $1 AND e.at >= $2 AND e.at < $3
		GROUP BY e.kind, e.reason, e.platform, e.action_code, e.variant, COALESCE(d.user_agent, '')`,
		tenantID, micros(from), micros(to))
	if err != nil {
		return nil, fmt.Errorf("group uplift events: %w", err)
	}
	defer rows.Close()
	var out []model.UpliftEventGroup
	for rows.Next() {
		var g model.UpliftEventGroup
		var kind string
		var n int64
		if err := rows.Scan(&kind, &g.Reason, &g.Platform, &g.ActionCode, &g.Variant, &g.UserAgent, &n); err != nil {
			return nil, fmt.Errorf("group uplift events: %w", err)
		}
		g.Kind, g.Count = model.UpliftEventKind(kind), int(n)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b model.UpliftEventGroup) int {
		return cmp.Or(strings.Compare(string(a.Kind), string(b.Kind)), strings.Compare(a.Reason, b.Reason),
			strings.Compare(a.Platform, b.Platform), strings.Compare(a.ActionCode, b.ActionCode),
			strings.Compare(a.Variant, b.Variant), strings.Compare(a.UserAgent, b.UserAgent))
	})
	return out, rows.Err()
}

// PromptAttempts counts the tenant's shown, accepted, dismissed, opted out
// and failed uplift events from from up to (not including) to by prompt
// attempt: how many times, counting that event's own showing, the user had
// been shown the prompt on that device (at least 1, at most
// model.MaxPromptAttempt), over all of the user's history.
func (q Queries) PromptAttempts(ctx context.Context, tenantID string, from, to time.Time) ([]model.PromptAttemptCount, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT kind, CASE WHEN n < 1 THEN 1 WHEN n > $4 THEN $4 ELSE n END, COUNT(*)
		FROM (SELECT e.kind, (SELECT COUNT(*) FROM uplift_events s WHERE s.tenant_id = e.tenant_id
				AND s.user_id = e.user_id AND s.device_id = e.device_id AND s.kind = 'shown' AND s.at <= e.at) AS n
			FROM uplift_events e
			WHERE e.tenant_id = $1 AND e.at >= $2 AND e.at < $3
				AND e.kind IN ('shown', 'accepted', 'dismissed', 'opted_out', 'failed')) x
		GROUP BY 1, 2`, tenantID, micros(from), micros(to), model.MaxPromptAttempt)
	if err != nil {
		return nil, fmt.Errorf("prompt attempts: %w", err)
	}
	defer rows.Close()
	var out []model.PromptAttemptCount
	for rows.Next() {
		var c model.PromptAttemptCount
		var kind string
		var attempt, n int64
		if err := rows.Scan(&kind, &attempt, &n); err != nil {
			return nil, fmt.Errorf("prompt attempts: %w", err)
		}
		c.Kind, c.Attempt, c.Count = model.UpliftEventKind(kind), int(attempt), int(n)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b model.PromptAttemptCount) int {
		return cmp.Or(strings.Compare(string(a.Kind), string(b.Kind)), cmp.Compare(a.Attempt, b.Attempt))
	})
	return out, rows.Err()
}

// PasskeyGroups counts the tenant's passkeys created from from up to (not
// including) to, and the sign-ins of actions tracked in that period that
// a passkey verified, by the passkey's AAGUID and backup eligibility.
// Deleted passkeys are gone and count nowhere.
func (q Queries) PasskeyGroups(ctx context.Context, tenantID string, from, to time.Time) ([]model.PasskeyGroup, error) {
	type key struct {
		aaguid string
		synced bool
	}
	groups := map[key]*model.PasskeyGroup{}
	read := func(what, query string, count func(g *model.PasskeyGroup, n int)) error {
		rows, err := q.r.QueryContext(ctx, query, tenantID, micros(from), micros(to))
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		defer rows.Close()
		for rows.Next() {
			var aaguid []byte
			var synced, n int64
			if err := rows.Scan(&aaguid, &synced, &n); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			k := key{aaguidText(aaguid), synced == 1}
			g := groups[k]
			if g == nil {
				g = &model.PasskeyGroup{AAGUID: k.aaguid, Synced: k.synced}
				groups[k] = g
			}
			count(g, int(n))
		}
		return rows.Err()
	}
	err := read("passkeys created", `SELECT p.aaguid, CASE WHEN p.backup_eligible THEN 1 ELSE 0 END, COUNT(*)
		FROM passkeys p WHERE p.tenant_id = $1 AND p.created_at >= $2 AND p.created_at < $3
		GROUP BY p.aaguid, CASE WHEN p.backup_eligible THEN 1 ELSE 0 END`,
		func(g *model.PasskeyGroup, n int) { g.Created += n })
	if err != nil {
		return nil, err
	}
	err = read("passkey sign-ins", `SELECT p.aaguid, CASE WHEN p.backup_eligible THEN 1 ELSE 0 END, COUNT(*)
		FROM actions a JOIN passkeys p ON p.authenticator_id = a.verified_authenticator_id
		WHERE a.tenant_id = $1 AND a.created_at >= $2 AND a.created_at < $3 AND a.verification_method = 'PASSKEY'
		GROUP BY p.aaguid, CASE WHEN p.backup_eligible THEN 1 ELSE 0 END`,
		func(g *model.PasskeyGroup, n int) { g.SignIns += n })
	if err != nil {
		return nil, err
	}
	out := make([]model.PasskeyGroup, 0, len(groups))
	for _, g := range groups {
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b model.PasskeyGroup) int {
		return cmp.Or(strings.Compare(a.AAGUID, b.AAGUID), compareBool(a.Synced, b.Synced))
	})
	return out, nil
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// aaguidText is an AAGUID in its canonical lower-case UUID form, or ""
// when it is missing or all zeros.
func aaguidText(b []byte) string {
	if len(b) != 16 || strings.Trim(string(b), "\x00") == "" {
		return ""
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// DeviceCoverage counts the users and the (user, device) pairs with an
// action tracked from from up to (not including) to, and those of them
// that hold a passkey: a user with a passkey created before to, a device
// on which one of the user's passkeys is known (created or used there
// through a platform authenticator, or reported held there).
func (q Queries) DeviceCoverage(ctx context.Context, tenantID string, from, to time.Time) (model.DeviceCoverage, error) {
	var c model.DeviceCoverage
	lo, hi := micros(from), micros(to)
	var users, usersWith int64
	err := q.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM passkeys p
			WHERE p.tenant_id = $1 AND p.user_id = u.user_id AND p.created_at < $3) THEN 1 ELSE 0 END), 0)
		FROM (SELECT DISTINCT user_id FROM actions WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3) u`,
		tenantID, lo, hi).Scan(&users, &usersWith)
	if err != nil {
		return c, fmt.Errorf("user coverage: %w", err)
	}
	var devices, devicesWith int64
	err = q.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN `+passkeyOnDevice("x")+` THEN 1 ELSE 0 END), 0)
		FROM (SELECT DISTINCT user_id, device_id FROM actions
			WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 AND device_id <> '') x`,
		tenantID, lo, hi).Scan(&devices, &devicesWith)
	if err != nil {
		return c, fmt.Errorf("device coverage: %w", err)
	}
	c.ActiveUsers, c.ActiveUsersWithPasskey = int(users), int(usersWith)
	c.ActiveDevices, c.ActiveDevicesWithPasskey = int(devices), int(devicesWith)
	return c, nil
}

// passkeyOnDevice is the condition that one of the passkeys of the user
// alias.user_id is known on the device alias.device_id (tenant $1), as
// PasskeyOnDevice decides it.
func passkeyOnDevice(alias string) string {
	return `(EXISTS (SELECT 1 FROM device_passkeys dp JOIN authenticators pa ON pa.id = dp.authenticator_id
			WHERE dp.tenant_id = $1 AND dp.device_id = ` + alias + `.device_id AND pa.tenant_id = $1
				AND pa.user_id = ` + alias + `.user_id AND pa.method = 'PASSKEY')
		OR EXISTS (SELECT 1 FROM device_held_passkeys h
			WHERE h.tenant_id = $1 AND h.device_id = ` + alias + `.device_id AND h.user_id = ` + alias + `.user_id
			AND EXISTS (SELECT 1 FROM authenticators ha WHERE ha.tenant_id = $1 AND ha.user_id = ` + alias + `.user_id
				AND ha.method = 'PASSKEY')))`
}

// SignInsByMethod counts the sign-ins of the actions tracked from from up
// to (not including) to by UTC day and verification method (empty when
// none was recorded), oldest day first.
func (q Queries) SignInsByMethod(ctx context.Context, tenantID string, from, to time.Time) ([]model.MethodDayCount, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT a.created_at / 86400000000, a.verification_method, COUNT(*)
		FROM actions a WHERE a.tenant_id = $1 AND a.created_at >= $2 AND a.created_at < $3 AND `+signInWhere+`
		GROUP BY a.created_at / 86400000000, a.verification_method`, tenantID, micros(from), micros(to))
	if err != nil {
		return nil, fmt.Errorf("sign-ins by method: %w", err)
	}
	defer rows.Close()
	var out []model.MethodDayCount
	for rows.Next() {
		var day, n int64
		var method string
		if err := rows.Scan(&day, &method, &n); err != nil {
			return nil, fmt.Errorf("sign-ins by method: %w", err)
		}
		out = append(out, model.MethodDayCount{Day: time.UnixMicro(day * microsPerDay).UTC(),
			Method: model.VerificationMethod(method), Count: int(n)})
	}
	slices.SortFunc(out, func(a, b model.MethodDayCount) int {
		return cmp.Or(a.Day.Compare(b.Day), strings.Compare(string(a.Method), string(b.Method)))
	})
	return out, rows.Err()
}

// FallbackSignIns counts, among the sign-ins of actions tracked from from
// up to (not including) to, those of users who had a passkey before the
// action and signed in with another method than a passkey or a security
// key (see model.Fallbacks).
func (q Queries) FallbackSignIns(ctx context.Context, tenantID string, from, to time.Time) (model.Fallbacks, error) {
	var f model.Fallbacks
	lo, hi := micros(from), micros(to)
	var users, fallbackUsers int64
	err := q.r.QueryRowContext(ctx, `SELECT COUNT(DISTINCT a.user_id),
			COUNT(DISTINCT CASE WHEN `+fallbackWhere+` THEN a.user_id END)
		FROM actions a WHERE a.tenant_id = $1 AND a.created_at >= $2 AND a.created_at < $3
			AND `+signInWhere+` AND `+passkeyBefore, tenantID, lo, hi).Scan(&users, &fallbackUsers)
	if err != nil {
		return f, fmt.Errorf("fallback users: %w", err)
	}
	f.PasskeyUsers, f.FallbackUsers = int(users), int(fallbackUsers)
	rows, err := q.r.QueryContext(ctx, `SELECT ua, method, held, COUNT(*) FROM (
			SELECT CASE WHEN COALESCE(d.user_agent, '') <> '' THEN d.user_agent ELSE a.user_agent END AS ua,
				a.verification_method AS method,
				CASE WHEN a.device_id <> '' AND `+passkeyOnDevice("a")+` THEN 1 ELSE 0 END AS held
			FROM actions a LEFT JOIN devices d ON d.tenant_id = a.tenant_id AND d.id = a.device_id
			WHERE a.tenant_id = $1 AND a.created_at >= $2 AND a.created_at < $3
				AND `+fallbackWhere+` AND `+passkeyBefore+`) x
		GROUP BY ua, method, held`, tenantID, lo, hi)
	if err != nil {
		return f, fmt.Errorf("fallback devices: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d model.FallbackDevice
		var method string
		var held, n int64
		if err := rows.Scan(&d.UserAgent, &method, &held, &n); err != nil {
			return f, fmt.Errorf("fallback devices: %w", err)
		}
		d.Method, d.PasskeyOnDevice, d.SignIns = model.VerificationMethod(method), held == 1, int(n)
		f.Devices = append(f.Devices, d)
	}
	slices.SortFunc(f.Devices, func(a, b model.FallbackDevice) int {
		return cmp.Or(strings.Compare(a.UserAgent, b.UserAgent), strings.Compare(string(a.Method), string(b.Method)),
			compareBool(a.PasskeyOnDevice, b.PasskeyOnDevice))
	})
	return f, rows.Err()
}

// SavedMessages counts the passkey sign-ins of actions tracked from from
// up to (not including) to by the message the user would have received
// without a passkey, as the user's authenticators stand now: a text
// message when the default authenticator is SMS, an email when it is an
// email code or link; otherwise a text message when the user has SMS, an
// email when the user has email; nothing when the user has neither.
func (q Queries) SavedMessages(ctx context.Context, tenantID string, from, to time.Time) (model.SavedMessages, error) {
	has := func(cond string) string {
		return `EXISTS (SELECT 1 FROM authenticators x WHERE x.tenant_id = a.tenant_id AND x.user_id = a.user_id AND ` + cond + `)`
	}
	const email = `x.method IN ('EMAIL_OTP', 'EMAIL_MAGIC_LINK')`
	rows, err := q.r.QueryContext(ctx, `SELECT m, COUNT(*) FROM (SELECT CASE
			WHEN `+has(`x.is_default AND x.method = 'SMS'`)+` THEN 'sms'
			WHEN `+has(`x.is_default AND `+email)+` THEN 'email'
			WHEN `+has(`x.method = 'SMS'`)+` THEN 'sms'
			WHEN `+has(email)+` THEN 'email'
			ELSE '' END AS m
		FROM actions a WHERE a.tenant_id = $1 AND a.created_at >= $2 AND a.created_at < $3
			AND a.verification_method = 'PASSKEY') x
		GROUP BY m`, tenantID, micros(from), micros(to))
	if err != nil {
		return model.SavedMessages{}, fmt.Errorf("saved messages: %w", err)
	}
	defer rows.Close()
	var s model.SavedMessages
	for rows.Next() {
		var m string
		var n int64
		if err := rows.Scan(&m, &n); err != nil {
			return s, fmt.Errorf("saved messages: %w", err)
		}
		switch m {
		case "sms":
			s.TextMessages = int(n)
		case "email":
			s.Emails = int(n)
		}
	}
	return s, rows.Err()
}

// MessagePrices returns the tenant's prices per message; zero prices and
// no currency when none were set.
func (q Queries) MessagePrices(ctx context.Context, tenantID string) (model.MessagePrices, error) {
	var p model.MessagePrices
	err := q.r.QueryRowContext(ctx, `SELECT currency, text_message_price, email_price FROM message_prices
		WHERE tenant_id = $1`, tenantID).Scan(&p.Currency, &p.TextMessage, &p.Email)
	if errors.Is(err, sql.ErrNoRows) {
		return model.MessagePrices{}, nil
	}
	if err != nil {
		return p, fmt.Errorf("message prices: %w", err)
	}
	return p, nil
}

// SaveMessagePrices stores the tenant's prices per message, replacing
// those set before.
func (q Queries) SaveMessagePrices(ctx context.Context, tenantID string, p model.MessagePrices, at time.Time) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO message_prices (tenant_id, currency, text_message_price, email_price, updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (tenant_id) DO UPDATE SET currency = excluded.currency,
			text_message_price = excluded.text_message_price, email_price = excluded.email_price,
			updated_at = excluded.updated_at`, tenantID, p.Currency, p.TextMessage, p.Email, micros(at))
	if err != nil {
		return classify(err, "message prices")
	}
	return nil
}

// VariantLabels lists the variants of the tenant's prompt experiments
// with their experiment's name.
func (q Queries) VariantLabels(ctx context.Context, tenantID string) ([]model.VariantLabel, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT v.id, x.name, v.label FROM uplift_experiment_variants v
		JOIN uplift_experiments x ON x.id = v.experiment_id WHERE x.tenant_id = $1`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("variant labels: %w", err)
	}
	defer rows.Close()
	var out []model.VariantLabel
	for rows.Next() {
		var v model.VariantLabel
		if err := rows.Scan(&v.ID, &v.Experiment, &v.Label); err != nil {
			return nil, fmt.Errorf("variant labels: %w", err)
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b model.VariantLabel) int { return strings.Compare(a.ID, b.ID) })
	return out, rows.Err()
}
