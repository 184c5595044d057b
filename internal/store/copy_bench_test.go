package store_test

import (
	"testing"

	"github.com/uplift-dev/uplift/internal/pgtest"
	"github.com/uplift-dev/uplift/internal/store"
)

// benchUsers is how many users BenchmarkCopyDatabase copies.
const benchUsers = 100_000

// fillUsers writes n users into a migrated SQLite database in a few
// statements, each with a verified email, a passkey authenticator with its
// passkey, and one action with one change of state: five rows a user.
func fillUsers(b *testing.B, rawURL string, n int) {
	b.Helper()
	s := migratedStore(b, rawURL)
	if err := s.CreateTenant(b.Context(), newTenant("t1", at(0))); err != nil {
		b.Fatal(err)
	}
	db := rawDB(b, rawURL)
	series := `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) `
	for _, q := range []string{
		`INSERT INTO users (tenant_id, user_id, email, email_verified, display_name, created_at, updated_at)
			SELECT 't1', 'user-' || i, 'user' || i || '@example.com', 1, 'User ' || i, 1767225600000 + i, 1767225600000 + i FROM n`,
		`INSERT INTO authenticators (id, tenant_id, user_id, method, is_default, created_at, verified_at, last_verified_at)
			SELECT 'auth-' || i, 't1', 'user-' || i, 'PASSKEY', 1, 1767225600000 + i, 1767225600000 + i, 1767225600000 + i FROM n`,
		`INSERT INTO passkeys (authenticator_id, tenant_id, user_id, credential_id, public_key, public_key_algorithm, sign_count,
				aaguid, transports, attestation_object, client_data_json, user_present, user_verified, backup_eligible, backup_state,
				name, created_at, last_verified_at)
			SELECT 'auth-' || i, 't1', 'user-' || i, randomblob(16), randomblob(77), -7, i % 1000, zeroblob(16), '["internal","hybrid"]',
				randomblob(300), randomblob(200), 1, 1, 1, 1, 'iCloud Keychain', 1767225600000 + i, 1767225600000 + i FROM n`,
		`INSERT INTO actions (tenant_id, idempotency_key, user_id, code, state, state_updated_at, created_at, updated_at,
				verification_method, device_id, ip_address, user_agent)
			SELECT 't1', 'key-' || i, 'user-' || i, 'signIn', 'CHALLENGE_SUCCEEDED', 1767225600000 + i, 1767225600000 + i,
				1767225600000 + i, 'PASSKEY', 'device-' || i, '203.0.113.7', 'Mozilla/5.0 (Macintosh) Safari/605.1.15' FROM n`,
		`INSERT INTO action_states (tenant_id, idempotency_key, seq, state, at)
			SELECT 't1', 'key-' || i, 1, 'CHALLENGE_SUCCEEDED', 1767225600000 + i FROM n`,
	} {
		if _, err := db.Exec(series+q, n); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
}

// BenchmarkCopyDatabase copies a SQLite database of 100,000 users (five
// rows each) into a new SQLite or PostgreSQL database and reports the rows
// copied per second.
func BenchmarkCopyDatabase(b *testing.B) {
	srcURL := "sqlite://" + b.TempDir() + "/source.db"
	fillUsers(b, srcURL, benchUsers)
	src := migratedStore(b, srcURL)
	for _, d := range []struct {
		name string
		url  func(b *testing.B) string
	}{
		{"sqlite", func(b *testing.B) string { return "sqlite://" + b.TempDir() + "/copy.db" }},
		{"postgres", func(b *testing.B) string { return pgtest.URL(b) }},
	} {
		b.Run("to-"+d.name, func(b *testing.B) {
			var all int64
			for b.Loop() {
				b.StopTimer()
				dst := migratedStore(b, d.url(b))
				b.StartTimer()
				report, err := store.CopyDatabase(b.Context(), src, dst, store.CopyOptions{})
				if err != nil {
					b.Fatal(err)
				}
				var rows int64
				for _, t := range report.Tables {
					rows += t.Rows
				}
				if rows < 5*benchUsers {
					b.Fatalf("copied %d rows, want at least %d", rows, 5*benchUsers)
				}
				all += rows
			}
			b.ReportMetric(float64(all)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
