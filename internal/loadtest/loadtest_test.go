package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCheckLoopback(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://127.3.4.5", true},
		{"http://localhost:8080", true},
		{"http://LOCALHOST", true},
		{"http://[::1]:8080/", true},
		{"https://127.0.0.1", true},
		{"http://10.0.0.1:8080", false},
		{"http://0.0.0.0:8080", false},
		{"http://example.com", false},
		{"http://127.0.0.1.nip.io", false},
		{"http://localhost.example.com", false},
		{"http://[::2]:8080", false},
		{"ftp://127.0.0.1", false},
		{"127.0.0.1:8080", false},
		{"http://user@example.com#@127.0.0.1", false},
	} {
		err := CheckLoopback(tc.url)
		if got := err == nil; got != tc.ok {
			t.Errorf("CheckLoopback(%q) = %v, want ok %v", tc.url, err, tc.ok)
		}
	}
}

func TestCheckLoopbackDatabase(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"postgres://postgres@127.0.0.1:5432/test?sslmode=disable", true},
		{"postgres://postgres@localhost/test", true},
		{"postgres:///test?host=/var/run/postgresql", true},
		{"postgres://db.example.com/test", false},
		{"postgres://127.0.0.1/test?host=db.example.com", false},
	} {
		err := checkLoopbackDatabase(tc.url)
		if got := err == nil; got != tc.ok {
			t.Errorf("checkLoopbackDatabase(%q) = %v, want ok %v", tc.url, err, tc.ok)
		}
	}
}

func validOptions() Options {
	return Options{URL: "http://127.0.0.1:8080", TenantID: "t", SecretKey: "sk_x", Users: 10, SetupConcurrency: 2,
		Duration: time.Second, Warmup: 0, SetupTimeout: time.Minute, Scenarios: []string{ScenarioPasskey},
		Concurrencies: []int{8}}
}

func TestValidateBounds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Options)
		want   string // substring of the error; "" for none
	}{
		{"valid", func(*Options) {}, ""},
		{"remote", func(o *Options) { o.URL = "http://192.168.1.10:8080" }, "only sends load to this machine"},
		{"two instances", func(o *Options) { o.URL = "http://127.0.0.1:8080, http://127.0.0.1:8081" }, ""},
		{"one instance of two remote", func(o *Options) { o.URL = "http://127.0.0.1:8080,http://192.168.1.10:8080" }, "only sends load to this machine"},
		{"too many users", func(o *Options) { o.Users = MaxUsers + 1 }, "-users"},
		{"no users", func(o *Options) { o.Users = 0 }, "-users"},
		{"too much concurrency", func(o *Options) { o.Concurrencies = []int{8, MaxConcurrency + 1} }, "-concurrency"},
		{"too long", func(o *Options) { o.Duration = MaxDuration + time.Second }, "-duration"},
		{"too short", func(o *Options) { o.Duration = time.Millisecond }, "-duration"},
		{"unknown scenario", func(o *Options) { o.Scenarios = []string{"dos"} }, "unknown scenario"},
		{"url and spawn", func(o *Options) { o.Spawn = true }, "not both"},
		{"profile out of process", func(o *Options) { o.CPUProfile = "cpu.prof" }, "-in-process"},
		{"spawn", func(o *Options) { o.URL, o.TenantID, o.SecretKey, o.Spawn = "", "", "", true }, ""},
		{"email with url and no sink", func(o *Options) { o.Scenarios = []string{ScenarioEmail} }, "UPLIFT_SMTP_URL=smtp://127.0.0.1:2525"},
		{"email with url and sink", func(o *Options) { o.Scenarios, o.SMTPListen = []string{ScenarioEmail}, "127.0.0.1:2525" }, ""},
		{"email sink off this machine", func(o *Options) { o.Scenarios, o.SMTPListen = []string{ScenarioEmail}, "192.168.1.10:2525" }, "only listens on this machine"},
		{"email sink without a port", func(o *Options) { o.Scenarios, o.SMTPListen = []string{ScenarioEmail}, "127.0.0.1" }, "host:port"},
		{"sink without email", func(o *Options) { o.SMTPListen = "127.0.0.1:2525" }, "only applies to -scenario email"},
		{"email with spawn", func(o *Options) {
			o.URL, o.TenantID, o.SecretKey, o.Spawn, o.Scenarios = "", "", "", true, []string{ScenarioEmail}
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := validOptions()
			tc.change(&o)
			err := o.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// exactQuantile is the nearest-rank q-quantile of sorted values.
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	rank := int(math.Ceil(q * float64(len(sorted))))
	return sorted[max(1, rank)-1]
}

func TestHistogramQuantiles(t *testing.T) {
	t.Run("uniform 1..1000 ms", func(t *testing.T) {
		h := NewHistogram()
		for i := 1; i <= 1000; i++ {
			h.Record(time.Duration(i) * time.Millisecond)
		}
		for q, want := range map[float64]time.Duration{0.5: 500 * time.Millisecond, 0.95: 950 * time.Millisecond,
			0.99: 990 * time.Millisecond, 1: time.Second} {
			if got := h.Quantile(q); math.Abs(float64(got-want)) > float64(want)/256 {
				t.Errorf("q%.2f = %v, want %v within 0.4%%", q, got, want)
			}
		}
		if h.Count() != 1000 || h.Max() != time.Second || h.Mean() != 500500*time.Microsecond {
			t.Errorf("count %d max %v mean %v", h.Count(), h.Max(), h.Mean())
		}
	})
	t.Run("small values are exact", func(t *testing.T) {
		h := NewHistogram()
		for _, v := range []time.Duration{3, 1, 2, 100} {
			h.Record(v)
		}
		if got := h.Quantile(0.5); got != 2 {
			t.Errorf("median = %v, want 2ns", got)
		}
		if got := h.Quantile(0.75); got != 3 {
			t.Errorf("q0.75 = %v, want 3ns", got)
		}
	})
	t.Run("random, merged, against exact", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		a, b := NewHistogram(), NewHistogram()
		var all []time.Duration
		for i := range 100_000 {
			// Log-normal-ish latencies from 50 µs to a few seconds.
			v := time.Duration(math.Exp(rng.NormFloat64()*1.5+math.Log(2e6))) + 50*time.Microsecond
			all = append(all, v)
			if i%2 == 0 {
				a.Record(v)
			} else {
				b.Record(v)
			}
		}
		a.Merge(b)
		slices.Sort(all)
		for _, q := range []float64{0.001, 0.5, 0.9, 0.95, 0.99, 0.999, 1} {
			got, want := a.Quantile(q), exactQuantile(all, q)
			if math.Abs(float64(got-want)) > float64(want)/200 {
				t.Errorf("q%v = %v, exact %v", q, got, want)
			}
		}
		if a.Max() != all[len(all)-1] || a.Count() != uint64(len(all)) {
			t.Errorf("max %v count %d, want %v %d", a.Max(), a.Count(), all[len(all)-1], len(all))
		}
	})
	t.Run("empty", func(t *testing.T) {
		h := NewHistogram()
		if h.Quantile(0.99) != 0 || h.Max() != 0 || h.Mean() != 0 {
			t.Error("an empty histogram reports non-zero figures")
		}
	})
}

// runShort runs every implemented scenario for about a second against a
// server in this process and checks that nothing failed.
func runShort(t *testing.T, dbURL string) {
	t.Helper()
	var out, progress bytes.Buffer
	o := Options{InProcess: true, DatabaseURL: dbURL, Users: 4, SetupConcurrency: 2,
		Duration: 700 * time.Millisecond, Warmup: 100 * time.Millisecond, SetupTimeout: time.Minute,
		Scenarios: []string{ScenarioPasskey, ScenarioTrackValidate}, Concurrencies: []int{2}}
	results, err := Run(context.Background(), o, &out, &progress)
	if err != nil {
		t.Fatalf("run: %v\n%s\n%s", err, out.String(), progress.String())
	}
	if len(results) != 2 {
		t.Fatalf("got %d results, want 2", len(results))
	}
	for _, r := range results {
		if r.ErrorCount() != 0 || r.Ops() == 0 {
			t.Errorf("%s: %d ops, errors %v %v", r.Scenario, r.Ops(), r.Errors, r.ErrorText)
		}
		for _, s := range r.Steps {
			if s.Latency.Count() < r.Ops() {
				t.Errorf("%s: step %s timed %d times for %d ops", r.Scenario, s.Name, s.Latency.Count(), r.Ops())
			}
		}
	}
	// Each measurement ends with its JSON line.
	var sums []Summary
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if strings.HasPrefix(line, "{") {
			var s Summary
			if err := json.Unmarshal([]byte(line), &s); err != nil {
				t.Fatalf("summary %q: %v", line, err)
			}
			sums = append(sums, s)
		}
	}
	if len(sums) != 2 || sums[0].Scenario != ScenarioPasskey || sums[1].Scenario != ScenarioTrackValidate ||
		sums[0].Users != 4 || sums[0].Concurrency != 2 || sums[0].Ops == 0 || sums[0].OpsPerSec <= 0 ||
		sums[0].P99ms <= 0 || sums[0].Server != ModeInProcess {
		t.Fatalf("summaries %+v from\n%s", sums, out.String())
	}
	if last := strings.TrimSpace(out.String()); !strings.HasPrefix(last[strings.LastIndexByte(last, '\n')+1:], "{") {
		t.Errorf("the output does not end with the JSON line:\n%s", out.String())
	}
}

func TestShortRunSQLite(t *testing.T) {
	runShort(t, "sqlite://"+filepath.Join(t.TempDir(), "load.db"))
}

func TestShortRunPostgres(t *testing.T) {
	runShort(t, testPostgres(t))
}

// testPostgres returns the PostgreSQL server to test on, or skips the test.
func testPostgres(t *testing.T) string {
	t.Helper()
	url := os.Getenv("UPLIFT_TEST_POSTGRES")
	if url == "" {
		if os.Getenv("UPLIFT_REQUIRE_POSTGRES") != "" {
			t.Fatal("UPLIFT_REQUIRE_POSTGRES is set but UPLIFT_TEST_POSTGRES is empty")
		}
		t.Skip("UPLIFT_TEST_POSTGRES is not set")
	}
	return url
}

// runEmail runs the email scenario for about a second against a server in
// this process. 60 users allow one code every half second, so the paced
// load makes two or three sign-ins, and none may fail.
func runEmail(t *testing.T, dbURL string) {
	t.Helper()
	var out, progress bytes.Buffer
	o := Options{InProcess: true, DatabaseURL: dbURL, Users: 60, SetupConcurrency: 8,
		Duration: time.Second, SetupTimeout: time.Minute, Scenarios: []string{ScenarioEmail}, Concurrencies: []int{3}}
	results, err := Run(context.Background(), o, &out, &progress)
	if err != nil {
		t.Fatalf("run: %v\n%s\n%s", err, out.String(), progress.String())
	}
	if len(results) != 1 {
		t.Fatalf("got %d results, want 1", len(results))
	}
	r := results[0]
	if r.ErrorCount() != 0 || r.Ops() == 0 || r.Ops() > 3 {
		t.Fatalf("%d ops in 1 s paced at 2/s, errors %v %v\n%s", r.Ops(), r.Errors, r.ErrorText, progress.String())
	}
	var names []string
	for _, s := range r.Steps {
		names = append(names, s.Name)
		if s.Latency.Count() < r.Ops() {
			t.Errorf("step %s timed %d times for %d ops", s.Name, s.Latency.Count(), r.Ops())
		}
	}
	if want := []string{"track", "challenge", "email", "verify", "validate"}; !slices.Equal(names, want) {
		t.Errorf("steps %v, want %v", names, want)
	}
	last := strings.TrimSpace(out.String())
	var sum Summary
	if err := json.Unmarshal([]byte(last[strings.LastIndexByte(last, '\n')+1:]), &sum); err != nil {
		t.Fatalf("last line: %v\n%s", err, out.String())
	}
	if sum.Scenario != ScenarioEmail || sum.Ops != r.Ops() || sum.Errors != 0 || sum.CodeRate != 2 || sum.ThrottleWait <= 0 {
		t.Errorf("summary %+v", sum)
	}
}

func TestEmailRunSQLite(t *testing.T) {
	runEmail(t, "sqlite://"+filepath.Join(t.TempDir(), "load.db"))
}

func TestEmailRunPostgres(t *testing.T) {
	runEmail(t, testPostgres(t))
}

// TestSpawnProcess builds the server and runs it as `uplift serve`, the
// tool's default way of measuring.
func TestSpawnProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/uplift")
	}
	var out, progress bytes.Buffer
	o := Options{Spawn: true, Users: 3, SetupConcurrency: 3, Duration: 300 * time.Millisecond,
		SetupTimeout: time.Minute, Scenarios: []string{ScenarioPasskey, ScenarioEmail}, Concurrencies: []int{2}}
	results, err := Run(context.Background(), o, &out, &progress)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, progress.String())
	}
	if len(results) != 2 {
		t.Fatalf("got %d results, want 2\n%s", len(results), out.String())
	}
	for _, r := range results {
		if r.ErrorCount() != 0 || r.Ops() == 0 || r.Database != "sqlite" || r.ServerRSS <= 0 {
			t.Errorf("%s: ops %d errors %v database %q rss %d\n%s", r.Scenario, r.Ops(), r.ErrorText, r.Database, r.ServerRSS, out.String())
		}
	}
}

func TestReadRSS(t *testing.T) {
	rss, peak, err := readRSS(os.Getpid())
	if err != nil || rss <= 0 || peak < rss {
		t.Fatalf("readRSS = %d, %d, %v", rss, peak, err)
	}
}

// TestSpawnFailureCleansUp runs a server binary that cannot start: Run
// says why and removes what it made, instead of failing on its way out.
func TestSpawnFailureCleansUp(t *testing.T) {
	var out, progress bytes.Buffer
	o := Options{Spawn: true, ServerBin: filepath.Join(t.TempDir(), "missing"), Users: 1, SetupConcurrency: 1,
		Duration: 100 * time.Millisecond, SetupTimeout: 5 * time.Second, Scenarios: []string{ScenarioPasskey}, Concurrencies: []int{1}}
	if _, err := Run(context.Background(), o, &out, &progress); err == nil {
		t.Fatalf("a missing server binary ran\n%s", progress.String())
	} else if !strings.Contains(err.Error(), "uplift tenant create") {
		t.Errorf("run: %v, want the server's failure to start", err)
	}
}
