package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// kind is what a column holds, whatever the dialect calls it.
type kind int

const (
	kindOther kind = iota // copied as the driver gives it
	kindInt
	kindBool // PostgreSQL's BOOLEAN; SQLite stores booleans as INTEGER
	kindText
	kindBytes
	kindReal
)

// sqliteKind follows SQLite's rules for a declared type's affinity.
func sqliteKind(declared string) kind {
	t := strings.ToUpper(declared)
	switch {
	case strings.Contains(t, "INT"):
		return kindInt
	case strings.Contains(t, "CHAR"), strings.Contains(t, "CLOB"), strings.Contains(t, "TEXT"):
		return kindText
	case t == "", strings.Contains(t, "BLOB"):
		return kindBytes
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"):
		return kindReal
	case strings.Contains(t, "BOOL"):
		return kindInt
	}
	return kindOther
}

// postgresKind maps information_schema's data_type.
func postgresKind(dataType string) kind {
	switch dataType {
	case "bigint", "integer", "smallint":
		return kindInt
	case "boolean":
		return kindBool
	case "text", "character varying", "character":
		return kindText
	case "bytea":
		return kindBytes
	case "real", "double precision":
		return kindReal
	}
	return kindOther
}

// convert gives v the Go type that a column of kind k takes.
func convert(v any, k kind) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch k {
	case kindInt, kindBool:
		var n int64
		switch x := v.(type) {
		case int64:
			n = x
		case bool:
			if x {
				n = 1
			}
		case float64:
			if x != math.Trunc(x) {
				return nil, fmt.Errorf("%v is not an integer", x)
			}
			n = int64(x)
		case string:
			i, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%q is not an integer", x)
			}
			n = i
		default:
			return nil, fmt.Errorf("%T where an integer belongs", v)
		}
		if k == kindBool {
			if n != 0 && n != 1 {
				return nil, fmt.Errorf("%d is not a boolean", n)
			}
			return n == 1, nil
		}
		return n, nil
	case kindText:
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		}
		return nil, fmt.Errorf("%T where text belongs", v)
	case kindBytes:
		switch x := v.(type) {
		case []byte:
			if x == nil {
				// An empty blob, which pgx would send as NULL.
				return []byte{}, nil
			}
			return x, nil
		case string:
			return []byte(x), nil
		}
		return nil, fmt.Errorf("%T where bytes belong", v)
	case kindReal:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
		return nil, fmt.Errorf("%T where a number belongs", v)
	}
	return v, nil
}

// column is one column of a table.
type column struct {
	name string
	kind kind
	// sequence: a PostgreSQL column fed by a sequence (serial or identity).
	sequence bool
}

// table is one table with its columns in their order and the tables its
// foreign keys reference.
type table struct {
	name    string
	columns []column
	refs    map[string]bool
	// identityAlways: a PostgreSQL column GENERATED ALWAYS AS IDENTITY,
	// which an INSERT may fill only with OVERRIDING SYSTEM VALUE.
	identityAlways bool
}

func (t table) column(name string) column {
	for _, c := range t.columns {
		if c.name == name {
			return c
		}
	}
	return column{name: name}
}

func (t table) sortedColumns() []string {
	names := make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i] = c.name
	}
	slices.Sort(names)
	return names
}

// schema is the tables of a database, but goose's bookkeeping.
type schema struct {
	tables map[string]table
}

func (s schema) names() []string {
	return slices.Sorted(maps.Keys(s.tables))
}

// readSchema reads the tables, columns and foreign keys from the database
// itself: sqlite_master and its pragmas, or PostgreSQL's catalogues for
// the current schema.
func readSchema(ctx context.Context, tx *sql.Tx, d Dialect) (schema, error) {
	if d == Postgres {
		return readPostgresSchema(ctx, tx)
	}
	return readSQLiteSchema(ctx, tx)
}

func readSQLiteSchema(ctx context.Context, tx *sql.Tx) (schema, error) {
	names, err := queryStrings(ctx, tx, `SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> $1`, versionTable)
	if err != nil {
		return schema{}, err
	}
	s := schema{tables: map[string]table{}}
	for _, name := range names {
		t := table{name: name, refs: map[string]bool{}}
		rows, err := tx.QueryContext(ctx, `SELECT name, type FROM pragma_table_info($1) ORDER BY cid`, name)
		if err != nil {
			return schema{}, err
		}
		for rows.Next() {
			var c, typ string
			if err := rows.Scan(&c, &typ); err != nil {
				rows.Close()
				return schema{}, err
			}
			t.columns = append(t.columns, column{name: c, kind: sqliteKind(typ)})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return schema{}, err
		}
		refs, err := queryStrings(ctx, tx, `SELECT DISTINCT "table" FROM pragma_foreign_key_list($1)`, name)
		if err != nil {
			return schema{}, err
		}
		for _, r := range refs {
			t.refs[r] = true
		}
		s.tables[name] = t
	}
	return s, nil
}

func readPostgresSchema(ctx context.Context, tx *sql.Tx) (schema, error) {
	names, err := queryStrings(ctx, tx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> $1`, versionTable)
	if err != nil {
		return schema{}, err
	}
	s := schema{tables: map[string]table{}}
	for _, name := range names {
		s.tables[name] = table{name: name, refs: map[string]bool{}}
	}
	rows, err := tx.QueryContext(ctx, `SELECT table_name, column_name, data_type, is_identity = 'YES',
			COALESCE(identity_generation, '') = 'ALWAYS', COALESCE(column_default, '') LIKE 'nextval(%'
		FROM information_schema.columns WHERE table_schema = current_schema() AND is_generated = 'NEVER'
		ORDER BY table_name, ordinal_position`)
	if err != nil {
		return schema{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var tn, cn, typ string
		var identity, always, serial bool
		if err := rows.Scan(&tn, &cn, &typ, &identity, &always, &serial); err != nil {
			return schema{}, err
		}
		t, ok := s.tables[tn]
		if !ok {
			continue
		}
		t.columns = append(t.columns, column{name: cn, kind: postgresKind(typ), sequence: identity || serial})
		t.identityAlways = t.identityAlways || always
		s.tables[tn] = t
	}
	if err := rows.Err(); err != nil {
		return schema{}, err
	}
	fks, err := tx.QueryContext(ctx, `SELECT c.relname, r.relname FROM pg_constraint k
		JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE k.contype = 'f' AND n.nspname = current_schema()`)
	if err != nil {
		return schema{}, err
	}
	defer fks.Close()
	for fks.Next() {
		var from, to string
		if err := fks.Scan(&from, &to); err != nil {
			return schema{}, err
		}
		if t, ok := s.tables[from]; ok {
			t.refs[to] = true
		}
	}
	return s, fks.Err()
}

// foreignKeyOrder lists the tables so that each comes after every table
// its foreign keys reference (alphabetically among equals), or fails on a
// cycle of references.
func (s schema) foreignKeyOrder() ([]string, error) {
	placed := map[string]bool{}
	var order []string
	for len(order) < len(s.tables) {
		progress := false
		for _, name := range s.names() {
			if placed[name] {
				continue
			}
			ready := true
			for ref := range s.tables[name].refs {
				if ref != name && !placed[ref] && s.tables[ref].name != "" {
					ready = false
				}
			}
			if ready {
				placed[name] = true
				order = append(order, name)
				progress = true
			}
		}
		if !progress {
			var left []string
			for _, name := range s.names() {
				if !placed[name] {
					left = append(left, name)
				}
			}
			return nil, fmt.Errorf("copy: the foreign keys of %s reference each other in a cycle", strings.Join(left, ", "))
		}
	}
	return order, nil
}

func queryStrings(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// tableHash sums the SHA-256 hashes of a table's rows, as 256-bit numbers
// modulo 2^256, so the order of the rows does not matter.
type tableHash struct {
	order []int // the positions of the columns, in name order
	sum   [4]uint64
	buf   []byte
}

func newTableHash(names []string) *tableHash {
	order := make([]int, len(names))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(names[a], names[b]) })
	return &tableHash{order: order}
}

// add adds one row, its values normalised by their columns' kinds.
func (h *tableHash) add(values []any, kinds []kind) error {
	b := h.buf[:0]
	for _, i := range h.order {
		k := kinds[i]
		if k == kindBool {
			k = kindInt
		}
		v, err := convert(values[i], k)
		if err != nil {
			return err
		}
		switch x := v.(type) {
		case nil:
			b = append(b, 'n')
		case int64:
			b = append(b, 'i')
			b = binary.BigEndian.AppendUint64(b, uint64(x))
		case string:
			b = append(b, 's')
			b = binary.AppendUvarint(b, uint64(len(x)))
			b = append(b, x...)
		case []byte:
			b = append(b, 'b')
			b = binary.AppendUvarint(b, uint64(len(x)))
			b = append(b, x...)
		case float64:
			b = append(b, 'f')
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(x))
		default:
			s := fmt.Sprint(x)
			b = append(b, 'o')
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	h.buf = b
	d := sha256.Sum256(b)
	var carry uint64
	for w := 3; w >= 0; w-- {
		x := binary.BigEndian.Uint64(d[w*8:])
		s := h.sum[w] + x
		c1 := s < x
		s2 := s + carry
		c2 := s2 < s
		h.sum[w] = s2
		carry = 0
		if c1 || c2 {
			carry = 1
		}
	}
	return nil
}

func (h *tableHash) String() string {
	var b [32]byte
	for w, x := range h.sum {
		binary.BigEndian.PutUint64(b[w*8:], x)
	}
	return hex.EncodeToString(b[:])
}
