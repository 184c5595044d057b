package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/pgtest"
)

// An action stored before its first states were kept on it has its whole
// history in action_states; it reads back the same, and its later changes
// follow it.
func TestHistoryOfActionsStoredBeforeFirstStates(t *testing.T) {
	for name, url := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "uplift.db") },
		"postgres": func(t *testing.T) string { return pgtest.URL(t) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			s, err := Open(ctx, url(t))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			at := func(sec int64) time.Time { return time.Unix(1_800_000_000+sec, 0).UTC() }
			if err := s.CreateTenant(ctx, model.Tenant{ID: "t1", Name: "Shop", RPID: "shop.example", RPName: "Shop",
				TokenKey: []byte("key"), CreatedAt: at(0)}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateUserIfMissing(ctx, model.User{TenantID: "t1", ID: "ada", CreatedAt: at(0), UpdatedAt: at(0)}); err != nil {
				t.Fatal(err)
			}
			old := model.Action{TenantID: "t1", UserID: "ada", Code: "signIn", IdempotencyKey: "old",
				State: model.StateChallengeRequired, StateUpdatedAt: at(1), CreatedAt: at(1), UpdatedAt: at(1)}
			if _, _, err := s.CreateAction(ctx, old); err != nil {
				t.Fatal(err)
			}
			// As stored before: no first states on the action, its first
			// state in action_states.
			if _, err := s.wdb.ExecContext(ctx, `UPDATE actions SET first_states = '', first_states_at = 0`); err != nil {
				t.Fatal(err)
			}
			if _, err := s.wdb.ExecContext(ctx, `INSERT INTO action_states (tenant_id, idempotency_key, seq, state, at)
				VALUES ('t1', 'old', 1, 'CHALLENGE_REQUIRED', $1)`, micros(at(1))); err != nil {
				t.Fatal(err)
			}
			old.State, old.StateUpdatedAt = model.StateChallengeSucceeded, at(2)
			if err := s.SetActionState(ctx, old); err != nil {
				t.Fatal(err)
			}
			got, err := s.ActionHistory(ctx, "t1", "old")
			want := []model.StateChange{{State: model.StateChallengeRequired, At: at(1)}, {State: model.StateChallengeSucceeded, At: at(2)}}
			if err != nil || len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
				t.Errorf("history = %v, %v; want %v", got, err, want)
			}
		})
	}
}
