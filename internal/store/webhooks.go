package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// WebhookSettings returns where a tenant's webhook events go; a tenant
// that never set them has every URL empty.
func (q Queries) WebhookSettings(ctx context.Context, tenantID string) (model.WebhookSettings, error) {
	s := model.WebhookSettings{TenantID: tenantID}
	var updated int64
	err := q.r.QueryRowContext(ctx, `SELECT authenticator_events_url, log_events_url, prompt_events_url,
		message_events_url, updated_at FROM webhook_settings WHERE tenant_id = $1`, tenantID).
		Scan(&s.AuthenticatorEventsURL, &s.LogEventsURL, &s.PromptEventsURL, &s.MessageEventsURL, &updated)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("webhook settings: %w", err)
	}
	s.UpdatedAt = fromMicros(updated)
	return s, nil
}

// PutWebhookSettings stores a tenant's webhook settings.
func (q Queries) PutWebhookSettings(ctx context.Context, s model.WebhookSettings) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO webhook_settings (tenant_id, authenticator_events_url,
		log_events_url, prompt_events_url, message_events_url, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (tenant_id) DO UPDATE SET authenticator_events_url = excluded.authenticator_events_url,
		log_events_url = excluded.log_events_url, prompt_events_url = excluded.prompt_events_url,
		message_events_url = excluded.message_events_url, updated_at = excluded.updated_at`,
		s.TenantID, s.AuthenticatorEventsURL, s.LogEventsURL, s.PromptEventsURL, s.MessageEventsURL, micros(s.UpdatedAt))
	if err != nil {
		return classify(err, "webhook settings")
	}
	return nil
}

// webhookStreamColumn is the settings column holding each stream's URL.
var webhookStreamColumn = map[string]string{
	model.StreamAuthenticator: "authenticator_events_url",
	model.StreamPrompt:        "prompt_events_url",
	model.StreamLog:           "log_events_url",
}

// EnqueueWebhook stores d as pending when the tenant has a URL for its
// stream, and reports whether it did.
func (q Queries) EnqueueWebhook(ctx context.Context, d model.WebhookDelivery) (bool, error) {
	col, ok := webhookStreamColumn[d.Stream]
	if !ok {
		return false, fmt.Errorf("enqueue webhook: unknown stream %q", d.Stream)
	}
	res, err := q.w.ExecContext(ctx, `INSERT INTO webhook_deliveries (id, tenant_id, stream, type, order_key,
		payload, status, next_attempt_at, created_at)
		SELECT $1, $2, $3, $4, $5, $6, 'pending', $7, $7 FROM webhook_settings
		WHERE tenant_id = $2 AND `+col+` <> ''`,
		d.ID, d.TenantID, d.Stream, d.Type, d.OrderKey, d.Payload, micros(d.CreatedAt))
	if err != nil {
		return false, classify(err, "webhook delivery")
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// WebhookSigningKeys returns the hashes of the tenant's active keys that
// sign webhooks, oldest first.
func (q Queries) WebhookSigningKeys(ctx context.Context, tenantID string) ([][]byte, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT hash FROM api_keys
		WHERE tenant_id = $1 AND revoked_at = 0 AND signs_webhooks ORDER BY created_at, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("webhook signing keys: %w", err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

const webhookDeliveryColumns = `id, tenant_id, stream, type, order_key, payload, status, attempts,
	next_attempt_at, lease_id, lease_until, last_status, last_response, created_at, delivered_at`

func scanWebhookDelivery(row scanner) (model.WebhookDelivery, error) {
	var d model.WebhookDelivery
	var next, lease, created, delivered int64
	err := row.Scan(&d.ID, &d.TenantID, &d.Stream, &d.Type, &d.OrderKey, &d.Payload, &d.Status, &d.Attempts,
		&next, &d.LeaseID, &lease, &d.LastStatus, &d.LastResponse, &created, &delivered)
	d.NextAttemptAt, d.LeaseUntil, d.CreatedAt, d.DeliveredAt = fromMicros(next), fromMicros(lease), fromMicros(created), fromMicros(delivered)
	return d, err
}

// ClaimWebhookDeliveries leases up to limit due pending deliveries until
// leaseUntil under leaseID and counts their attempt. A delivery is taken
// only when no older one with its order key is pending, so the events of
// one user go out in order. PostgreSQL skips the rows another instance is
// claiming (FOR UPDATE SKIP LOCKED); SQLite's single writer claims one
// batch at a time.
func (q Queries) ClaimWebhookDeliveries(ctx context.Context, now, leaseUntil time.Time, leaseID string, limit int) ([]model.WebhookDelivery, error) {
	lock := ""
	if q.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var out []model.WebhookDelivery
	err := q.atomic(ctx, func(q Queries) error {
		rows, err := q.w.QueryContext(ctx, `UPDATE webhook_deliveries SET lease_id = $3, lease_until = $2,
			attempts = attempts + 1
			WHERE id IN (SELECT d.id FROM webhook_deliveries d
				WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND d.lease_until <= $1
				AND (d.order_key = '' OR NOT EXISTS (SELECT 1 FROM webhook_deliveries e
					WHERE e.tenant_id = d.tenant_id AND e.order_key = d.order_key AND e.status = 'pending'
					AND (e.created_at < d.created_at OR (e.created_at = d.created_at AND e.id < d.id))))
				ORDER BY d.next_attempt_at, d.id LIMIT $4`+lock+`)
			RETURNING `+webhookDeliveryColumns, micros(now), micros(leaseUntil), leaseID, limit)
		if err != nil {
			return fmt.Errorf("claim webhook deliveries: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanWebhookDelivery(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	// RETURNING follows no order; deliver the oldest first.
	slices.SortFunc(out, func(a, b model.WebhookDelivery) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, err
}

// FinishWebhookAttempt records attempt a and d's new status, next attempt
// and last response, when d is still leased under d.LeaseID; otherwise
// (the lease ran out and another instance took it) it is a conflict.
func (q Queries) FinishWebhookAttempt(ctx context.Context, d model.WebhookDelivery, a model.WebhookAttempt) error {
	return q.atomic(ctx, func(q Queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE webhook_deliveries SET status = $3, next_attempt_at = $4,
			lease_id = '', lease_until = 0, last_status = $5, last_response = $6, delivered_at = $7
			WHERE id = $1 AND lease_id = $2`, d.ID, d.LeaseID, d.Status, micros(d.NextAttemptAt),
			d.LastStatus, d.LastResponse, micros(d.DeliveredAt))
		if err != nil {
			return fmt.Errorf("finish webhook attempt: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return model.Errorf(model.ErrConflict, "lease_lost", "delivery %s is no longer leased by this worker", d.ID)
		}
		return q.insertWebhookAttempt(ctx, a)
	})
}

func (q Queries) insertWebhookAttempt(ctx context.Context, a model.WebhookAttempt) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO webhook_attempts (delivery_id, n, at, url, status, response, duration_ms)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, a.DeliveryID, a.N, micros(a.At), a.URL, a.Status, a.Response,
		a.Duration.Milliseconds())
	if err != nil {
		return classify(err, "webhook attempt")
	}
	return nil
}

// RecordWebhookDelivery stores a delivery already made, with its attempt.
func (q Queries) RecordWebhookDelivery(ctx context.Context, d model.WebhookDelivery, a model.WebhookAttempt) error {
	return q.atomic(ctx, func(q Queries) error {
		_, err := q.w.ExecContext(ctx, `INSERT INTO webhook_deliveries (`+webhookDeliveryColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', 0, $10, $11, $12, $13)`,
			d.ID, d.TenantID, d.Stream, d.Type, d.OrderKey, d.Payload, d.Status, d.Attempts,
			micros(d.NextAttemptAt), d.LastStatus, d.LastResponse, micros(d.CreatedAt), micros(d.DeliveredAt))
		if err != nil {
			return classify(err, "webhook delivery")
		}
		return q.insertWebhookAttempt(ctx, a)
	})
}

// WebhookDeliveries lists a tenant's latest deliveries, newest first.
func (q Queries) WebhookDeliveries(ctx context.Context, tenantID string, limit int) ([]model.WebhookDelivery, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+webhookDeliveryColumns+` FROM webhook_deliveries
		WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, tenantID, limit)
	if err != nil {
		return nil, fmt.Errorf("list webhook deliveries: %w", err)
	}
	defer rows.Close()
	var out []model.WebhookDelivery
	for rows.Next() {
		d, err := scanWebhookDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// WebhookDelivery returns one of a tenant's deliveries.
func (q Queries) WebhookDelivery(ctx context.Context, tenantID, id string) (model.WebhookDelivery, error) {
	d, err := scanWebhookDelivery(q.r.QueryRowContext(ctx, `SELECT `+webhookDeliveryColumns+`
		FROM webhook_deliveries WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	return d, notFound(err, "no webhook delivery %s", id)
}

// WebhookAttempts lists a delivery's attempts, first first.
func (q Queries) WebhookAttempts(ctx context.Context, deliveryID string) ([]model.WebhookAttempt, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT delivery_id, n, at, url, status, response, duration_ms
		FROM webhook_attempts WHERE delivery_id = $1 ORDER BY n`, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("list webhook attempts: %w", err)
	}
	defer rows.Close()
	var out []model.WebhookAttempt
	for rows.Next() {
		var a model.WebhookAttempt
		var at, ms int64
		if err := rows.Scan(&a.DeliveryID, &a.N, &at, &a.URL, &a.Status, &a.Response, &ms); err != nil {
			return nil, err
		}
		a.At, a.Duration = fromMicros(at), time.Duration(ms)*time.Millisecond
		out = append(out, a)
	}
	return out, rows.Err()
}

// ResendWebhookDelivery makes a delivered or failed asynchronous delivery
// pending again, due at now; its attempts keep counting.
func (q Queries) ResendWebhookDelivery(ctx context.Context, tenantID, id string, now time.Time) error {
	res, err := q.w.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3,
		lease_id = '', lease_until = 0 WHERE tenant_id = $1 AND id = $2 AND status <> 'pending' AND stream <> $4`,
		tenantID, id, micros(now), model.StreamSync)
	if err != nil {
		return fmt.Errorf("resend webhook delivery: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("no finished asynchronous webhook delivery %s", id)
	}
	return nil
}

// ActionVerificationURL returns the action.verify webhook of an action
// configuration, empty when it has none or there is no configuration.
func (q Queries) ActionVerificationURL(ctx context.Context, tenantID, actionCode string) (string, error) {
	var u string
	err := q.r.QueryRowContext(ctx, `SELECT verification_webhook_url FROM action_configs
		WHERE tenant_id = $1 AND code = $2`, tenantID, actionCode).Scan(&u)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("action verification url: %w", err)
	}
	return u, nil
}

// SetActionVerificationURL sets an action configuration's action.verify
// webhook.
func (q Queries) SetActionVerificationURL(ctx context.Context, tenantID, actionCode, url string) error {
	res, err := q.w.ExecContext(ctx, `UPDATE action_configs SET verification_webhook_url = $3
		WHERE tenant_id = $1 AND code = $2`, tenantID, actionCode, url)
	if err != nil {
		return fmt.Errorf("set action verification url: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.NotFound("no configuration for action %q", actionCode)
	}
	return nil
}

// PurgeWebhookDeliveries deletes the delivered and failed deliveries
// created before before, with their attempts, and returns how many.
func (q Queries) PurgeWebhookDeliveries(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := q.atomic(ctx, func(q Queries) error {
		if _, err := q.w.ExecContext(ctx, `DELETE FROM webhook_attempts WHERE delivery_id IN
			(SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND created_at < $1)`, micros(before)); err != nil {
			return fmt.Errorf("purge webhook attempts: %w", err)
		}
		res, err := q.w.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < $1`, micros(before))
		if err != nil {
			return fmt.Errorf("purge webhook deliveries: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
