// Package pgtest gives tests a PostgreSQL database of their own on the
// server that UPLIFT_TEST_POSTGRES names. Without that variable the test is
// skipped, unless UPLIFT_REQUIRE_POSTGRES=1 makes the absence a failure, as
// CI does.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to create and drop databases
)

// URL creates a new, empty database for the test and returns its URL; the
// database is dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("UPLIFT_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("UPLIFT_REQUIRE_POSTGRES") == "1" {
			t.Fatal("UPLIFT_REQUIRE_POSTGRES=1 but UPLIFT_TEST_POSTGRES is empty: " +
				"set it to a server URL such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
		}
		t.Skip("UPLIFT_TEST_POSTGRES is not set")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("UPLIFT_TEST_POSTGRES is not a URL: %v", err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("connect to UPLIFT_TEST_POSTGRES: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	name := "uplift_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
