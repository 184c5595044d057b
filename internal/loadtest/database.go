package loadtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to create a fresh database
)

// databaseKind names the engine of a database URL.
func databaseKind(dbURL string) string {
	switch {
	case strings.HasPrefix(dbURL, "sqlite://"):
		return "sqlite"
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		return "postgres"
	}
	return "unknown"
}

// prepareDatabase returns the database URL a spawned server uses: a new
// SQLite file in dir when dbURL is empty, the SQLite file dbURL names
// (which must not exist yet), or a new database created on the PostgreSQL
// server dbURL names; drop removes that database again.
func prepareDatabase(ctx context.Context, dbURL, dir string) (use string, drop func() error, err error) {
	noop := func() error { return nil }
	switch databaseKind(dbURL) {
	case "sqlite":
		path := strings.TrimPrefix(dbURL, "sqlite://")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		if _, err := os.Stat(path); err == nil {
			return "", nil, fmt.Errorf("%s exists: give a new file so the run starts on a fresh database", path)
		}
		return dbURL, noop, nil
	case "postgres":
		if err := checkLoopbackDatabase(dbURL); err != nil {
			return "", nil, err
		}
		return freshPostgres(ctx, dbURL)
	case "unknown":
		if dbURL == "" {
			return "sqlite://" + filepath.Join(dir, "uplift.db"), noop, nil
		}
	}
	return "", nil, fmt.Errorf("database URL must start with sqlite:// or postgres://")
}

// freshPostgres creates an empty database uplift_load_<time> on the server
// of baseURL and returns its URL.
func freshPostgres(ctx context.Context, baseURL string) (string, func() error, error) {
	admin, err := sql.Open("pgx", baseURL)
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	name := fmt.Sprintf("uplift_load_%d", time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u, _ := url.Parse(baseURL)
	u.Path = "/" + name
	drop := func() error {
		db, err := sql.Open("pgx", baseURL)
		if err != nil {
			return err
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return err
	}
	return u.String(), drop, nil
}

// analyzePostgres gathers the planner's statistics of a PostgreSQL
// database, as autovacuum does within a minute or two of a table's
// growth. A run starts right after the setup filled a new database: until
// then PostgreSQL plans its queries for empty tables, where every index
// of a table costs the same, and may look actions up by key through an
// index that scans all of a tenant's actions. SQLite needs nothing.
func analyzePostgres(ctx context.Context, dbURL string) error {
	if databaseKind(dbURL) != "postgres" {
		return nil
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyze the run's database: %w", err)
	}
	return nil
}
