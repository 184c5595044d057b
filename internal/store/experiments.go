package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

const experimentColumns = `id, tenant_id, name, status, winner_variant_id, created_at, ended_at`

// CreateExperiment stores an experiment and its variants. A tenant with
// an experiment running already gets a conflict.
func (q Queries) CreateExperiment(ctx context.Context, e model.Experiment) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO uplift_experiments (`+experimentColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.ID, e.TenantID, e.Name, string(e.Status), e.WinnerVariantID,
		micros(e.CreatedAt), micros(e.EndedAt))
	if err != nil {
		return classify(err, "running experiment")
	}
	for i, v := range e.Variants {
		_, err := q.w.ExecContext(ctx, `INSERT INTO uplift_experiment_variants
			(id, experiment_id, position, label, heading, explanation, weight) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			v.ID, e.ID, i, v.Label, v.Heading, v.Explanation, v.Weight)
		if err != nil {
			return classify(err, "experiment variant")
		}
	}
	return nil
}

// Experiments lists a tenant's experiments with their variants, newest
// first.
func (q Queries) Experiments(ctx context.Context, tenantID string) ([]model.Experiment, error) {
	return q.experiments(ctx, `WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC`, tenantID)
}

// Experiment returns one of a tenant's experiments.
func (q Queries) Experiment(ctx context.Context, tenantID, id string) (model.Experiment, error) {
	es, err := q.experiments(ctx, `WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return model.Experiment{}, err
	}
	if len(es) == 0 {
		return model.Experiment{}, model.NotFound("experiment not found")
	}
	return es[0], nil
}

// RunningExperiment returns the tenant's running experiment, if any.
func (q Queries) RunningExperiment(ctx context.Context, tenantID string) (model.Experiment, bool, error) {
	es, err := q.experiments(ctx, `WHERE tenant_id = $1 AND status = 'running'`, tenantID)
	if err != nil || len(es) == 0 {
		return model.Experiment{}, false, err
	}
	return es[0], true, nil
}

func (q Queries) experiments(ctx context.Context, where string, args ...any) ([]model.Experiment, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+experimentColumns+` FROM uplift_experiments `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list experiments: %w", err)
	}
	var out []model.Experiment
	for rows.Next() {
		var e model.Experiment
		var status string
		var created, ended int64
		if err := rows.Scan(&e.ID, &e.TenantID, &e.Name, &status, &e.WinnerVariantID, &created, &ended); err != nil {
			rows.Close()
			return nil, err
		}
		e.Status, e.CreatedAt, e.EndedAt = model.ExperimentStatus(status), fromMicros(created), fromMicros(ended)
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		vrows, err := q.r.QueryContext(ctx, `SELECT id, label, heading, explanation, weight
			FROM uplift_experiment_variants WHERE experiment_id = $1 ORDER BY position`, out[i].ID)
		if err != nil {
			return nil, fmt.Errorf("list experiment variants: %w", err)
		}
		for vrows.Next() {
			var v model.Variant
			if err := vrows.Scan(&v.ID, &v.Label, &v.Heading, &v.Explanation, &v.Weight); err != nil {
				vrows.Close()
				return nil, err
			}
			out[i].Variants = append(out[i].Variants, v)
		}
		vrows.Close()
		if err := vrows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// EndExperiment ends a running experiment with the given status and
// winner; an experiment that is not running is a conflict.
func (q Queries) EndExperiment(ctx context.Context, tenantID, id string, status model.ExperimentStatus, winner string, at time.Time) error {
	res, err := q.w.ExecContext(ctx, `UPDATE uplift_experiments SET status = $3, winner_variant_id = $4, ended_at = $5
		WHERE tenant_id = $1 AND id = $2 AND status = 'running'`, tenantID, id, string(status), winner, micros(at))
	if err != nil {
		return fmt.Errorf("end experiment: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := q.Experiment(ctx, tenantID, id); err != nil {
			return err
		}
		return model.Errorf(model.ErrConflict, "experiment_ended", "the experiment has ended already")
	}
	return nil
}

// PromptCopy returns the tenant's prompt copy; empty fields mean the
// built-in text.
func (q Queries) PromptCopy(ctx context.Context, tenantID string) (model.PromptCopy, error) {
	var c model.PromptCopy
	err := q.r.QueryRowContext(ctx, `SELECT enrollment_prompt_heading, enrollment_prompt_explanation
		FROM tenants WHERE id = $1`, tenantID).Scan(&c.Heading, &c.Explanation)
	return c, notFound(err, "tenant not found")
}

// SetPromptCopy sets the tenant's prompt copy.
func (q Queries) SetPromptCopy(ctx context.Context, tenantID string, c model.PromptCopy) error {
	res, err := q.w.ExecContext(ctx, `UPDATE tenants SET enrollment_prompt_heading = $2,
		enrollment_prompt_explanation = $3 WHERE id = $1`, tenantID, c.Heading, c.Explanation)
	if err != nil {
		return fmt.Errorf("set prompt copy: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("tenant not found")
	}
	return nil
}

// ExperimentCounts counts, for each variant of the experiment that has
// any event, the users shown the prompt and who accepted it, wherever it
// was shown, and the actions with the prompt shown by the hosted pages
// and those after which the user reached the app (a prompt an app shows
// itself never takes the user away from it).
func (q Queries) ExperimentCounts(ctx context.Context, tenantID, experimentID string) ([]model.VariantCounts, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT variant,
		COUNT(DISTINCT CASE WHEN kind = 'shown' THEN user_id END),
		COUNT(DISTINCT CASE WHEN kind = 'accepted' THEN user_id END),
		COUNT(DISTINCT CASE WHEN kind = 'shown' AND surface = 'hosted' THEN idempotency_key END),
		COUNT(DISTINCT CASE WHEN kind = 'returned' THEN idempotency_key END)
		FROM uplift_events WHERE tenant_id = $1 AND variant <> '' AND variant IN
			(SELECT id FROM uplift_experiment_variants WHERE experiment_id = $2)
		GROUP BY variant`, tenantID, experimentID)
	if err != nil {
		return nil, fmt.Errorf("experiment counts: %w", err)
	}
	defer rows.Close()
	var out []model.VariantCounts
	for rows.Next() {
		var c model.VariantCounts
		if err := rows.Scan(&c.VariantID, &c.UsersShown, &c.UsersAccepted, &c.PromptsShown, &c.PromptsReturned); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// UpliftShownIn reports whether the prompt was shown in the user's action
// with the idempotency key, with which variant, and whether the user's
// return to the app after it is recorded already.
func (q Queries) UpliftShownIn(ctx context.Context, tenantID, userID, key string) (shown bool, variant string, returned bool, err error) {
	var nShown, nReturned int
	err = q.r.QueryRowContext(ctx, `SELECT
		COUNT(CASE WHEN kind = 'shown' THEN 1 END), COALESCE(MAX(CASE WHEN kind = 'shown' THEN variant END), ''),
		COUNT(CASE WHEN kind = 'returned' THEN 1 END)
		FROM uplift_events WHERE tenant_id = $1 AND user_id = $2 AND idempotency_key = $3 AND kind IN ('shown', 'returned')`,
		tenantID, userID, key).Scan(&nShown, &variant, &nReturned)
	if err != nil {
		return false, "", false, fmt.Errorf("uplift shown in action: %w", err)
	}
	return nShown > 0, variant, nReturned > 0, nil
}
