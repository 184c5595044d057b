package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// checkpointEvery is how often the checkpointer copies the SQLite
// write-ahead log back into the database file.
const checkpointEvery = 30 * time.Millisecond

// restartFrames is the length of the write-ahead log (in pages) past
// which the writer is asked to start it over (see batcher.restartLog):
// 64 MB of 4 KiB pages, the size SQLite truncates the log back to
// (journal_size_limit). Every restart holds the writes for a few
// milliseconds (the log's last pages copied, log and database synced);
// at 4 000 pages that was 6-8 % of the time at full load, at 16 000 it
// is 2-3 %.
const restartFrames = 16000

// checkpointer copies SQLite's write-ahead log into the database file from
// a connection of its own, so that the one writer never does it inside a
// commit (SQLite's automatic checkpoint runs in the committing connection,
// with its page copies and its sync, while every other write waits). The
// writer's automatic checkpoint is off; a passive checkpoint never blocks
// the writer or the readers.
//
// Under steady load the log is never wholly copied at the moment the
// writer begins, so SQLite would never start it over and it would grow
// without end; past restartFrames the checkpointer calls longLog, and the
// writer starts the log over between two transactions.
type checkpointer struct {
	db            *sql.DB
	longLog       func()
	restartFrames int
	quit          chan struct{}
	wg            sync.WaitGroup
}

func newCheckpointer(db *sql.DB, longLog func()) *checkpointer {
	c := &checkpointer{db: db, longLog: longLog, restartFrames: restartFrames, quit: make(chan struct{})}
	c.wg.Add(1)
	go c.loop()
	return c
}

func (c *checkpointer) loop() {
	defer c.wg.Done()
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-t.C:
			c.tick(context.Background())
		}
	}
}

// tick runs one checkpoint and asks for the log to be started over when
// it has grown long. A failed checkpoint leaves the log as it is; the
// next one copies what this one did not.
func (c *checkpointer) tick(ctx context.Context) {
	frames, _, err := c.checkpoint(ctx)
	if err == nil && frames >= c.restartFrames {
		c.longLog()
	}
}

// checkpoint runs one passive checkpoint and reports how many frames the
// log holds and how many of them are now in the database file.
func (c *checkpointer) checkpoint(ctx context.Context) (logFrames, checkpointed int, err error) {
	var busy int
	err = c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &checkpointed)
	if err != nil {
		return 0, 0, fmt.Errorf("checkpoint: %w", err)
	}
	return logFrames, checkpointed, nil
}

// close stops the checkpointer and closes its connection.
func (c *checkpointer) close() error {
	close(c.quit)
	c.wg.Wait()
	return c.db.Close()
}
