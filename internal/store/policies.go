package store

import (
	"context"
	"fmt"

	"github.com/uplift-dev/uplift/internal/model"
)

// ActionConfigs lists a tenant's action configurations by code.
func (q Queries) ActionConfigs(ctx context.Context, tenantID string) ([]model.ActionConfig, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+actionConfigRead+` FROM action_configs
		WHERE tenant_id = $1 ORDER BY code`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list action configs: %w", err)
	}
	defer rows.Close()
	var out []model.ActionConfig
	for rows.Next() {
		c, err := scanActionConfig(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CreateActionConfig stores a new action configuration; an existing code
// is a conflict.
func (q Queries) CreateActionConfig(ctx context.Context, c model.ActionConfig) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO action_configs (`+actionConfigColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11)`,
		c.TenantID, c.Code, string(c.DefaultOutcome), jsonText(nonNil(c.VerificationMethods)), string(c.DefaultMethod),
		jsonText(nonNil(c.PromptToEnrollMethods)), c.RedirectURL, micros(c.CreatedAt), micros(c.UpdatedAt),
		micros(c.LastActionCreatedAt), c.DisablePromptToEnroll)
	if err != nil {
		return classify(err, "action configuration "+c.Code)
	}
	return nil
}

// UpdateActionConfig replaces an action configuration's settings.
func (q Queries) UpdateActionConfig(ctx context.Context, c model.ActionConfig) error {
	res, err := q.w.ExecContext(ctx, `UPDATE action_configs SET default_outcome = $3,
		verification_methods = $4, default_method = $5, prompt_to_enroll = $6, redirect_url = $7,
		updated_at = $8, disable_prompt_to_enroll = $9 WHERE tenant_id = $1 AND code = $2`,
		c.TenantID, c.Code, string(c.DefaultOutcome), jsonText(nonNil(c.VerificationMethods)), string(c.DefaultMethod),
		jsonText(nonNil(c.PromptToEnrollMethods)), c.RedirectURL, micros(c.UpdatedAt), c.DisablePromptToEnroll)
	if err != nil {
		return fmt.Errorf("update action config: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("no configuration for action %q", c.Code)
	}
	return nil
}

// DeleteActionConfig removes an action configuration with its rules.
// Actions already tracked keep their history.
func (q Queries) DeleteActionConfig(ctx context.Context, tenantID, code string) error {
	res, err := q.w.ExecContext(ctx, `DELETE FROM action_configs WHERE tenant_id = $1 AND code = $2`, tenantID, code)
	if err != nil {
		return fmt.Errorf("delete action config: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("no configuration for action %q", code)
	}
	return nil
}

const ruleColumns = `id, tenant_id, action_code, name, description, is_active, priority, outcome,
	verification_methods, default_method, prompt_to_enroll, conditions, created_at, updated_at,
	disable_prompt_to_enroll`

func scanRule(row scanner) (model.Rule, error) {
	var r model.Rule
	var outcome, methods, defMethod, prompt, conditions string
	var created, updated int64
	err := row.Scan(&r.ID, &r.TenantID, &r.ActionCode, &r.Name, &r.Description, &r.IsActive, &r.Priority,
		&outcome, &methods, &defMethod, &prompt, &conditions, &created, &updated, &r.DisablePromptToEnroll)
	if err != nil {
		return r, err
	}
	r.Outcome, r.DefaultMethod = model.Outcome(outcome), model.VerificationMethod(defMethod)
	r.Conditions = []byte(conditions)
	r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
	if err := fromJSON(methods, &r.VerificationMethods); err != nil {
		return r, err
	}
	return r, fromJSON(prompt, &r.PromptToEnrollMethods)
}

// Rules lists the rules of one action code, oldest first: the order that
// breaks priority ties.
func (q Queries) Rules(ctx context.Context, tenantID, actionCode string) ([]model.Rule, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+ruleColumns+` FROM rules
		WHERE tenant_id = $1 AND action_code = $2 ORDER BY created_at, id`, tenantID, actionCode)
	if err != nil {
		return nil, fmt.Errorf("list rules: %w", err)
	}
	defer rows.Close()
	var out []model.Rule
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Rule returns one rule of an action code.
func (q Queries) Rule(ctx context.Context, tenantID, actionCode, id string) (model.Rule, error) {
	r, err := scanRule(q.r.QueryRowContext(ctx, `SELECT `+ruleColumns+` FROM rules
		WHERE tenant_id = $1 AND action_code = $2 AND id = $3`, tenantID, actionCode, id))
	return r, notFound(err, "rule not found")
}

// bumpRulesVersion marks the rules of one action (or, with code "", of
// every action of the tenant) as changed.
func (q Queries) bumpRulesVersion(ctx context.Context, tenantID, code string) error {
	_, err := q.w.ExecContext(ctx, `UPDATE action_configs SET rules_version = rules_version + 1
		WHERE tenant_id = $1 AND ($2 = '' OR code = $2)`, tenantID, code)
	if err != nil {
		return fmt.Errorf("bump rules version: %w", err)
	}
	return nil
}

// CreateRule stores a new rule.
func (q Queries) CreateRule(ctx context.Context, r model.Rule) error {
	return q.atomic(ctx, func(q Queries) error {
		if err := q.createRule(ctx, r); err != nil {
			return err
		}
		return q.bumpRulesVersion(ctx, r.TenantID, r.ActionCode)
	})
}

func (q Queries) createRule(ctx context.Context, r model.Rule) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO rules (`+ruleColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		r.ID, r.TenantID, r.ActionCode, r.Name, r.Description, r.IsActive, r.Priority, string(r.Outcome),
		jsonText(nonNil(r.VerificationMethods)), string(r.DefaultMethod), jsonText(nonNil(r.PromptToEnrollMethods)),
		string(r.Conditions), micros(r.CreatedAt), micros(r.UpdatedAt), r.DisablePromptToEnroll)
	if err != nil {
		return classify(err, "rule")
	}
	return nil
}

// UpdateRule replaces a rule's settings.
func (q Queries) UpdateRule(ctx context.Context, r model.Rule) error {
	return q.atomic(ctx, func(q Queries) error {
		if err := q.updateRule(ctx, r); err != nil {
			return err
		}
		return q.bumpRulesVersion(ctx, r.TenantID, r.ActionCode)
	})
}

func (q Queries) updateRule(ctx context.Context, r model.Rule) error {
	res, err := q.w.ExecContext(ctx, `UPDATE rules SET name = $4, description = $5, is_active = $6,
		priority = $7, outcome = $8, verification_methods = $9, default_method = $10,
		prompt_to_enroll = $11, conditions = $12, updated_at = $13, disable_prompt_to_enroll = $14
		WHERE tenant_id = $1 AND action_code = $2 AND id = $3`,
		r.TenantID, r.ActionCode, r.ID, r.Name, r.Description, r.IsActive, r.Priority, string(r.Outcome),
		jsonText(nonNil(r.VerificationMethods)), string(r.DefaultMethod), jsonText(nonNil(r.PromptToEnrollMethods)),
		string(r.Conditions), micros(r.UpdatedAt), r.DisablePromptToEnroll)
	if err != nil {
		return fmt.Errorf("update rule: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("rule not found")
	}
	return nil
}

// DeleteRule removes a rule.
func (q Queries) DeleteRule(ctx context.Context, tenantID, actionCode, id string) error {
	return q.atomic(ctx, func(q Queries) error {
		if err := q.deleteRule(ctx, tenantID, actionCode, id); err != nil {
			return err
		}
		return q.bumpRulesVersion(ctx, tenantID, actionCode)
	})
}

func (q Queries) deleteRule(ctx context.Context, tenantID, actionCode, id string) error {
	res, err := q.w.ExecContext(ctx, `DELETE FROM rules WHERE tenant_id = $1 AND action_code = $2 AND id = $3`,
		tenantID, actionCode, id)
	if err != nil {
		return fmt.Errorf("delete rule: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("rule not found")
	}
	return nil
}

const valueListColumns = `tenant_id, alias, name, item_type, items, is_active, created_at, updated_at`

func scanValueList(row scanner) (model.ValueList, error) {
	var l model.ValueList
	var itemType, items string
	var created, updated int64
	if err := row.Scan(&l.TenantID, &l.Alias, &l.Name, &itemType, &items, &l.IsActive, &created, &updated); err != nil {
		return l, err
	}
	l.ItemType = model.ValueListType(itemType)
	l.CreatedAt, l.UpdatedAt = fromMicros(created), fromMicros(updated)
	return l, fromJSON(items, &l.Items)
}

// ValueLists lists a tenant's value lists by alias.
func (q Queries) ValueLists(ctx context.Context, tenantID string) ([]model.ValueList, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+valueListColumns+` FROM value_lists
		WHERE tenant_id = $1 ORDER BY alias`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list value lists: %w", err)
	}
	defer rows.Close()
	var out []model.ValueList
	for rows.Next() {
		l, err := scanValueList(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// ValueList returns one value list by alias.
func (q Queries) ValueList(ctx context.Context, tenantID, alias string) (model.ValueList, error) {
	l, err := scanValueList(q.r.QueryRowContext(ctx, `SELECT `+valueListColumns+` FROM value_lists
		WHERE tenant_id = $1 AND alias = $2`, tenantID, alias))
	return l, notFound(err, "value list %q not found", alias)
}

// SaveValueList creates or replaces a value list.
func (q Queries) SaveValueList(ctx context.Context, l model.ValueList) error {
	return q.atomic(ctx, func(q Queries) error {
		if err := q.saveValueList(ctx, l); err != nil {
			return err
		}
		return q.bumpRulesVersion(ctx, l.TenantID, "")
	})
}

func (q Queries) saveValueList(ctx context.Context, l model.ValueList) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO value_lists (`+valueListColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (tenant_id, alias) DO UPDATE SET name = excluded.name, item_type = excluded.item_type,
			items = excluded.items, is_active = excluded.is_active, updated_at = excluded.updated_at`,
		l.TenantID, l.Alias, l.Name, string(l.ItemType), jsonText(nonNil(l.Items)), l.IsActive,
		micros(l.CreatedAt), micros(l.UpdatedAt))
	if err != nil {
		return classify(err, "value list")
	}
	return nil
}

// DeleteValueList removes a value list.
func (q Queries) DeleteValueList(ctx context.Context, tenantID, alias string) error {
	return q.atomic(ctx, func(q Queries) error {
		if err := q.deleteValueList(ctx, tenantID, alias); err != nil {
			return err
		}
		return q.bumpRulesVersion(ctx, tenantID, "")
	})
}

func (q Queries) deleteValueList(ctx context.Context, tenantID, alias string) error {
	res, err := q.w.ExecContext(ctx, `DELETE FROM value_lists WHERE tenant_id = $1 AND alias = $2`, tenantID, alias)
	if err != nil {
		return fmt.Errorf("delete value list: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("value list %q not found", alias)
	}
	return nil
}
