package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

func TestInTxCommits(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		u := newUser(tn.ID, "user-1", at(1))
		a := newAction(tn.ID, "user-1", "key-1", "signIn", at(2))
		auth := newAuthenticator(tn.ID, "user-1", "auth-1", model.MethodEmailOTP, at(3))
		err := s.InTx(ctx, func(q store.Queries) error {
			if _, err := q.CreateUserIfMissing(ctx, u); err != nil {
				return err
			}
			// Reads inside the transaction see its own writes.
			if _, err := q.User(ctx, tn.ID, u.ID); err != nil {
				return fmt.Errorf("read own user: %w", err)
			}
			if _, _, err := q.CreateAction(ctx, a); err != nil {
				return err
			}
			if _, err := q.Action(ctx, tn.ID, a.IdempotencyKey); err != nil {
				return fmt.Errorf("read own action: %w", err)
			}
			return q.CreateAuthenticator(ctx, auth)
		})
		if err != nil {
			t.Fatalf("InTx: %v", err)
		}

		gotUser, err := s.User(ctx, tn.ID, u.ID)
		if err != nil {
			t.Fatalf("User after commit: %v", err)
		}
		if diff := cmp.Diff(gotUser, u); diff != "" {
			t.Errorf("User after commit (-got +want):\n%s", diff)
		}
		gotAction, err := s.Action(ctx, tn.ID, a.IdempotencyKey)
		if err != nil {
			t.Fatalf("Action after commit: %v", err)
		}
		if diff := cmp.Diff(gotAction, a); diff != "" {
			t.Errorf("Action after commit (-got +want):\n%s", diff)
		}
		gotAuths, err := s.Authenticators(ctx, tn.ID, u.ID)
		if err != nil {
			t.Fatalf("Authenticators after commit: %v", err)
		}
		if diff := cmp.Diff(gotAuths, []model.Authenticator{auth}); diff != "" {
			t.Errorf("Authenticators after commit (-got +want):\n%s", diff)
		}
	})
}

func TestInTxRollsBack(t *testing.T) {
	t.Parallel()
	errAbort := errors.New("abort")
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		kept := mustCreateUser(t, s, newUser(tn.ID, "kept", at(1)))
		err := s.InTx(ctx, func(q store.Queries) error {
			if _, err := q.CreateUserIfMissing(ctx, newUser(tn.ID, "user-1", at(1))); err != nil {
				return err
			}
			if _, _, err := q.CreateAction(ctx, newAction(tn.ID, "user-1", "key-1", "signIn", at(2))); err != nil {
				return err
			}
			if err := q.CreateAuthenticator(ctx, newAuthenticator(tn.ID, "user-1", "auth-1", model.MethodSMS, at(3))); err != nil {
				return err
			}
			c := model.ActionConfig{TenantID: tn.ID, Code: "signIn", DefaultOutcome: model.OutcomeChallenge, CreatedAt: at(2), UpdatedAt: at(2)}
			if _, err := q.EnsureActionConfig(ctx, c); err != nil {
				return err
			}
			changed := kept
			changed.Email, changed.UpdatedAt = "changed@example.com", at(4)
			if err := q.UpdateUser(ctx, changed); err != nil {
				return err
			}
			return fmt.Errorf("give up: %w", errAbort)
		})
		if !errors.Is(err, errAbort) {
			t.Fatalf("InTx error = %v, want it to wrap %v", err, errAbort)
		}

		if _, err := s.User(ctx, tn.ID, "user-1"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("User after rollback: error = %v, want %v", err, model.ErrNotFound)
		}
		if _, err := s.Action(ctx, tn.ID, "key-1"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("Action after rollback: error = %v, want %v", err, model.ErrNotFound)
		}
		if h, err := s.ActionHistory(ctx, tn.ID, "key-1"); err != nil || len(h) != 0 {
			t.Errorf("ActionHistory after rollback = %v, %v; want empty", h, err)
		}
		if auths, err := s.Authenticators(ctx, tn.ID, "user-1"); err != nil || len(auths) != 0 {
			t.Errorf("Authenticators after rollback = %v, %v; want none", auths, err)
		}
		if _, err := s.ActionConfig(ctx, tn.ID, "signIn"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("ActionConfig after rollback: error = %v, want %v", err, model.ErrNotFound)
		}
		got, err := s.User(ctx, tn.ID, "kept")
		if err != nil {
			t.Fatalf("User(kept): %v", err)
		}
		if diff := cmp.Diff(got, kept); diff != "" {
			t.Errorf("User(kept) after rollback (-got +want):\n%s", diff)
		}

		// The store is still usable after a rollback.
		if err := s.InTx(ctx, func(q store.Queries) error {
			_, err := q.CreateUserIfMissing(ctx, newUser(tn.ID, "user-1", at(5)))
			return err
		}); err != nil {
			t.Fatalf("InTx after rollback: %v", err)
		}
		if _, err := s.User(ctx, tn.ID, "user-1"); err != nil {
			t.Errorf("User after a later commit: %v", err)
		}
	})
}

// TestConcurrentWrites runs write transactions from many goroutines at
// once, all touching one shared user, and checks that none fails (no
// SQLITE_BUSY, no deadlock) and that every row arrives.
func TestConcurrentWrites(t *testing.T) {
	t.Parallel()
	const workers, perWorker = 8, 50
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		var sharedCreated atomic.Int32
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range perWorker {
					own := fmt.Sprintf("user-%d-%02d", w, i)
					err := s.InTx(ctx, func(q store.Queries) error {
						created, err := q.CreateUserIfMissing(ctx, newUser(tn.ID, "shared", at(1)))
						if err != nil {
							return fmt.Errorf("shared user: %w", err)
						}
						if created {
							sharedCreated.Add(1)
						}
						if created, err := q.CreateUserIfMissing(ctx, newUser(tn.ID, own, at(1))); err != nil || !created {
							return fmt.Errorf("own user = %v, %v", created, err)
						}
						a := newAction(tn.ID, "shared", "key-"+own, "signIn", at(int64(i)))
						if _, created, err := q.CreateAction(ctx, a); err != nil || !created {
							return fmt.Errorf("action = %v, %v", created, err)
						}
						return nil
					})
					if err != nil {
						t.Errorf("worker %d, transaction %d: %v", w, i, err)
						return
					}
					// Reads outside a transaction run alongside the writers.
					if _, err := s.User(ctx, tn.ID, own); err != nil {
						t.Errorf("worker %d: User(%s): %v", w, own, err)
						return
					}
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}

		if got := sharedCreated.Load(); got != 1 {
			t.Errorf("the shared user was created %d times, want 1", got)
		}
		users, err := s.QueryUsers(ctx, tn.ID, model.UserQuery{Limit: 10 * workers * perWorker})
		if err != nil {
			t.Fatalf("QueryUsers: %v", err)
		}
		if got, want := len(users), workers*perWorker+1; got != want {
			t.Errorf("QueryUsers found %d users, want %d", got, want)
		}
		actions, err := s.QueryActions(ctx, tn.ID, "shared", model.ActionQuery{Limit: 10 * workers * perWorker})
		if err != nil {
			t.Fatalf("QueryActions: %v", err)
		}
		if got, want := len(actions), workers*perWorker; got != want {
			t.Errorf("QueryActions found %d actions, want %d", got, want)
		}
		for _, a := range actions[:min(len(actions), 5)] {
			if h, err := s.ActionHistory(ctx, tn.ID, a.IdempotencyKey); err != nil || len(h) != 1 {
				t.Errorf("ActionHistory(%s) = %v, %v; want one entry", a.IdempotencyKey, h, err)
			}
		}
	})
}

// TestConcurrentStateChanges moves one action from many goroutines at once,
// both through the store and inside transactions, and checks that every
// change succeeds and lands in the history, the last entry matching the
// action's state.
func TestConcurrentStateChanges(t *testing.T) {
	t.Parallel()
	const workers, perWorker = 8, 20
	ways := []struct {
		name string
		set  func(ctx context.Context, s *store.Store, a model.Action) error
	}{
		{"store", func(ctx context.Context, s *store.Store, a model.Action) error {
			return s.SetActionState(ctx, a)
		}},
		{"InTx", func(ctx context.Context, s *store.Store, a model.Action) error {
			return s.InTx(ctx, func(q store.Queries) error { return q.SetActionState(ctx, a) })
		}},
	}
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "user-1", at(0)))
		for _, way := range ways {
			key := "key-" + way.name
			a := mustCreateAction(t, s, newAction(tn.ID, "user-1", key, "signIn", at(0)))
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for i := range perWorker {
						change := a
						change.State = []model.ActionState{model.StateChallengeSucceeded, model.StateChallengeFailed}[w%2]
						change.StateUpdatedAt = at(int64(1 + w*perWorker + i))
						if err := way.set(ctx, s, change); err != nil {
							t.Errorf("%s: worker %d, change %d: %v", way.name, w, i, err)
							return
						}
					}
				})
			}
			wg.Wait()

			history, err := s.ActionHistory(ctx, tn.ID, key)
			if err != nil {
				t.Fatalf("%s: ActionHistory: %v", way.name, err)
			}
			if got, want := len(history), 1+workers*perWorker; got != want {
				t.Errorf("%s: ActionHistory has %d entries, want %d", way.name, got, want)
			}
			got, err := s.Action(ctx, tn.ID, key)
			if err != nil {
				t.Fatalf("%s: Action: %v", way.name, err)
			}
			last := history[len(history)-1]
			if last.State != got.State || !last.At.Equal(got.StateUpdatedAt) {
				t.Errorf("%s: last history entry %v, but the action is %s since %v", way.name, last, got.State, got.StateUpdatedAt)
			}
		}
	})
}
