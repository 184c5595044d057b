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
const checkpointEvery = 100 * time.Millisecond

// checkpointer copies SQLite's write-ahead log into the database file from
// a connection of its own, so that the one writer never does it inside a
// commit (SQLite's automatic checkpoint runs in the committing connection,
// with its page copies and its sync, while every other write waits). The
// writer's automatic checkpoint is off; a passive checkpoint never blocks
// the writer or the readers.
type checkpointer struct {
	db   *sql.DB
	quit chan struct{}
	wg   sync.WaitGroup
}

func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, quit: make(chan struct{})}
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
			// A failed checkpoint leaves the log as it is; the next one
			// copies what this one did not.
			c.checkpoint(context.Background())
		}
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
