package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/pgtest"
	"github.com/uplift-dev/uplift/internal/store"
)

// rawDB opens the database rawURL names without the store, for tests that
// look at it or change it behind the store's back. On SQLite foreign keys
// are not enforced.
func rawDB(t testing.TB, rawURL string) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	if path, ok := store.SQLitePath(rawURL); ok {
		db, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	} else {
		db, err = sql.Open("pgx", rawURL)
	}
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// schemaTables lists the tables of a migrated database but goose's, read
// here with queries of the test's own.
func schemaTables(t *testing.T, db *sql.DB, d store.Dialect) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version' ORDER BY name`
	if d == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()
			AND table_type = 'BASE TABLE' AND table_name <> 'goose_db_version' ORDER BY table_name`
	}
	rows, err := db.QueryContext(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if len(names) < 20 {
		t.Fatalf("found only %d tables: %v", len(names), names)
	}
	return names
}

// fillEveryTable writes one row into every table of a migrated SQLite
// database: 'x' in every text column, 1 in every integer or boolean column and x'01'
// in every blob, so that every foreign key finds its row.
func fillEveryTable(t *testing.T, db *sql.DB) []string {
	t.Helper()
	tables := schemaTables(t, db, store.SQLite)
	for _, name := range tables {
		rows, err := db.QueryContext(t.Context(), `SELECT name, type FROM pragma_table_info(?)`, name)
		if err != nil {
			t.Fatal(err)
		}
		var cols, vals []string
		for rows.Next() {
			var c, typ string
			if err := rows.Scan(&c, &typ); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, `"`+c+`"`)
			switch {
			case strings.Contains(typ, "INT"), strings.Contains(typ, "BOOL"):
				vals = append(vals, "1")
			case strings.Contains(typ, "BLOB"):
				vals = append(vals, "x'01'")
			default:
				vals = append(vals, "'x'")
			}
		}
		rows.Close()
		q := fmt.Sprintf(`INSERT INTO "%s" (%s) VALUES (%s)`, name, strings.Join(cols, ","), strings.Join(vals, ","))
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return tables
}

// migratedStore opens rawURL, migrates it and closes it when the test ends.
func migratedStore(t testing.TB, rawURL string) *store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), rawURL)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

// copyAndVerify copies src into dst and checks that dst's counts and
// checksums agree with the report.
func copyAndVerify(t *testing.T, src, dst *store.Store) store.CopyReport {
	t.Helper()
	report, err := store.CopyDatabase(t.Context(), src, dst, store.CopyOptions{})
	if err != nil {
		t.Fatalf("CopyDatabase: %v", err)
	}
	got, err := store.TableSums(t.Context(), dst)
	if err != nil {
		t.Fatal(err)
	}
	if diffs := store.CompareSums(report.Tables, got); len(diffs) > 0 {
		t.Fatalf("the copy differs from its source: %v", diffs)
	}
	return report
}

// Every table of the schema is copied, whichever migration made it, from
// SQLite to SQLite, and from SQLite to PostgreSQL and back.
func TestCopyEveryTable(t *testing.T) {
	srcURL := sqliteURL(t)
	src := migratedStore(t, srcURL)
	tables := fillEveryTable(t, rawDB(t, srcURL))

	check := func(t *testing.T, report store.CopyReport) {
		var copied []string
		for _, tb := range report.Tables {
			copied = append(copied, tb.Table)
			if tb.Rows != 1 {
				t.Errorf("%s: copied %d rows, want 1", tb.Table, tb.Rows)
			}
		}
		slices.Sort(copied)
		if !slices.Equal(copied, tables) {
			t.Errorf("copied tables %v\nschema's tables %v", copied, tables)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		check(t, copyAndVerify(t, src, migratedStore(t, sqliteURL(t))))
	})
	t.Run("postgres", func(t *testing.T) {
		pgURL := pgtest.URL(t)
		pg := openStore(t, pgURL)
		first := copyAndVerify(t, src, pg)
		check(t, first)
		if got := schemaTables(t, rawDB(t, pgURL), store.Postgres); !slices.Equal(got, tables) {
			t.Errorf("PostgreSQL's tables %v, SQLite's %v", got, tables)
		}
		backURL := sqliteURL(t)
		back := copyAndVerify(t, pg, openStore(t, backURL))
		if diffs := store.CompareSums(first.Tables, back.Tables); len(diffs) > 0 {
			t.Errorf("SQLite to PostgreSQL to SQLite changed %v", diffs)
		}
		var verified int64
		var key []byte
		db := rawDB(t, backURL)
		if err := db.QueryRow(`SELECT email_verified FROM users`).Scan(&verified); err != nil || verified != 1 {
			t.Errorf("users.email_verified after the round trip = %d, %v; want 1", verified, err)
		}
		if err := db.QueryRow(`SELECT token_key FROM tenants`).Scan(&key); err != nil || string(key) != "\x01" {
			t.Errorf("tenants.token_key after the round trip = %x, %v; want 01", key, err)
		}
	})
}

// A table the source has and the destination lacks is an error, never
// skipped.
func TestCopyRefusesTableMissingFromDestination(t *testing.T) {
	srcURL := sqliteURL(t)
	src := migratedStore(t, srcURL)
	if _, err := rawDB(t, srcURL).Exec(`CREATE TABLE later_feature (id TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	_, err := store.CopyDatabase(t.Context(), src, openStore(t, sqliteURL(t)), store.CopyOptions{})
	if err == nil || !strings.Contains(err.Error(), "later_feature") {
		t.Errorf("CopyDatabase with a table the destination lacks = %v, want an error naming it", err)
	}
}

// A copy into a database that holds rows is refused, naming the table.
func TestCopyRefusesNonEmptyDestination(t *testing.T) {
	for _, d := range dialects {
		t.Run(string(d.name), func(t *testing.T) {
			srcURL := sqliteURL(t)
			src := migratedStore(t, srcURL)
			fillEveryTable(t, rawDB(t, srcURL))
			dstURL := d.url(t)
			dst := openStore(t, dstURL)
			copyAndVerify(t, src, dst)
			_, err := store.CopyDatabase(t.Context(), src, dst, store.CopyOptions{})
			if !errors.Is(err, store.ErrDestinationNotEmpty) || !strings.Contains(err.Error(), "table ") {
				t.Errorf("second CopyDatabase = %v, want ErrDestinationNotEmpty naming a table", err)
			}
			// One row in one table is enough.
			empty := migratedStore(t, d.url(t))
			mustCreateTenant(t, empty, "t1", at(0))
			_, err = store.CopyDatabase(t.Context(), src, empty, store.CopyOptions{})
			if !errors.Is(err, store.ErrDestinationNotEmpty) || !strings.Contains(err.Error(), "table tenants ") {
				t.Errorf("CopyDatabase into a database with one tenant = %v, want a refusal naming tenants", err)
			}
		})
	}
}

// A source whose schema is older or newer than this build's is refused.
func TestCopyRefusesOtherSchemaVersion(t *testing.T) {
	latest, err := store.LatestSchemaVersion(store.SQLite)
	if err != nil || latest < 15 {
		t.Fatalf("LatestSchemaVersion = %d, %v", latest, err)
	}
	for _, tc := range []struct {
		name   string
		change string
	}{
		{"older", `DELETE FROM goose_db_version WHERE version_id = (SELECT MAX(version_id) FROM goose_db_version)`},
		{"newer", fmt.Sprintf(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (%d, 1)`, latest+1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srcURL := sqliteURL(t)
			src := migratedStore(t, srcURL)
			if _, err := rawDB(t, srcURL).Exec(tc.change); err != nil {
				t.Fatal(err)
			}
			_, err := store.CopyDatabase(t.Context(), src, openStore(t, sqliteURL(t)), store.CopyOptions{})
			if !errors.Is(err, store.ErrSchemaVersion) {
				t.Errorf("CopyDatabase = %v, want ErrSchemaVersion", err)
			}
		})
	}
}

// A copy interrupted half-way leaves the destination migrated and empty,
// and the copy can then run again.
func TestCopyInterruptedLeavesDestinationEmpty(t *testing.T) {
	for _, d := range dialects {
		t.Run(string(d.name), func(t *testing.T) {
			src := migratedStore(t, sqliteURL(t))
			mustCreateTenant(t, src, "t1", at(0))
			for i := range 20 {
				mustCreateUser(t, src, newUser("t1", fmt.Sprintf("u%02d", i), at(int64(i))))
			}
			dst := openStore(t, d.url(t))
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var written int64
			_, err := store.CopyDatabase(ctx, src, dst, store.CopyOptions{BatchRows: 5,
				Progress: func(table string, done, total int64) {
					if table == "users" && done == 10 {
						written = done
						cancel()
					}
				}})
			if err == nil || written != 10 {
				t.Fatalf("interrupted CopyDatabase = %v after %d users, want an error after 10", err, written)
			}
			sums, err := store.TableSums(t.Context(), dst)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range sums {
				if s.Rows != 0 {
					t.Errorf("after the interruption the destination's %s holds %d rows, want 0", s.Table, s.Rows)
				}
			}
			report := copyAndVerify(t, src, dst)
			for _, s := range report.Tables {
				if s.Table == "users" && s.Rows != 20 {
					t.Errorf("the copy after the interruption wrote %d users, want 20", s.Rows)
				}
			}
		})
	}
}

// The checksum tells a changed value apart, and a missing row.
func TestCompareSumsFindsChanges(t *testing.T) {
	src := migratedStore(t, sqliteURL(t))
	mustCreateTenant(t, src, "t1", at(0))
	mustCreateUser(t, src, newUser("t1", "u1", at(1)))
	mustCreateUser(t, src, newUser("t1", "u2", at(2)))
	dstURL := sqliteURL(t)
	dst := openStore(t, dstURL)
	report := copyAndVerify(t, src, dst)
	db := rawDB(t, dstURL)
	for _, tc := range []struct{ change, want string }{
		{`UPDATE users SET updated_at = updated_at + 1 WHERE user_id = 'u1'`, "users: checksum"},
		{`DELETE FROM users WHERE user_id = 'u2'`, "users: 1 rows, want 2"},
	} {
		if _, err := db.Exec(tc.change); err != nil {
			t.Fatal(err)
		}
		got, err := store.TableSums(t.Context(), dst)
		if err != nil {
			t.Fatal(err)
		}
		diffs := store.CompareSums(report.Tables, got)
		if len(diffs) != 1 || !strings.HasPrefix(diffs[0], tc.want) {
			t.Errorf("after %s: CompareSums = %v, want one difference %q", tc.change, diffs, tc.want)
		}
	}
}

// On PostgreSQL, a serial or identity column's sequence continues after
// the values copied into it.
func TestCopyAdvancesSequences(t *testing.T) {
	srcURL := sqliteURL(t)
	src := migratedStore(t, srcURL)
	sdb := rawDB(t, srcURL)
	for _, q := range []string{
		`CREATE TABLE counted (id INTEGER PRIMARY KEY AUTOINCREMENT, note TEXT NOT NULL)`,
		`CREATE TABLE identified (id INTEGER PRIMARY KEY, note TEXT NOT NULL)`,
		`INSERT INTO counted (id, note) VALUES (1, 'a'), (7, 'b')`,
		`INSERT INTO identified (id, note) VALUES (3, 'a'), (41, 'b')`,
	} {
		if _, err := sdb.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	pgURL := pgtest.URL(t)
	dst := migratedStore(t, pgURL)
	pdb := rawDB(t, pgURL)
	for _, q := range []string{
		`CREATE TABLE counted (id BIGSERIAL PRIMARY KEY, note TEXT NOT NULL)`,
		`CREATE TABLE identified (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note TEXT NOT NULL)`,
	} {
		if _, err := pdb.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	copyAndVerify(t, src, dst)
	for table, want := range map[string]int64{"counted": 8, "identified": 42} {
		var id int64
		if err := pdb.QueryRow(`INSERT INTO ` + table + ` (note) VALUES ('next') RETURNING id`).Scan(&id); err != nil || id != want {
			t.Errorf("the next id of %s after the copy = %d, %v; want %d", table, id, err, want)
		}
	}
}
