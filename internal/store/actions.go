package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

const actionConfigColumns = `tenant_id, code, default_outcome, verification_methods, default_method,
	prompt_to_enroll, redirect_url, created_at, updated_at, last_action_created_at, rules_version,
	disable_prompt_to_enroll`

// actionConfigRead is what scanActionConfig reads (FROM action_configs):
// the written columns, the action.verify webhook, which only
// SetActionVerificationURL writes, and the tenant's log events URL.
const actionConfigRead = actionConfigColumns + `, verification_webhook_url,
	COALESCE((SELECT w.log_events_url FROM webhook_settings w WHERE w.tenant_id = action_configs.tenant_id), '')`

func scanActionConfig(row scanner) (model.ActionConfig, error) {
	var c model.ActionConfig
	var outcome, methods, defMethod, prompt string
	var created, updated, last int64
	err := row.Scan(&c.TenantID, &c.Code, &outcome, &methods, &defMethod, &prompt, &c.RedirectURL,
		&created, &updated, &last, &c.RulesVersion, &c.DisablePromptToEnroll, &c.VerificationWebhookURL, &c.LogEventsURL)
	if err != nil {
		return c, err
	}
	c.DefaultOutcome, c.DefaultMethod = model.Outcome(outcome), model.VerificationMethod(defMethod)
	c.CreatedAt, c.UpdatedAt, c.LastActionCreatedAt = fromMicros(created), fromMicros(updated), fromMicros(last)
	if err := fromJSON(methods, &c.VerificationMethods); err != nil {
		return c, err
	}
	return c, fromJSON(prompt, &c.PromptToEnrollMethods)
}

// ActionConfig returns the configuration of one action code.
func (q Queries) ActionConfig(ctx context.Context, tenantID, code string) (model.ActionConfig, error) {
	c, err := scanActionConfig(q.r.QueryRowContext(ctx, `SELECT `+actionConfigRead+`
		FROM action_configs WHERE tenant_id = $1 AND code = $2`, tenantID, code))
	return c, notFound(err, "no configuration for action %q", code)
}

// EnsureActionConfig stores c unless the tenant already configures its
// code, notes that an action of that code was created at
// c.LastActionCreatedAt, and returns the configuration in force. The note
// is written at most once a minute (and never moves back), so that busy
// actions do not all queue for the same row.
func (q Queries) EnsureActionConfig(ctx context.Context, c model.ActionConfig) (model.ActionConfig, error) {
	got, err := scanActionConfig(q.w.QueryRowContext(ctx, `SELECT `+actionConfigRead+`
		FROM action_configs WHERE tenant_id = $1 AND code = $2`, c.TenantID, c.Code))
	if errors.Is(err, sql.ErrNoRows) {
		_, err = q.w.ExecContext(ctx, `INSERT INTO action_configs (`+actionConfigColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11)
			ON CONFLICT (tenant_id, code) DO NOTHING`,
			c.TenantID, c.Code, string(c.DefaultOutcome), jsonText(nonNil(c.VerificationMethods)), string(c.DefaultMethod),
			jsonText(nonNil(c.PromptToEnrollMethods)), c.RedirectURL, micros(c.CreatedAt), micros(c.UpdatedAt),
			micros(c.LastActionCreatedAt), c.DisablePromptToEnroll)
		if err != nil {
			return got, fmt.Errorf("ensure action config: %w", err)
		}
		got, err = scanActionConfig(q.w.QueryRowContext(ctx, `SELECT `+actionConfigRead+`
			FROM action_configs WHERE tenant_id = $1 AND code = $2`, c.TenantID, c.Code))
	}
	if err != nil {
		return got, fmt.Errorf("ensure action config: %w", err)
	}
	if model.ActionNoteDue(got, c.LastActionCreatedAt) {
		if err := q.NoteActionCreated(ctx, c.TenantID, c.Code, c.LastActionCreatedAt); err != nil {
			return got, err
		}
		got.LastActionCreatedAt = c.LastActionCreatedAt
	}
	return got, nil
}

// NoteActionCreated notes on an action's configuration that an action of
// its code was created at the given time, unless a later time is noted.
func (q Queries) NoteActionCreated(ctx context.Context, tenantID, code string, at time.Time) error {
	if _, err := q.w.ExecContext(ctx, `UPDATE action_configs SET last_action_created_at = $3
		WHERE tenant_id = $1 AND code = $2 AND last_action_created_at < $3`,
		tenantID, code, micros(at)); err != nil {
		return fmt.Errorf("note last action: %w", err)
	}
	return nil
}

const actionColumns = `tenant_id, user_id, code, idempotency_key, state, state_updated_at, created_at, updated_at,
	verification_method, verified_authenticator_id, rule_ids, priority_rule_id, device_id, ip_address,
	user_agent, redirect_url, redirect_to_settings, scope, locale, custom, allowed_methods, state_source`

func scanAction(row scanner) (model.Action, error) {
	var a model.Action
	var state, method, ruleIDs, custom, allowed, source string
	var stateAt, created, updated int64
	err := row.Scan(&a.TenantID, &a.UserID, &a.Code, &a.IdempotencyKey, &state, &stateAt, &created, &updated,
		&method, &a.VerifiedAuthenticatorID, &ruleIDs, &a.PriorityRuleID, &a.DeviceID, &a.IPAddress,
		&a.UserAgent, &a.RedirectURL, &a.RedirectToSettings, &a.Scope, &a.Locale, &custom, &allowed, &source)
	if err != nil {
		return a, err
	}
	a.State, a.VerificationMethod = model.ActionState(state), model.VerificationMethod(method)
	a.StateSource = model.StateSource(source)
	a.StateUpdatedAt, a.CreatedAt, a.UpdatedAt = fromMicros(stateAt), fromMicros(created), fromMicros(updated)
	if err := fromJSON(ruleIDs, &a.RuleIDs); err != nil {
		return a, err
	}
	if err := fromJSON(allowed, &a.AllowedMethods); err != nil {
		return a, err
	}
	return a, fromJSON(custom, &a.Custom)
}

// CreateAction stores a new action and the first entry of its state
// history. An action with the same idempotency key already stored is
// returned instead, with created false.
func (q Queries) CreateAction(ctx context.Context, a model.Action) (stored model.Action, created bool, err error) {
	return q.InsertAction(ctx, model.NewAction{Action: a})
}

// InsertAction stores a new action with its state history (the earlier
// states, then its state). An action with the same idempotency key
// already stored is returned instead, with created false.
func (q Queries) InsertAction(ctx context.Context, na model.NewAction) (stored model.Action, created bool, err error) {
	err = q.atomic(ctx, func(q Queries) error {
		stored, created, err = q.createAction(ctx, na)
		return err
	})
	return stored, created, err
}

func (q Queries) createAction(ctx context.Context, na model.NewAction) (model.Action, bool, error) {
	a := na.Action
	var first []string
	for _, st := range append(slices.Clip(na.Earlier), a.State) {
		first = append(first, string(st))
	}
	res, err := q.w.ExecContext(ctx, `INSERT INTO actions (`+actionColumns+`, first_states, first_states_at,
			`+countedColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
			$23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33)
		ON CONFLICT (tenant_id, idempotency_key) DO NOTHING`,
		append([]any{a.TenantID, a.UserID, a.Code, a.IdempotencyKey, string(a.State), micros(a.StateUpdatedAt),
			micros(a.CreatedAt), micros(a.UpdatedAt), string(a.VerificationMethod), a.VerifiedAuthenticatorID,
			jsonText(nonNil(a.RuleIDs)), a.PriorityRuleID, a.DeviceID, a.IPAddress, a.UserAgent, a.RedirectURL,
			a.RedirectToSettings, a.Scope, a.Locale, jsonText(nonNilMap(a.Custom)), jsonText(nonNil(a.AllowedMethods)),
			string(a.StateSource), strings.Join(first, ","), micros(a.StateUpdatedAt)}, notCountedArgs()...)...)
	if err != nil {
		return a, false, classify(err, "action")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		stored, err := scanAction(q.w.QueryRowContext(ctx, `SELECT `+actionColumns+` FROM actions
			WHERE tenant_id = $1 AND idempotency_key = $2`, a.TenantID, a.IdempotencyKey))
		return stored, false, err
	}
	if err := q.pend(ctx, a.TenantID, a.UserID, pendingAction, a.IdempotencyKey, "", 0); err != nil {
		return a, false, err
	}
	if a.DeviceID != "" && !na.DeviceKnown {
		if _, err := q.w.ExecContext(ctx, `INSERT INTO user_devices (tenant_id, user_id, device_id, first_seen_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, user_id, device_id) DO NOTHING`,
			a.TenantID, a.UserID, a.DeviceID, micros(a.CreatedAt)); err != nil {
			return a, false, fmt.Errorf("note user device: %w", err)
		}
	}
	return a, true, nil
}

// Action returns one action by its idempotency key.
func (q Queries) Action(ctx context.Context, tenantID, idempotencyKey string) (model.Action, error) {
	a, err := scanAction(q.r.QueryRowContext(ctx, `SELECT `+actionColumns+` FROM actions
		WHERE tenant_id = $1 AND idempotency_key = $2`, tenantID, idempotencyKey))
	return a, notFound(err, "action not found")
}

// ActionState returns what validating an action's token needs of it: its
// user, code, idempotency key, state, the time and source of that state
// and the method that verified it. Its other fields are left zero.
func (q Queries) ActionState(ctx context.Context, tenantID, idempotencyKey string) (model.Action, error) {
	a := model.Action{TenantID: tenantID}
	var state, method, source string
	var stateAt int64
	err := q.r.QueryRowContext(ctx, `SELECT user_id, code, idempotency_key, state, state_updated_at, verification_method,
		state_source FROM actions WHERE tenant_id = $1 AND idempotency_key = $2`, tenantID, idempotencyKey).
		Scan(&a.UserID, &a.Code, &a.IdempotencyKey, &state, &stateAt, &method, &source)
	if err != nil {
		return a, notFound(err, "action not found")
	}
	a.State, a.VerificationMethod, a.StateUpdatedAt = model.ActionState(state), model.VerificationMethod(method), fromMicros(stateAt)
	a.StateSource = model.StateSource(source)
	return a, nil
}

// QueryActions lists a user's actions, newest first.
func (q Queries) QueryActions(ctx context.Context, tenantID, userID string, aq model.ActionQuery) ([]model.Action, error) {
	args := []any{tenantID, userID}
	query := `SELECT ` + actionColumns + ` FROM actions WHERE tenant_id = $1 AND user_id = $2`
	if len(aq.Codes) > 0 {
		marks := make([]string, len(aq.Codes))
		for i, c := range aq.Codes {
			args = append(args, c)
			marks[i] = fmt.Sprintf("$%d", len(args))
		}
		query += " AND code IN (" + strings.Join(marks, ", ") + ")"
	}
	if aq.State != "" {
		args = append(args, string(aq.State))
		query += fmt.Sprintf(" AND state = $%d", len(args))
	}
	if !aq.From.IsZero() {
		args = append(args, micros(aq.From))
		query += fmt.Sprintf(" AND created_at >= $%d", len(args))
	}
	query += " ORDER BY created_at DESC, idempotency_key"
	if aq.Limit > 0 {
		args = append(args, aq.Limit)
		query += fmt.Sprintf(" LIMIT $%d", len(args))
	}
	rows, err := q.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query actions: %w", err)
	}
	defer rows.Close()
	var out []model.Action
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SetActionState stores an action's state and its source with the method
// and authenticator that verified it (as given, empty included) and
// appends the state and its source to the action's history.
func (q Queries) SetActionState(ctx context.Context, a model.Action) error {
	return q.atomic(ctx, func(q Queries) error { return q.setActionState(ctx, a) })
}

func (q Queries) setActionState(ctx context.Context, a model.Action) error {
	var userID string
	var wasCounted int
	err := q.w.QueryRowContext(ctx, `UPDATE actions SET state = $3, state_updated_at = $4, updated_at = $4,
		verification_method = $5, verified_authenticator_id = $6, state_source = $7
		WHERE tenant_id = $1 AND idempotency_key = $2 RETURNING user_id, counted`,
		a.TenantID, a.IdempotencyKey, string(a.State), micros(a.StateUpdatedAt),
		string(a.VerificationMethod), a.VerifiedAuthenticatorID, string(a.StateSource)).Scan(&userID, &wasCounted)
	if isNoRows(err) {
		return model.NotFound("action not found")
	}
	if err != nil {
		return fmt.Errorf("set action state: %w", err)
	}
	// An action not counted yet is still pending from its creation: the
	// folder will count it as it is then (and locks it while it reads it,
	// so this change is either seen or pends anew).
	if wasCounted != notCounted {
		if err := q.pend(ctx, a.TenantID, userID, pendingAction, a.IdempotencyKey, "", 0); err != nil {
			return err
		}
	}
	return q.appendState(ctx, a)
}

// ActionHistory returns an action's states, oldest first, with who made
// each: those it was created with (kept on the action; the first is
// track's outcome, any after it the challenge that completed the action
// at once), then its changes (in action_states). An unknown action has
// none.
func (q Queries) ActionHistory(ctx context.Context, tenantID, idempotencyKey string) ([]model.StateChange, error) {
	var first string
	var firstAt int64
	err := q.r.QueryRowContext(ctx, `SELECT first_states, first_states_at FROM actions
		WHERE tenant_id = $1 AND idempotency_key = $2`, tenantID, idempotencyKey).Scan(&first, &firstAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("action history: %w", err)
	}
	var out []model.StateChange
	for st := range strings.SplitSeq(first, ",") {
		if st != "" {
			source := model.SourceTrack
			if len(out) > 0 {
				source = model.SourceChallenge
			}
			out = append(out, model.StateChange{State: model.ActionState(st), At: fromMicros(firstAt), Source: source})
		}
	}
	rows, err := q.r.QueryContext(ctx, `SELECT state, at, source FROM action_states
		WHERE tenant_id = $1 AND idempotency_key = $2 ORDER BY seq`, tenantID, idempotencyKey)
	if err != nil {
		return nil, fmt.Errorf("action history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state, source string
		var at int64
		if err := rows.Scan(&state, &at, &source); err != nil {
			return nil, err
		}
		out = append(out, model.StateChange{State: model.ActionState(state), At: fromMicros(at), Source: model.StateSource(source)})
	}
	return out, rows.Err()
}

func (q Queries) appendState(ctx context.Context, a model.Action) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO action_states (tenant_id, idempotency_key, seq, state, at, source)
		SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5 FROM action_states
		WHERE tenant_id = $1 AND idempotency_key = $2`,
		a.TenantID, a.IdempotencyKey, string(a.State), micros(a.StateUpdatedAt), string(a.StateSource))
	if err != nil {
		return fmt.Errorf("record action state: %w", err)
	}
	return nil
}
