package store

import (
	"path/filepath"
	"testing"
)

// The writer leaves checkpoints to the checkpointer, whose passive
// checkpoint copies every committed frame into the database file.
func TestCheckpointerCopiesTheLog(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "uplift.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var auto int
	if err := s.wdb.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != 0 {
		t.Fatalf("the writer's automatic checkpoint = %d (%v), want 0 (off)", auto, err)
	}
	if _, err := s.writes.ExecContext(ctx, `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := s.writes.ExecContext(ctx, `INSERT INTO notes (id, body) VALUES ($1, $2)`, i, "note"); err != nil {
			t.Fatal(err)
		}
	}
	frames, done, err := s.checkpoints.checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if frames == 0 || done != frames {
		t.Errorf("checkpoint: %d of %d frames copied, want all of at least one", done, frames)
	}
	var n int
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM notes`).Scan(&n); err != nil || n != 50 {
		t.Errorf("readers see %d notes (%v), want 50", n, err)
	}
}

// A long log makes the checkpointer ask the writer to start it over, and
// the writer does so between two transactions.
func TestLongLogIsStartedOver(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "uplift.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	write := func(i int) {
		t.Helper()
		if _, err := s.writes.ExecContext(ctx, `INSERT INTO notes (id, body) VALUES ($1, $2)`, i, "note"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.writes.ExecContext(ctx, `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	write(1)

	asked := 0
	c := &checkpointer{db: s.checkpoints.db, longLog: func() { asked++ }, restartFrames: 1000}
	c.tick(ctx)
	c.restartFrames = 1
	c.tick(ctx)
	if asked != 1 {
		t.Fatalf("the log was reported long %d times, want once (past its limit only)", asked)
	}

	s.writes.batch.restartLog()
	write(2) // the log is started over after this transaction...
	write(3) // ...and before this one
	if s.writes.batch.restart.Load() {
		t.Error("the writer did not start the log over")
	}
	frames, _, err := c.checkpoint(ctx)
	if err != nil || frames == 0 || frames > 2 {
		t.Errorf("after starting over the log holds %d frames (%v), want only the last write's", frames, err)
	}
}
