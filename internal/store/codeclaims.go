package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// FindCodeChallenge returns the code challenge cq selects, of any kind: the
// one with its id, or else the newest of its user's. The other fields
// given must match too. Nothing found is a not-found error.
func (q Queries) FindCodeChallenge(ctx context.Context, tenantID string, cq model.ChallengeQuery) (model.CodeChallenge, error) {
	args := []any{tenantID}
	query := `SELECT ` + codeChallengeColumns + ` FROM code_challenges WHERE tenant_id = $1`
	if cq.ID != "" {
		args = append(args, cq.ID)
		query += fmt.Sprintf(" AND id = $%d", len(args))
	}
	if cq.UserID != "" {
		// The subject of a challenge that names a user is that user,
		// which the index of sends finds.
		args = append(args, model.UserSubject(cq.UserID), cq.UserID)
		query += fmt.Sprintf(" AND subject = $%d AND user_id = $%d", len(args)-1, len(args))
	}
	if cq.ActionCode != "" {
		args = append(args, cq.ActionCode)
		query += fmt.Sprintf(" AND action_code = $%d", len(args))
	}
	if cq.Method != "" {
		args = append(args, string(cq.Method))
		query += fmt.Sprintf(" AND method = $%d", len(args))
	}
	if cq.ID == "" && cq.UserID == "" {
		return model.CodeChallenge{}, model.Invalid("a challenge is found by its id or its user")
	}
	query += " ORDER BY created_at DESC, seq DESC LIMIT 1"
	c, err := scanCodeChallenge(q.r.QueryRowContext(ctx, query, args...))
	return c, notFound(err, "challenge not found")
}

// ClaimCodeChallengeUnverified marks a Server API challenge claimed at
// now, once, whether or not its code was verified, as long as it was
// verified or has not expired: a challenge claimed already, or neither
// verified nor still open, gives model.ErrStale.
func (q Queries) ClaimCodeChallengeUnverified(ctx context.Context, tenantID, id string, now time.Time) error {
	res, err := q.w.ExecContext(ctx, `UPDATE code_challenges SET claimed_at = $3
		WHERE tenant_id = $1 AND id = $2 AND kind = $4 AND claimed_at = 0 AND (verified_at <> 0 OR expires_at > $3)`,
		tenantID, id, micros(now), string(model.CodeServer))
	if err != nil {
		return fmt.Errorf("claim code challenge: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.ErrStale
	}
	return nil
}
