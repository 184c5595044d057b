package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/uplift-dev/uplift/internal/store"
)

// TestTxHookWrapsEachTransaction: the hook sees every transaction begin
// and learns how it ended.
func TestTxHookWrapsEachTransaction(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		var began int
		var ended []error
		s.SetTxHook(func(ctx context.Context) (context.Context, func(error)) {
			began++
			return ctx, func(err error) { ended = append(ended, err) }
		})
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		began, ended = 0, nil
		if err := s.InTx(ctx, func(q store.Queries) error {
			_, err := q.CreateUserIfMissing(ctx, newUser(tn.ID, "user-1", at(1)))
			return err
		}); err != nil {
			t.Fatalf("InTx: %v", err)
		}
		boom := errors.New("boom")
		err := s.InTx(ctx, func(q store.Queries) error { return boom })
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want boom", err)
		}
		if began != 2 || len(ended) != 2 || ended[0] != nil || !errors.Is(ended[1], boom) {
			t.Errorf("hook began %d, ended with %v; want 2 transactions, the second failing with boom", began, ended)
		}
	})
}

// TestStatsCountTheWriter: the pools report their connections; on SQLite
// the writer counts its batches and the transactions they held.
func TestStatsCountTheWriter(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		before := s.Stats()
		for _, id := range []string{"user-1", "user-2", "user-3"} {
			if err := s.InTx(ctx, func(q store.Queries) error {
				_, err := q.CreateUserIfMissing(ctx, newUser(tn.ID, id, at(1)))
				return err
			}); err != nil {
				t.Fatalf("InTx: %v", err)
			}
		}
		if _, err := s.User(ctx, tn.ID, "user-1"); err != nil {
			t.Fatal(err)
		}
		after := s.Stats()
		if after.Writer.OpenConnections < 1 || after.Readers.OpenConnections < 1 {
			t.Errorf("open connections: writer %d, readers %d; want at least 1 each",
				after.Writer.OpenConnections, after.Readers.OpenConnections)
		}
		if s.Dialect() == store.Postgres {
			if after.Batched || after.Batches != 0 {
				t.Errorf("PostgreSQL reports a batching writer: %+v", after)
			}
			return
		}
		if !after.Batched {
			t.Fatal("SQLite does not report its batching writer")
		}
		if got := after.Transactions - before.Transactions; got != 3 {
			t.Errorf("transactions counted = %d, want 3", got)
		}
		if got := after.Batches - before.Batches; got < 1 || got > 3 {
			t.Errorf("batches counted = %d, want 1 to 3", got)
		}
		if after.Queued != 0 || after.QueueWait < before.QueueWait {
			t.Errorf("queue now %d, wait %v after %v", after.Queued, after.QueueWait, before.QueueWait)
		}
	})
}
