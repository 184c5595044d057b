package prompt_test

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/prompt"
)

// The analytics benchmark's data: 500,000 actions and 500,000 uplift
// events of 100,000 users on 150,000 devices, spread evenly over the last
// 90 days, with 40,000 passkeys.
const (
	benchUsers    = 100_000
	benchDevices  = 150_000
	benchActions  = 500_000
	benchEvents   = 500_000
	benchPasskeys = 40_000
	benchSpanDays = 90
)

// fillAnalytics writes the benchmark's rows straight into the SQLite
// database at path, a statement per table.
func fillAnalytics(b testing.TB, path, tenantID string, now time.Time) {
	b.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	end := now.UnixMicro()
	span := int64(benchSpanDays) * 86_400_000_000
	start := end - span
	series := `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $1 - 1) `
	for _, s := range []struct {
		n     int
		query string
	}{
		{benchUsers, `INSERT INTO users (tenant_id, user_id, email, email_verified, created_at, updated_at)
			SELECT $2, 'user-' || i, 'user' || i || '@example.com', 1, $3, $3 FROM n`},
		{benchUsers, `INSERT INTO authenticators (id, tenant_id, user_id, method, email, phone_number, is_default, created_at, verified_at)
			SELECT 'code-' || i, $2, 'user-' || i, CASE WHEN i % 4 = 0 THEN 'SMS' ELSE 'EMAIL_OTP' END,
				'user' || i || '@example.com', '', 1, $3, $3 FROM n`},
		{benchPasskeys, `INSERT INTO authenticators (id, tenant_id, user_id, method, is_default, created_at, verified_at)
			SELECT 'pk-' || i, $2, 'user-' || i, 'PASSKEY', 0, $3 + i * 100000, $3 + i * 100000 FROM n`},
		{benchPasskeys, `INSERT INTO passkeys (authenticator_id, tenant_id, user_id, credential_id, public_key, aaguid,
				attestation_object, client_data_json, backup_eligible, device_id, created_at)
			SELECT 'pk-' || i, $2, 'user-' || i, randomblob(16), randomblob(77),
				CASE WHEN i % 3 = 0 THEN zeroblob(16) ELSE x'fbfc3007154e4ecc8c0b6e020557d7bd' END,
				randomblob(300), randomblob(200), i % 2, 'device-' || i, $3 + i * 100000 FROM n`},
		{benchDevices, `INSERT INTO devices (tenant_id, id, user_agent, created_at, last_seen_at)
			SELECT $2, 'device-' || i, CASE i % 3
				WHEN 0 THEN 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36'
				WHEN 1 THEN 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1'
				ELSE 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0' END, $3, $3 FROM n`},
		{benchPasskeys, `INSERT INTO device_passkeys (tenant_id, device_id, authenticator_id, relation, first_at, last_at)
			SELECT $2, 'device-' || i, 'pk-' || i, 'created', $3, $3 FROM n`},
		{benchActions, `INSERT INTO actions (tenant_id, idempotency_key, user_id, code, state, state_updated_at, created_at, updated_at,
				verification_method, verified_authenticator_id, device_id, user_agent)
			SELECT $2, 'key-' || i, 'user-' || (i % $5), CASE WHEN i % 10 = 0 THEN 'payment' ELSE 'signIn' END,
				CASE WHEN i % 7 = 0 THEN 'CHALLENGE_REQUIRED' ELSE 'CHALLENGE_SUCCEEDED' END, $3 + i * ($4 / $1), $3 + i * ($4 / $1), $3 + i * ($4 / $1),
				CASE WHEN i % 7 = 0 THEN '' WHEN (i % $5) < $6 AND i % 3 <> 0 THEN 'PASSKEY' ELSE 'EMAIL_OTP' END,
				CASE WHEN i % 7 <> 0 AND (i % $5) < $6 AND i % 3 <> 0 THEN 'pk-' || (i % $5) ELSE '' END,
				'device-' || (i % $7), '' FROM n`},
		{benchEvents, `INSERT INTO uplift_events (id, tenant_id, user_id, device_id, action_code, kind, reason, platform, at)
			SELECT 'ev-' || i, $2, 'user-' || (i % $5), 'device-' || (i % $7), 'signIn',
				CASE i % 10 WHEN 0 THEN 'evaluated' WHEN 1 THEN 'evaluated' WHEN 2 THEN 'evaluated' WHEN 3 THEN 'evaluated'
					WHEN 4 THEN 'evaluated' WHEN 5 THEN 'shown' WHEN 6 THEN 'shown' WHEN 7 THEN 'dismissed'
					WHEN 8 THEN 'accepted' ELSE 'shown' END,
				CASE WHEN i % 10 < 3 THEN 'eligible' WHEN i % 10 < 5 THEN 'passkey_on_device' ELSE '' END,
				CASE i % 3 WHEN 0 THEN 'macOS' WHEN 1 THEN 'iOS' ELSE 'Windows' END, $3 + i * ($4 / $1) FROM n`},
	} {
		if _, err := db.Exec(series+s.query, s.n, tenantID, start, span, benchUsers, benchPasskeys, benchDevices); err != nil {
			b.Fatalf("%s: %v", s.query, err)
		}
	}
	if _, err := db.Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAnalyticsDashboard reads every report of the console's
// dashboard (what one page load queries) over 1,000,000 actions and
// uplift events on SQLite, for the default 30 days and for all 90. The
// rows are written straight into the tables, so the daily totals are then
// built from them as an upgraded database's are (BackfillAnalytics).
func BenchmarkAnalyticsDashboard(b *testing.B) {
	path := filepath.Join(b.TempDir(), "analytics.db")
	e := apitest.NewWith(b, apitest.Options{DatabaseURL: "sqlite://" + path})
	tn, _ := e.Tenant("Shop")
	fillAnalytics(b, path, tn.ID, e.Clock.Now())
	start := time.Now()
	if err := e.Store.BackfillAnalytics(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.Logf("backfilled the analytics totals of %d actions and %d events in %s", benchActions, benchEvents,
		time.Since(start).Round(time.Millisecond))
	// The first write after the backfill waits for the checkpoint of its
	// write-ahead log (hundreds of megabytes); a dashboard folds (writes)
	// first, so one fold outside the measurement leaves only its cost.
	start = time.Now()
	if _, err := e.Store.FoldAnalytics(b.Context(), ""); err != nil {
		b.Fatal(err)
	}
	b.Logf("first write after the backfill: %s", time.Since(start).Round(time.Millisecond))
	for _, days := range []int{30, benchSpanDays} {
		b.Run(map[int]string{30: "30days", benchSpanDays: "90days"}[days], func(b *testing.B) {
			p, err := e.App.Prompt.LastDays(days)
			if err != nil {
				b.Fatal(err)
			}
			cpu := processCPU()
			for b.Loop() {
				a, err := e.App.Prompt.Analytics(b.Context(), tn.ID, p, prompt.Reports...)
				if err != nil {
					b.Fatal(err)
				}
				if a.Dashboard.Funnel.Evaluated == 0 || a.Coverage.ActiveDevices == 0 {
					b.Fatalf("no figures: %+v", a.Dashboard.Funnel)
				}
			}
			// The CPU a dashboard costs, whatever else the machine runs.
			if used := processCPU() - cpu; used > 0 {
				b.ReportMetric(float64(used.Microseconds())/1000/float64(b.N), "cpu-ms/op")
			}
		})
	}
}
