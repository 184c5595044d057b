package store_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/pgtest"
	"github.com/uplift-dev/uplift/internal/store"
)

// dialects lists the databases the store tests run on. Each url function
// returns the URL of a new, empty database that disappears after the test,
// or skips the test when that database is not available.
var dialects = []struct {
	name store.Dialect
	url  func(t *testing.T) string
}{
	{store.SQLite, sqliteURL},
	{store.Postgres, func(t *testing.T) string { return pgtest.URL(t) }},
}

// forEachStore runs body once per dialect, as parallel subtests named
// "sqlite" and "postgres", each on a fresh migrated store.
func forEachStore(t *testing.T, body func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, d := range dialects {
		t.Run(string(d.name), func(t *testing.T) {
			t.Parallel()
			s := openStore(t, d.url(t))
			if _, err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			body(t, s)
		})
	}
}

// openStore opens rawURL and closes the store when the test ends.
func openStore(t *testing.T, rawURL string) *store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), rawURL)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func sqliteURL(t *testing.T) string {
	return "sqlite://" + filepath.Join(t.TempDir(), "uplift.db")
}

func TestOpenRejects(t *testing.T) {
	tests := []struct {
		url      string
		wantText string
	}{
		{"sqlite://:memory:", "file path"},
		{"sqlite://file::memory:?cache=shared", "file path"},
		{"sqlite://", "file path"},
		{"", "sqlite:// or postgres://"},
		{"uplift.db", "sqlite:// or postgres://"},
		{"mysql://root:s3cret@localhost/uplift", "sqlite:// or postgres://"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			s, err := store.Open(t.Context(), tt.url)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded, want an error", tt.url)
			}
			if got := err.Error(); !strings.Contains(got, tt.wantText) {
				t.Errorf("Open(%q) error = %q, want it to mention %q", tt.url, got, tt.wantText)
			}
			if got := err.Error(); strings.Contains(got, "s3cret") {
				t.Errorf("Open(%q) error = %q, leaks the password", tt.url, got)
			}
		})
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(string(d.name), func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s := openStore(t, d.url(t))
			if got, want := s.Dialect(), d.name; got != want {
				t.Errorf("Dialect() = %q, want %q", got, want)
			}
			if err := s.Ping(ctx); err != nil {
				t.Fatalf("Ping: %v", err)
			}
			n, err := s.Migrate(ctx)
			if err != nil {
				t.Fatalf("first Migrate: %v", err)
			}
			if n == 0 {
				t.Errorf("first Migrate applied 0 migrations, want at least 1")
			}
			for i := range 2 {
				n, err := s.Migrate(ctx)
				if err != nil {
					t.Fatalf("Migrate again (%d): %v", i+1, err)
				}
				if n != 0 {
					t.Errorf("Migrate again (%d) applied %d migrations, want 0", i+1, n)
				}
			}
			if _, err := s.Tenants(ctx); err != nil {
				t.Errorf("Tenants after Migrate: %v", err)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		a := mustCreateTenant(t, s, "tenant-a", at(0))
		b := mustCreateTenant(t, s, "tenant-b", at(1))
		mustCreateUser(t, s, newUser(a.ID, "user-1", at(2)))
		mustCreateUser(t, s, newUser(a.ID, "user-2", at(2)))
		mustCreateAuthenticator(t, s, newAuthenticator(a.ID, "user-1", "auth-1", model.MethodEmailOTP, at(3)))
		mustCreateAction(t, s, newAction(a.ID, "user-1", "key-1", "signIn", at(4)))

		tests := []struct {
			name string
			call func() error
		}{
			{"Tenant", func() error { _, err := s.Tenant(ctx, "missing"); return err }},
			{"UpdateTenant", func() error { return s.UpdateTenant(ctx, newTenant("missing", at(0))) }},
			{"TenantByKeyHash", func() error { _, err := s.TenantByKeyHash(ctx, []byte("no such hash")); return err }},
			{"RevokeAPIKey", func() error { return s.RevokeAPIKey(ctx, a.ID, "missing", at(5)) }},
			{"User", func() error { _, err := s.User(ctx, a.ID, "missing"); return err }},
			{"User of another tenant", func() error { _, err := s.User(ctx, b.ID, "user-1"); return err }},
			{"UpdateUser", func() error { return s.UpdateUser(ctx, newUser(a.ID, "missing", at(5))) }},
			{"UpdateUser of another tenant", func() error { return s.UpdateUser(ctx, newUser(b.ID, "user-1", at(5))) }},
			{"DeleteUser", func() error { return s.DeleteUser(ctx, a.ID, "missing") }},
			{"DeleteUser of another tenant", func() error { return s.DeleteUser(ctx, b.ID, "user-1") }},
			{"DeleteAuthenticator", func() error { return s.DeleteAuthenticator(ctx, a.ID, "user-1", "missing") }},
			{"DeleteAuthenticator of another user", func() error { return s.DeleteAuthenticator(ctx, a.ID, "user-2", "auth-1") }},
			{"DeleteAuthenticator of another tenant", func() error { return s.DeleteAuthenticator(ctx, b.ID, "user-1", "auth-1") }},
			{"ActionConfig", func() error { _, err := s.ActionConfig(ctx, a.ID, "missing"); return err }},
			{"Action", func() error { _, err := s.Action(ctx, a.ID, "missing"); return err }},
			{"Action of another tenant", func() error { _, err := s.Action(ctx, b.ID, "key-1"); return err }},
			{"SetActionState", func() error {
				return s.SetActionState(ctx, newAction(a.ID, "user-1", "missing", "signIn", at(5)))
			}},
			{"SetActionState of another tenant", func() error {
				return s.SetActionState(ctx, newAction(b.ID, "user-1", "key-1", "signIn", at(5)))
			}},
		}
		for _, tt := range tests {
			if err := tt.call(); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("%s: error = %v, want %v", tt.name, err, model.ErrNotFound)
			}
		}
	})
}
