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
// figure). Like the dashboard's, each reads one tenant's daily totals of
// one period (rollups.go), whose from and to are midnights UTC; results
// are sorted in Go so both databases give the same order.

// fallbackWhere is the condition that makes counted sign-ins ones made
// without a passkey by a user who had one when the action was tracked.
const fallbackWhere = `passkey_before = 1 AND method NOT IN ('', 'PASSKEY', 'SECURITY_KEY')`

// UpliftEventGroups counts the tenant's uplift events from from up to (not
// including) to by kind, reason, platform, action, variant and the
// browser of their device.
func (q Queries) UpliftEventGroups(ctx context.Context, tenantID string, from, to time.Time) ([]model.UpliftEventGroup, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT kind, reason, platform, action_code, variant, browser, SUM(n)
		FROM analytics_events WHERE tenant_id = $1 AND day >= $2 AND day < $3
		GROUP BY kind, reason, platform, action_code, variant, browser HAVING SUM(n) <> 0`,
		tenantID, dayNumber(from), dayNumber(to))
	if err != nil {
		return nil, fmt.Errorf("group uplift events: %w", err)
	}
	defer rows.Close()
	var out []model.UpliftEventGroup
	for rows.Next() {
		var g model.UpliftEventGroup
		var kind string
		var n int64
		if err := rows.Scan(&kind, &g.Reason, &g.Platform, &g.ActionCode, &g.Variant, &g.Browser, &n); err != nil {
			return nil, fmt.Errorf("group uplift events: %w", err)
		}
		g.Kind, g.Count = model.UpliftEventKind(kind), int(n)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b model.UpliftEventGroup) int {
		return cmp.Or(strings.Compare(string(a.Kind), string(b.Kind)), strings.Compare(a.Reason, b.Reason),
			strings.Compare(a.Platform, b.Platform), strings.Compare(a.ActionCode, b.ActionCode),
			strings.Compare(a.Variant, b.Variant), strings.Compare(a.Browser, b.Browser))
	})
	return out, rows.Err()
}

// PromptAttempts counts the tenant's shown, accepted, dismissed, opted out
// and failed uplift events from from up to (not including) to by prompt
// attempt: how many times, counting that event's own showing, the user had
// been shown the prompt on that device (at least 1, at most
// model.MaxPromptAttempt), over all of the user's history, as recorded
// with the event.
func (q Queries) PromptAttempts(ctx context.Context, tenantID string, from, to time.Time) ([]model.PromptAttemptCount, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT kind, attempt, SUM(n) FROM analytics_events
		WHERE tenant_id = $1 AND day >= $2 AND day < $3 AND attempt > 0
			AND kind IN ('shown', 'accepted', 'dismissed', 'opted_out', 'failed')
		GROUP BY kind, attempt HAVING SUM(n) <> 0`, tenantID, dayNumber(from), dayNumber(to))
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
// a passkey verified, by the passkey's AAGUID and backup eligibility (as
// they were when counted).
func (q Queries) PasskeyGroups(ctx context.Context, tenantID string, from, to time.Time) ([]model.PasskeyGroup, error) {
	type key struct {
		aaguid string
		synced bool
	}
	groups := map[key]*model.PasskeyGroup{}
	read := func(what, query string, count func(g *model.PasskeyGroup, n int)) error {
		rows, err := q.r.QueryContext(ctx, query, tenantID, dayNumber(from), dayNumber(to))
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		defer rows.Close()
		for rows.Next() {
			var aaguid string
			var synced, n int64
			if err := rows.Scan(&aaguid, &synced, &n); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			if n == 0 {
				continue
			}
			k := key{aaguid, synced == 1}
			g := groups[k]
			if g == nil {
				g = &model.PasskeyGroup{AAGUID: k.aaguid, Synced: k.synced}
				groups[k] = g
			}
			count(g, int(n))
		}
		return rows.Err()
	}
	err := read("passkeys created", `SELECT aaguid, synced, SUM(n) FROM analytics_passkeys
		WHERE tenant_id = $1 AND day >= $2 AND day < $3 GROUP BY aaguid, synced`,
		func(g *model.PasskeyGroup, n int) { g.Created += n })
	if err != nil {
		return nil, err
	}
	err = read("passkey sign-ins", `SELECT aaguid, CASE WHEN passkey_kind = 2 THEN 1 ELSE 0 END, SUM(n)
		FROM analytics_sign_ins WHERE tenant_id = $1 AND day >= $2 AND day < $3 AND method = 'PASSKEY' AND passkey_kind > 0
		GROUP BY aaguid, CASE WHEN passkey_kind = 2 THEN 1 ELSE 0 END`,
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
// that held a passkey: a user who had a passkey by the end of a day of the
// period they were active, a pair on whose device one of the user's
// passkeys was known (created or used there through a platform
// authenticator, or reported held there while the user had a passkey) by
// the end of a day of the period it was active.
func (q Queries) DeviceCoverage(ctx context.Context, tenantID string, from, to time.Time) (model.DeviceCoverage, error) {
	var c model.DeviceCoverage
	for _, f := range []struct {
		kind string
		n    *int
	}{{presenceUser, &c.ActiveUsers}, {presenceUserPasskey, &c.ActiveUsersWithPasskey},
		{presenceDevice, &c.ActiveDevices}, {presenceDevicePasskey, &c.ActiveDevicesWithPasskey}} {
		n, err := q.presentCount(ctx, tenantID, f.kind, from, to)
		if err != nil {
			return c, fmt.Errorf("device coverage: %w", err)
		}
		*f.n = n
	}
	return c, nil
}

// SignInsByMethod counts the sign-ins of the actions tracked from from up
// to (not including) to by UTC day and verification method (empty when
// none was recorded), oldest day first.
func (q Queries) SignInsByMethod(ctx context.Context, tenantID string, from, to time.Time) ([]model.MethodDayCount, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT day, method, SUM(n) FROM analytics_sign_ins
		WHERE tenant_id = $1 AND day >= $2 AND day < $3
		GROUP BY day, method HAVING SUM(n) <> 0`, tenantID, dayNumber(from), dayNumber(to))
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
	var err error
	if f.PasskeyUsers, err = q.presentCount(ctx, tenantID, presencePasskeyUser, from, to); err != nil {
		return f, fmt.Errorf("fallback users: %w", err)
	}
	if f.FallbackUsers, err = q.presentCount(ctx, tenantID, presenceFallbackUser, from, to); err != nil {
		return f, fmt.Errorf("fallback users: %w", err)
	}
	rows, err := q.r.QueryContext(ctx, `SELECT os, browser, method, held, SUM(n) FROM analytics_sign_ins
		WHERE tenant_id = $1 AND day >= $2 AND day < $3 AND `+fallbackWhere+`
		GROUP BY os, browser, method, held HAVING SUM(n) <> 0`, tenantID, dayNumber(from), dayNumber(to))
	if err != nil {
		return f, fmt.Errorf("fallback devices: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d model.FallbackDevice
		var method string
		var held, n int64
		if err := rows.Scan(&d.OS, &d.Browser, &method, &held, &n); err != nil {
			return f, fmt.Errorf("fallback devices: %w", err)
		}
		d.Method, d.PasskeyOnDevice, d.SignIns = model.VerificationMethod(method), held == 1, int(n)
		f.Devices = append(f.Devices, d)
	}
	slices.SortFunc(f.Devices, func(a, b model.FallbackDevice) int {
		return cmp.Or(strings.Compare(a.OS, b.OS), strings.Compare(a.Browser, b.Browser),
			strings.Compare(string(a.Method), string(b.Method)), compareBool(a.PasskeyOnDevice, b.PasskeyOnDevice))
	})
	return f, rows.Err()
}

// SavedMessages counts the passkey sign-ins of actions tracked from from
// up to (not including) to by the message the user would have received
// without a passkey, as the user's authenticators stood at the sign-in: a
// text message when the default authenticator was SMS, an email when it
// was an email code or link; otherwise a text message when the user had
// SMS, an email when the user had email; nothing when the user had
// neither.
func (q Queries) SavedMessages(ctx context.Context, tenantID string, from, to time.Time) (model.SavedMessages, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT saved, SUM(n) FROM analytics_sign_ins
		WHERE tenant_id = $1 AND day >= $2 AND day < $3 AND method = 'PASSKEY'
		GROUP BY saved`, tenantID, dayNumber(from), dayNumber(to))
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
