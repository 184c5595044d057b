package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// versionTable is goose's bookkeeping of applied migrations: the one table
// CopyDatabase leaves out (the destination's own migrations fill it).
const versionTable = "goose_db_version"

// ErrDestinationNotEmpty is returned by CopyDatabase when a table of the
// destination already holds rows.
var ErrDestinationNotEmpty = errors.New("the destination database is not empty")

// ErrSchemaVersion is returned by CopyDatabase when the source database's
// schema is not the one this build's migrations make.
var ErrSchemaVersion = errors.New("schema version differs")

// CopyOptions tunes CopyDatabase.
type CopyOptions struct {
	// BatchRows is how many rows one INSERT writes; 0 chooses for each table
	// (up to 500, fewer for wide tables).
	BatchRows int
	// Progress, when set, is called as a table begins (done 0) and after each
	// batch written to it, with the rows written so far and the table's total.
	Progress func(table string, done, total int64)
}

// TableSum is one table's row count and checksum. The checksum is the sum
// of a SHA-256 hash of every row, computed in Go over values normalised by
// column type (booleans as integers, text as its bytes, blobs as bytes) with
// the columns in name order, so SQLite and PostgreSQL copies of one table
// agree whatever the order of their rows.
type TableSum struct {
	Table string
	Rows  int64
	Sum   string
}

// CopyReport is what CopyDatabase copied: every table in the order it was
// written, with the source's counts and checksums.
type CopyReport struct {
	SchemaVersion int64
	Tables        []TableSum
}

// LatestSchemaVersion is the version of the newest migration this build
// holds for the dialect.
func LatestSchemaVersion(d Dialect) (int64, error) {
	entries, err := fs.ReadDir(migrations, "migrations/"+string(d))
	if err != nil {
		return 0, err
	}
	var latest int64
	for _, e := range entries {
		prefix, _, ok := strings.Cut(e.Name(), "_")
		if !ok || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		v, err := strconv.ParseInt(prefix, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("migration %s: %w", e.Name(), err)
		}
		latest = max(latest, v)
	}
	return latest, nil
}

// CopyDatabase copies every row of every table of src into dst, which it
// migrates first and which must then be empty. It reads src in one
// snapshot (a read transaction) and writes dst in batches inside one
// transaction, committed at the end: a copy that is interrupted, however,
// leaves dst migrated and empty, ready for the copy to run again. The
// tables and their columns are read from the databases themselves (every
// table but goose's bookkeeping), written in foreign key order. Values
// keep their exact ids, times and counters; only their types change
// between dialects (SQLite's 0 and 1 for PostgreSQL's booleans, BLOB for
// BYTEA). On PostgreSQL, sequences are moved past the copied values.
func CopyDatabase(ctx context.Context, src, dst *Store, opts CopyOptions) (CopyReport, error) {
	want, err := LatestSchemaVersion(src.dialect)
	if err != nil {
		return CopyReport{}, err
	}
	srcTx, err := beginSnapshot(ctx, src)
	if err != nil {
		return CopyReport{}, fmt.Errorf("copy: read the source: %w", err)
	}
	defer srcTx.Rollback()
	if err := checkVersion(ctx, srcTx, "source", want); err != nil {
		return CopyReport{}, err
	}
	if _, err := dst.Migrate(ctx); err != nil {
		return CopyReport{}, fmt.Errorf("copy: migrate the destination: %w", err)
	}
	dstTx, err := dst.wdb.BeginTx(ctx, nil)
	if err != nil {
		return CopyReport{}, fmt.Errorf("copy: write the destination: %w", err)
	}
	defer dstTx.Rollback()
	wantDst, err := LatestSchemaVersion(dst.dialect)
	if err != nil {
		return CopyReport{}, err
	}
	if err := checkVersion(ctx, dstTx, "destination", wantDst); err != nil {
		return CopyReport{}, err
	}
	srcSchema, err := readSchema(ctx, srcTx, src.dialect)
	if err != nil {
		return CopyReport{}, fmt.Errorf("copy: the source's tables: %w", err)
	}
	dstSchema, err := readSchema(ctx, dstTx, dst.dialect)
	if err != nil {
		return CopyReport{}, fmt.Errorf("copy: the destination's tables: %w", err)
	}
	if err := sameTables(srcSchema, dstSchema); err != nil {
		return CopyReport{}, err
	}
	order, err := dstSchema.foreignKeyOrder()
	if err != nil {
		return CopyReport{}, err
	}
	for _, name := range order {
		var one int
		err := dstTx.QueryRowContext(ctx, `SELECT 1 FROM `+quoteIdent(name)+` LIMIT 1`).Scan(&one)
		if err == nil {
			return CopyReport{}, fmt.Errorf("%w: table %s already holds rows; copy into a new, empty database",
				ErrDestinationNotEmpty, name)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return CopyReport{}, fmt.Errorf("copy: read the destination's %s: %w", name, err)
		}
	}
	report := CopyReport{SchemaVersion: want}
	for _, name := range order {
		sum, err := copyTable(ctx, srcTx, dstTx, dst.dialect, srcSchema.tables[name], dstSchema.tables[name], opts)
		if err != nil {
			return CopyReport{}, fmt.Errorf("copy table %s: %w", name, err)
		}
		report.Tables = append(report.Tables, sum)
	}
	if dst.dialect == Postgres {
		if err := advanceSequences(ctx, dstTx, dstSchema); err != nil {
			return CopyReport{}, err
		}
	}
	if err := dstTx.Commit(); err != nil {
		return CopyReport{}, fmt.Errorf("copy: commit the destination: %w", err)
	}
	return report, nil
}

// beginSnapshot begins a read transaction that sees one state of the
// database throughout: on PostgreSQL a repeatable-read transaction; on
// SQLite a deferred transaction, whose first read fixes its snapshot.
func beginSnapshot(ctx context.Context, s *Store) (*sql.Tx, error) {
	if s.dialect == Postgres {
		return s.rdb.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	}
	return s.rdb.BeginTx(ctx, nil)
}

// checkVersion refuses a database whose latest applied migration is not
// want.
func checkVersion(ctx context.Context, tx *sql.Tx, which string, want int64) error {
	var got sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(version_id) FROM `+versionTable).Scan(&got); err != nil {
		return fmt.Errorf("copy: the %s has no schema version (is it an Uplift database?): %w", which, err)
	}
	if got.Int64 != want {
		hint := "migrate it with this uplift (uplift migrate) before copying"
		if got.Int64 > want {
			hint = "copy it with the uplift version that made it"
		}
		return fmt.Errorf("%w: the %s database is at schema version %d, this uplift at %d; %s",
			ErrSchemaVersion, which, got.Int64, want, hint)
	}
	return nil
}

// sameTables refuses two schemas that do not hold the same tables with the
// same columns, naming the first difference.
func sameTables(src, dst schema) error {
	for _, name := range src.names() {
		d, ok := dst.tables[name]
		if !ok {
			return fmt.Errorf("copy: the destination has no table %s", name)
		}
		s := src.tables[name]
		if !slices.Equal(s.sortedColumns(), d.sortedColumns()) {
			return fmt.Errorf("copy: table %s has columns %s in the source but %s in the destination",
				name, strings.Join(s.sortedColumns(), ","), strings.Join(d.sortedColumns(), ","))
		}
	}
	for _, name := range dst.names() {
		if _, ok := src.tables[name]; !ok {
			return fmt.Errorf("copy: the source has no table %s", name)
		}
	}
	return nil
}

// batchRows is how many rows of a table one INSERT writes: at most 500,
// and never more than 30,000 values (SQLite allows 32,766 parameters in a
// statement, PostgreSQL 65,535).
func batchRows(columns, asked int) int {
	n := asked
	if n <= 0 {
		n = 500
	}
	return max(1, min(n, 30000/max(1, columns)))
}

// copyTable copies one table and returns its count and checksum, computed
// from the source's values.
func copyTable(ctx context.Context, srcTx, dstTx *sql.Tx, dstDialect Dialect, from, to table, opts CopyOptions) (TableSum, error) {
	var total int64
	if err := srcTx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quoteIdent(from.name)).Scan(&total); err != nil {
		return TableSum{}, err
	}
	if opts.Progress != nil {
		opts.Progress(from.name, 0, total)
	}
	names := make([]string, len(from.columns))
	srcKinds := make([]kind, len(from.columns))
	dstKinds := make([]kind, len(from.columns))
	for i, c := range from.columns {
		names[i] = c.name
		srcKinds[i] = c.kind
		dstKinds[i] = to.column(c.name).kind
	}
	rows, err := srcTx.QueryContext(ctx, `SELECT `+quoteIdents(names)+` FROM `+quoteIdent(from.name))
	if err != nil {
		return TableSum{}, err
	}
	defer rows.Close()
	batch := batchRows(len(names), opts.BatchRows)
	// SQLite writes a batch one row per statement, the fastest it loads;
	// PostgreSQL in one statement, one round trip.
	per := batch
	if dstDialect == SQLite {
		per = 1
	}
	if total < int64(per) {
		per = max(1, int(total))
	}
	full, err := dstTx.PrepareContext(ctx, insertStatement(to, names, per))
	if err != nil {
		return TableSum{}, err
	}
	defer full.Close()
	args := make([]any, 0, batch*len(names))
	values := make([]any, len(names))
	scan := make([]any, len(names))
	for i := range values {
		scan[i] = &values[i]
	}
	sum := newTableHash(names)
	var done int64
	flush := func() error {
		n := len(args) / len(names)
		if n == 0 {
			return nil
		}
		for rest := args; len(rest) > 0; {
			var err error
			if len(rest) >= per*len(names) {
				_, err = full.ExecContext(ctx, rest[:per*len(names)]...)
				rest = rest[per*len(names):]
			} else {
				_, err = dstTx.ExecContext(ctx, insertStatement(to, names, len(rest)/len(names)), rest...)
				rest = nil
			}
			if err != nil {
				return err
			}
		}
		done += int64(n)
		args = args[:0]
		if opts.Progress != nil {
			opts.Progress(from.name, done, total)
		}
		return nil
	}
	for rows.Next() {
		if err := rows.Scan(scan...); err != nil {
			return TableSum{}, err
		}
		if err := sum.add(values, srcKinds); err != nil {
			return TableSum{}, err
		}
		for i, v := range values {
			c, err := convert(v, dstKinds[i])
			if err != nil {
				return TableSum{}, fmt.Errorf("column %s: %w", names[i], err)
			}
			args = append(args, c)
		}
		if len(args) == cap(args) {
			if err := flush(); err != nil {
				return TableSum{}, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return TableSum{}, err
	}
	if err := flush(); err != nil {
		return TableSum{}, err
	}
	if done != total {
		return TableSum{}, fmt.Errorf("read %d rows of %d", done, total)
	}
	return TableSum{Table: from.name, Rows: done, Sum: sum.String()}, nil
}

// insertStatement writes n rows of the named columns into t.
func insertStatement(t table, names []string, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + quoteIdent(t.name) + " (" + quoteIdents(names) + ")")
	if t.identityAlways {
		b.WriteString(" OVERRIDING SYSTEM VALUE")
	}
	b.WriteString(" VALUES ")
	p := 1
	for r := range n {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range names {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteString("$" + strconv.Itoa(p))
			p++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// advanceSequences moves each PostgreSQL sequence that feeds a column (a
// serial or identity column) past the largest value copied into it.
func advanceSequences(ctx context.Context, tx *sql.Tx, s schema) error {
	for _, name := range s.names() {
		for _, c := range s.tables[name].columns {
			if !c.sequence {
				continue
			}
			q := `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX(` + quoteIdent(c.name) + `), 0) + 1, false) FROM ` + quoteIdent(name)
			if _, err := tx.ExecContext(ctx, q, quoteIdent(name), c.name); err != nil {
				return fmt.Errorf("copy: advance the sequence of %s.%s: %w", name, c.name, err)
			}
		}
	}
	return nil
}

// TableSums counts the rows of every table of s (but goose's bookkeeping)
// and checksums them, in one snapshot, for comparison with a CopyReport.
func TableSums(ctx context.Context, s *Store) ([]TableSum, error) {
	tx, err := beginSnapshot(ctx, s)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	sc, err := readSchema(ctx, tx, s.dialect)
	if err != nil {
		return nil, err
	}
	var sums []TableSum
	for _, name := range sc.names() {
		t := sc.tables[name]
		names := make([]string, len(t.columns))
		kinds := make([]kind, len(t.columns))
		for i, c := range t.columns {
			names[i], kinds[i] = c.name, c.kind
		}
		sum, err := sumTable(ctx, tx, name, names, kinds)
		if err != nil {
			return nil, fmt.Errorf("checksum %s: %w", name, err)
		}
		sums = append(sums, sum)
	}
	return sums, nil
}

func sumTable(ctx context.Context, tx *sql.Tx, name string, names []string, kinds []kind) (TableSum, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+quoteIdents(names)+` FROM `+quoteIdent(name))
	if err != nil {
		return TableSum{}, err
	}
	defer rows.Close()
	values := make([]any, len(names))
	scan := make([]any, len(names))
	for i := range values {
		scan[i] = &values[i]
	}
	h := newTableHash(names)
	var n int64
	for rows.Next() {
		if err := rows.Scan(scan...); err != nil {
			return TableSum{}, err
		}
		if err := h.add(values, kinds); err != nil {
			return TableSum{}, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return TableSum{}, err
	}
	return TableSum{Table: name, Rows: n, Sum: h.String()}, nil
}

// CompareSums lists how got differs from want, table by table: a missing
// or extra table, another row count, another checksum. Nothing means they
// agree.
func CompareSums(want, got []TableSum) []string {
	byName := make(map[string]TableSum, len(got))
	for _, g := range got {
		byName[g.Table] = g
	}
	var diffs []string
	for _, w := range want {
		g, ok := byName[w.Table]
		delete(byName, w.Table)
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s: missing", w.Table))
		case g.Rows != w.Rows:
			diffs = append(diffs, fmt.Sprintf("%s: %d rows, want %d", w.Table, g.Rows, w.Rows))
		case g.Sum != w.Sum:
			diffs = append(diffs, fmt.Sprintf("%s: checksum %s, want %s", w.Table, g.Sum, w.Sum))
		}
	}
	for _, g := range got {
		if _, extra := byName[g.Table]; extra {
			diffs = append(diffs, fmt.Sprintf("%s: not in the source", g.Table))
		}
	}
	return diffs
}

func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func quoteIdents(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quoteIdent(n)
	}
	return strings.Join(q, ", ")
}
