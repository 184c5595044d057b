package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/uplift-dev/uplift/internal/model"
)

// Times are stored as microseconds since the Unix epoch, 0 meaning "never";
// lists and maps as JSON text. Both read the same on SQLite and PostgreSQL.

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("store: cannot encode %T: %v", v, err)) // only our own types reach here
	}
	return string(b)
}

func fromJSON(text string, v any) error {
	if text == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(text), v); err != nil {
		return fmt.Errorf("stored JSON %.40q: %w", text, err)
	}
	return nil
}

// notFound turns sql.ErrNoRows into a model not-found error naming what.
func notFound(err error, what string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return model.NotFound(what, args...)
	}
	return err
}

// scanner is what *sql.Row and *sql.Rows offer.
type scanner interface{ Scan(dest ...any) error }

// classify gives constraint violations their model kind: a duplicate is a
// conflict, a missing parent (foreign key) is not found. Other errors are
// wrapped as they are.
func classify(err error, what string) error {
	var pe *pgconn.PgError
	var se *sqlite.Error
	switch {
	case errors.As(err, &pe) && pe.Code == "23505",
		errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY):
		return &model.Error{Kind: model.ErrConflict, Code: "conflict", Description: what + " already exists", Cause: err}
	case errors.As(err, &pe) && pe.Code == "23503",
		errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return &model.Error{Kind: model.ErrNotFound, Code: "not_found", Description: what + " refers to something that does not exist", Cause: err}
	}
	return fmt.Errorf("write %s: %w", what, err)
}
