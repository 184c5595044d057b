// Package store holds all of Uplift's SQL. It speaks SQLite (the default,
// through modernc.org/sqlite) and PostgreSQL (through pgx). Queries are
// written once with $N placeholders, which both drivers accept; only the
// migrations differ per dialect.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations
var migrations embed.FS

// Dialect names the database engine behind a Store.
type Dialect string

// The two supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is Uplift's database. Reads go to a pool of readers; writes to the
// writer (a single connection on SQLite, so writers queue instead of failing
// with SQLITE_BUSY). Its embedded Queries run outside any transaction.
type Store struct {
	Queries
	dialect Dialect
	rdb     *sql.DB
	wdb     *sql.DB
	reads   *preparedDB
	writes  *preparedDB
	// checkpoints, on SQLite, keeps the write-ahead log short.
	checkpoints *checkpointer
}

// Open connects to the database that rawURL names: sqlite://PATH (a file,
// relative or absolute; sqlite://:memory: is refused because readers and
// writer would not share it) or postgres://... . It does not migrate.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	switch {
	case strings.HasPrefix(rawURL, "sqlite://"):
		return openSQLite(ctx, strings.TrimPrefix(rawURL, "sqlite://"))
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(ctx, rawURL)
	}
	return nil, fmt.Errorf("database URL must start with sqlite:// or postgres://, got %q", redact(rawURL))
}

func openSQLite(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.Contains(path, ":memory:") {
		return nil, fmt.Errorf("sqlite database needs a file path, e.g. sqlite://uplift.db")
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	pragmas := "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"
	dsn := "file:" + path + "?" + pragmas
	wdb, err := sql.Open("sqlite", dsn+"&_txlock=immediate&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(67108864)")
	if err != nil {
		return nil, fmt.Errorf("open sqlite writer: %w", err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	if err := wdb.PingContext(ctx); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	rdb, err := sql.Open("sqlite", dsn+"&mode=ro")
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open sqlite readers: %w", err)
	}
	n := max(2, runtime.GOMAXPROCS(0))
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	rdb.SetConnMaxLifetime(0)
	cdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		wdb.Close()
		rdb.Close()
		return nil, fmt.Errorf("open sqlite checkpointer: %w", err)
	}
	cdb.SetMaxOpenConns(1)
	cdb.SetConnMaxLifetime(0)
	s := newStore(SQLite, rdb, wdb)
	s.checkpoints = newCheckpointer(cdb, s.writes.batch.restartLog)
	return s, nil
}

// createPrivate creates the SQLite database file, empty, readable and
// writable by its owner only, unless it exists: whatever the umask, the
// database holds secret keys and users' data. SQLite gives the files it
// creates beside it (the write-ahead log, its index, a journal) the
// database file's permissions.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create sqlite database %s: %w", path, err)
	}
	if err := errors.Join(f.Chmod(0o600), f.Close()); err != nil {
		return fmt.Errorf("create sqlite database %s: %w", path, err)
	}
	return nil
}

// defaultConnectTimeout bounds each new PostgreSQL connection (seconds)
// when the URL sets no connect_timeout: while the database is unreachable
// requests fail within it with 503 instead of waiting for the system's TCP
// timeout.
const defaultConnectTimeout = "5"

func openPostgres(ctx context.Context, rawURL string) (*Store, error) {
	n := 4 * runtime.GOMAXPROCS(0)
	if u, err := url.Parse(rawURL); err == nil {
		q := u.Query()
		if !q.Has("connect_timeout") {
			q.Set("connect_timeout", defaultConnectTimeout)
		}
		if q.Has("pool_max_conns") {
			// As pgxpool names it; PostgreSQL itself would refuse it.
			v, err := strconv.Atoi(q.Get("pool_max_conns"))
			if err != nil || v < 1 || v > 1000 {
				return nil, fmt.Errorf("open postgres: pool_max_conns must be a number from 1 to 1000, got %q", q.Get("pool_max_conns"))
			}
			n = v
			q.Del("pool_max_conns")
		}
		u.RawQuery = q.Encode()
		rawURL = u.String()
	}
	db, err := sql.Open("pgx", rawURL)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres %s: %w", redact(rawURL), err)
	}
	return newStore(Postgres, db, db), nil
}

func newStore(d Dialect, rdb, wdb *sql.DB) *Store {
	writes := &preparedDB{db: wdb}
	reads := writes
	if rdb != wdb {
		reads = &preparedDB{db: rdb}
	}
	if d == SQLite {
		// One writer: transactions queue for it, so they share commits.
		writes.batch = newBatcher(writes)
	}
	return &Store{Queries: Queries{r: reads, w: writes, db: writes, dialect: d}, dialect: d, rdb: rdb, wdb: wdb,
		reads: reads, writes: writes}
}

// Dialect reports which database engine the store uses.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes every connection.
func (s *Store) Close() error {
	if s.writes.batch != nil {
		s.writes.batch.close()
	}
	var err error
	if s.checkpoints != nil {
		err = s.checkpoints.close()
	}
	s.writes.close()
	s.reads.close()
	err = errors.Join(err, s.wdb.Close())
	if s.rdb != s.wdb {
		err = errors.Join(err, s.rdb.Close())
	}
	return err
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.rdb.PingContext(ctx)
}

// migrationLock is the PostgreSQL advisory lock key that instances
// migrating the same database take turns on ("uplift:m" in ASCII).
const migrationLock int64 = 0x75706c6966743a6d

// migrationLockWait is how long an instance waits for another's
// migrations, polling every second.
const migrationLockWait = 15 * 60

// Migrate applies every pending migration of the store's dialect and
// returns how many it applied; then it builds the analytics totals from
// the stored rows when a migration asked for it (BackfillAnalytics).
// Instances starting at once on the same database take turns: on
// PostgreSQL the first holds an advisory lock while it migrates and the
// others wait for it (up to 15 minutes), then find nothing left to do. On SQLite, whose write transactions already
// queue, an instance whose migration fails because another applied it
// first starts over from the database's new version.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(s.dialect))
	if err != nil {
		return 0, err
	}
	gd := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if s.dialect == Postgres {
		gd = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLock),
			lock.WithLockTimeout(1, migrationLockWait))
		if err != nil {
			return 0, fmt.Errorf("migrations: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gd, s.wdb, sub, opts...)
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	applied := 0
	for attempt := 0; ; attempt++ {
		res, err := p.Up(ctx)
		applied += len(res)
		if err == nil {
			return applied, s.backfillAnalyticsIfAsked(ctx)
		}
		var partial *goose.PartialError
		if errors.As(err, &partial) && partial.Failed != nil && attempt < len(p.ListSources()) {
			applied += len(partial.Applied)
			if v, verr := p.GetDBVersion(ctx); verr == nil && v >= partial.Failed.Source.Version {
				continue // another instance applied it meanwhile
			}
		}
		return applied, fmt.Errorf("migrate: %w", err)
	}
}

// InTx runs fn inside one transaction on the writer and commits when fn
// returns nil. On SQLite the transaction takes the write lock at BEGIN, so
// a read-then-write inside fn never fails half-way with SQLITE_BUSY.
func (s *Store) InTx(ctx context.Context, fn func(q Queries) error) error {
	return s.Queries.atomic(ctx, fn)
}

// tenantCreationLock is the PostgreSQL advisory lock key of
// LockTenantCreation ("uplift:t" in ASCII).
const tenantCreationLock int64 = 0x75706c6966743a74

// LockTenantCreation makes the transactions that call it run one at a
// time, across every process sharing the database, so that a transaction
// that looks for a tenant and creates it when missing never runs beside
// another: on PostgreSQL it takes an advisory lock held until the
// transaction ends; on SQLite a write transaction holds the database's
// write lock from its start already. Call it first inside InTx.
func (q Queries) LockTenantCreation(ctx context.Context) error {
	if q.dialect != Postgres {
		return nil
	}
	if _, err := q.w.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, tenantCreationLock); err != nil {
		return fmt.Errorf("lock tenant creation: %w", err)
	}
	return nil
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Queries runs Uplift's queries against the database or inside a
// transaction (see Store.InTx). Reads use r and writes use w.
type Queries struct {
	r querier
	w querier
	// db is the writer outside a transaction, nil inside one.
	db      *preparedDB
	dialect Dialect
}

// atomic runs fn in a transaction: the current one, or a new one when q is
// not inside a transaction. Methods that write several statements use it.
func (q Queries) atomic(ctx context.Context, fn func(q Queries) error) (err error) {
	if q.db == nil {
		return fn(q)
	}
	if h := q.db.txHook; h != nil {
		var end func(error)
		ctx, end = h(ctx)
		defer func() { end(err) }()
	}
	if q.db.batch != nil {
		return q.db.batch.run(ctx, fn)
	}
	tx, err := q.db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	var missed []string
	defer func() { q.db.prepareMissed(context.WithoutCancel(ctx), missed) }()
	ptx := preparedTx{tx: tx, db: q.db, missed: &missed}
	if err := fn(Queries{r: ptx, w: ptx, dialect: q.dialect}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// redact hides the password of a database URL for error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
