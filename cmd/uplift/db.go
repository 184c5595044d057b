package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/uplift-dev/uplift/internal/store"
)

const dbUsage = `usage: uplift db SUBCOMMAND [flags]

  uplift db copy --from URL --to URL [--verify]   copy every table into a new, empty database

uplift db SUBCOMMAND -h describes a subcommand and its flags.`

var dbCopyCommand = command{name: "db copy", synopsis: "--from URL --to URL [--verify]", about: `Copies everything of one database into another, empty one: SQLite to
PostgreSQL to grow past one machine, or PostgreSQL to SQLite. Tenants and
their keys, users, passkeys with their sign counters, authenticator app
secrets, actions with their history, rules, admins and console sessions
keep their ids, times and counters, so nobody enrols again.

The source is read in one snapshot; stop the server (or drain it) first,
or what changes after the copy begins stays behind. The source must be at
this uplift's schema version. The destination is migrated, must then be
empty, and is written in one transaction: an interrupted copy leaves it
empty, and the copy can run again. --verify then compares every table's
row count and checksum and fails on any difference.`}

func db(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErrorf("uplift db: missing subcommand (copy); uplift db -h for help")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, dbUsage)
		return errHelp
	case "copy":
		return dbCopy(ctx, args[1:], stdout, stderr)
	}
	return usageErrorf("uplift db: unknown subcommand %q; uplift db -h for help", args[0])
}

func dbCopy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(dbCopyCommand)
	from := fs.String("from", "", "URL of the database to copy: sqlite://PATH or postgres://...")
	to := fs.String("to", "", "URL of the new, empty database to copy into")
	verify := fs.Bool("verify", false, "after the copy, compare every table's row count and checksum")
	if err := parse(fs, args, stdout, 0); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return usageErrorf("uplift db copy: give both --from and --to; uplift db copy -h for help")
	}
	if *from == *to {
		return usageErrorf("uplift db copy: --from and --to name the same database")
	}
	if path, ok := store.SQLitePath(*from); ok {
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("db copy: no database at %s: %w", path, err)
		}
	}
	src, err := store.Open(ctx, *from)
	if err != nil {
		return fmt.Errorf("db copy: the source: %w", err)
	}
	defer src.Close()
	dst, err := store.Open(ctx, *to)
	if err != nil {
		return fmt.Errorf("db copy: the destination: %w", err)
	}
	defer dst.Close()

	start := time.Now()
	lastShown := start
	report, err := store.CopyDatabase(ctx, src, dst, store.CopyOptions{
		Progress: func(table string, done, total int64) {
			switch {
			case done == total:
				fmt.Fprintf(stderr, "copied %s: %d rows\n", table, total)
			case done == 0:
				fmt.Fprintf(stderr, "copying %s: %d rows\n", table, total)
				lastShown = time.Now()
			case time.Since(lastShown) >= 2*time.Second:
				fmt.Fprintf(stderr, "copying %s: %d of %d rows\n", table, done, total)
				lastShown = time.Now()
			}
		},
	})
	if err != nil {
		return fmt.Errorf("db copy: %w (the destination holds nothing of this copy)", err)
	}
	took := time.Since(start)
	var rows int64
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tROWS")
	for _, t := range report.Tables {
		fmt.Fprintf(tw, "%s\t%d\n", t.Table, t.Rows)
		rows += t.Rows
	}
	tw.Flush()
	fmt.Fprintf(stdout, "Copied %d rows of %d tables (schema version %d) in %s, %.0f rows/s.\n",
		rows, len(report.Tables), report.SchemaVersion, took.Round(time.Millisecond), float64(rows)/took.Seconds())
	if !*verify {
		return nil
	}
	got, err := store.TableSums(ctx, dst)
	if err != nil {
		return fmt.Errorf("db copy: verify: %w", err)
	}
	diffs := store.CompareSums(report.Tables, got)
	for _, d := range diffs {
		fmt.Fprintln(stdout, "differs:", d)
	}
	if len(diffs) > 0 {
		return fmt.Errorf("db copy: verify: %d tables differ from the source", len(diffs))
	}
	fmt.Fprintf(stdout, "Verified: the row counts and checksums of all %d tables agree with the source.\n", len(got))
	return nil
}
