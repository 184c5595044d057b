package store

import (
	"context"
	"database/sql"
	"time"
)

// TxHook wraps each write transaction the store runs: it is called with
// the transaction's context before the transaction begins, and returns
// the context it runs with and a function called with its outcome once it
// has committed or failed. Tracing installs one.
type TxHook func(ctx context.Context) (context.Context, func(err error))

// SetTxHook makes h wrap every write transaction from now on. Call it
// before the store is used: it is not safe beside running transactions.
func (s *Store) SetTxHook(h TxHook) { s.writes.txHook = h }

// Stats is what the store reports of its connection pools and, on
// SQLite, of its writer, for the metrics.
type Stats struct {
	// Readers and Writer are the connection pools; on PostgreSQL they
	// are the same pool.
	Readers, Writer sql.DBStats
	// Batched is set on SQLite, whose one writer runs concurrent write
	// transactions several to a commit; the fields below describe it.
	Batched bool
	// Queued is how many write transactions wait for the writer now.
	Queued int
	// Batches counts the writer's commits and Transactions the write
	// transactions they held.
	Batches, Transactions int64
	// QueueWait adds up the time write transactions waited for their
	// batch to start.
	QueueWait time.Duration
}

// Stats returns the store's figures as they stand.
func (s *Store) Stats() Stats {
	st := Stats{Readers: s.rdb.Stats(), Writer: s.wdb.Stats()}
	if b := s.writes.batch; b != nil {
		st.Batched = true
		st.Queued = len(b.jobs)
		st.Batches, st.Transactions = b.batches.Load(), b.transactions.Load()
		st.QueueWait = time.Duration(b.queueWait.Load())
	}
	return st
}
