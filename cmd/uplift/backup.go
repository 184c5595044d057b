package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/uplift-dev/uplift/internal/config"
	"github.com/uplift-dev/uplift/internal/store"
)

var backupCommand = command{name: "backup", synopsis: "[flags] FILE", about: `Writes a consistent copy of the SQLite database to FILE, which must not
exist, while the server keeps running: the copy holds every change made
before the backup began. The copy is readable by its owner only and is
checked with SQLite's integrity check. To restore, stop the server and
put the copy in the database's place (removing the database's -wal and
-shm files).

For PostgreSQL use pg_dump; see docs/operations.md.`}

func backup(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := newFlagSet(backupCommand)
	dbURL := config.DatabaseFlag(fs, getenv)
	if err := parse(fs, args, stdout, 1); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("uplift backup: name the file to write, e.g. uplift backup uplift-backup.db; uplift backup -h for help")
	}
	start := time.Now()
	res, err := store.BackupSQLite(ctx, dbURL(), fs.Arg(0))
	if errors.Is(err, store.ErrBackupUnsupported) {
		return fmt.Errorf("%w, e.g. pg_dump --format=custom --file=uplift.dump \"$UPLIFT_DATABASE_URL\" (see docs/operations.md)", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Backed up to %s (%d bytes, integrity check ok) in %s.\n",
		res.Path, res.Bytes, time.Since(start).Round(time.Millisecond))
	return nil
}
