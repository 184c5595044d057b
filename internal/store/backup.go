package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrBackupUnsupported is returned by BackupSQLite for a database that is
// not SQLite: PostgreSQL has pg_dump.
var ErrBackupUnsupported = errors.New("uplift backup copies SQLite databases; back PostgreSQL up with pg_dump")

// SQLitePath returns the file a sqlite:// database URL names, and false
// for any other URL.
func SQLitePath(rawURL string) (string, bool) {
	path, ok := strings.CutPrefix(rawURL, "sqlite://")
	if !ok {
		return "", false
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return path, path != ""
}

// BackupResult describes a backup BackupSQLite wrote.
type BackupResult struct {
	// Path is the copy's file.
	Path string
	// Bytes is its size.
	Bytes int64
}

// BackupSQLite writes a consistent copy of the SQLite database rawURL
// names to dest while other connections, in this process or others, keep
// reading and writing it: the copy holds every transaction committed
// before it began and none after (SQLite's VACUUM INTO, inside one read
// transaction, which never blocks writers). dest must not exist; it is
// created readable by its owner only, synced to disk, and checked with
// PRAGMA integrity_check before BackupSQLite returns. A failed backup
// leaves no file behind.
func BackupSQLite(ctx context.Context, rawURL, dest string) (BackupResult, error) {
	src, ok := SQLitePath(rawURL)
	if !ok {
		return BackupResult{}, ErrBackupUnsupported
	}
	if _, err := os.Stat(src); err != nil {
		return BackupResult{}, fmt.Errorf("backup: no database at %s: %w", src, err)
	}
	// Created here, empty, so that it is the owner's only and no other
	// file can be overwritten: VACUUM INTO accepts an empty file.
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return BackupResult{}, fmt.Errorf("backup: %s exists; choose a new file name", dest)
	}
	if err != nil {
		return BackupResult{}, fmt.Errorf("backup: %w", err)
	}
	if err := errors.Join(f.Chmod(0o600), f.Close()); err != nil {
		os.Remove(dest)
		return BackupResult{}, fmt.Errorf("backup: %w", err)
	}
	res, err := vacuumInto(ctx, src, dest)
	if err != nil {
		os.Remove(dest)
		return BackupResult{}, err
	}
	return res, nil
}

func vacuumInto(ctx context.Context, src, dest string) (BackupResult, error) {
	db, err := sql.Open("sqlite", "file:"+src+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return BackupResult{}, fmt.Errorf("backup: open %s: %w", src, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		return BackupResult{}, fmt.Errorf("backup: copy %s: %w", src, err)
	}
	if err := syncFile(dest); err != nil {
		return BackupResult{}, fmt.Errorf("backup: sync %s: %w", dest, err)
	}
	if err := IntegrityCheck(ctx, dest); err != nil {
		return BackupResult{}, fmt.Errorf("backup: the copy %s: %w", dest, err)
	}
	fi, err := os.Stat(dest)
	if err != nil {
		return BackupResult{}, fmt.Errorf("backup: %w", err)
	}
	return BackupResult{Path: dest, Bytes: fi.Size()}, nil
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check on the database
// file at path, read-only, and returns its findings as an error unless it
// answers "ok".
func IntegrityCheck(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		found = append(found, line)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(found) != 1 || found[0] != "ok" {
		return fmt.Errorf("integrity check failed: %s", strings.Join(found, "; "))
	}
	return nil
}

// syncFile flushes the file at path, and the directory that lists it, to
// disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync() // not every system can sync a directory; the file is synced
		d.Close()
	}
	return nil
}
