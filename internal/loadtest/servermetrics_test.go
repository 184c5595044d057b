package loadtest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func parseSnapshot(t *testing.T, text string) metricsSnapshot {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	m, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestServerFiguresAreTheRunsGrowth: the figures are what grew between
// the two readings, the quantiles read from the buckets' growth.
func TestServerFiguresAreTheRunsGrowth(t *testing.T) {
	before := parseSnapshot(t, `
# TYPE uplift_http_request_duration_seconds histogram
uplift_http_request_duration_seconds_bucket{code="2xx",route="POST /v1/verify",le="0.001"} 100
uplift_http_request_duration_seconds_bucket{code="2xx",route="POST /v1/verify",le="0.01"} 100
uplift_http_request_duration_seconds_bucket{code="2xx",route="POST /v1/verify",le="+Inf"} 100
uplift_http_request_duration_seconds_sum{code="2xx",route="POST /v1/verify"} 0.05
uplift_http_request_duration_seconds_count{code="2xx",route="POST /v1/verify"} 100
# TYPE uplift_sqlite_batches_total counter
uplift_sqlite_batches_total 10
# TYPE uplift_sqlite_batched_transactions_total counter
uplift_sqlite_batched_transactions_total 10
# TYPE uplift_sqlite_queue_wait_seconds_total counter
uplift_sqlite_queue_wait_seconds_total 1
# TYPE uplift_db_waits_total counter
uplift_db_waits_total{pool="reader"} 3
# TYPE uplift_db_wait_seconds_total counter
uplift_db_wait_seconds_total{pool="reader"} 0.5
`)
	after := parseSnapshot(t, `
# TYPE uplift_http_request_duration_seconds histogram
uplift_http_request_duration_seconds_bucket{code="2xx",route="POST /v1/verify",le="0.001"} 100
uplift_http_request_duration_seconds_bucket{code="2xx",route="POST /v1/verify",le="0.01"} 300
uplift_http_request_duration_seconds_bucket{code="2xx",route="POST /v1/verify",le="+Inf"} 300
uplift_http_request_duration_seconds_sum{code="2xx",route="POST /v1/verify"} 1.05
uplift_http_request_duration_seconds_count{code="2xx",route="POST /v1/verify"} 300
uplift_http_request_duration_seconds_bucket{code="4xx",route="POST /v1/verify",le="0.001"} 0
uplift_http_request_duration_seconds_bucket{code="4xx",route="POST /v1/verify",le="0.01"} 0
uplift_http_request_duration_seconds_bucket{code="4xx",route="POST /v1/verify",le="+Inf"} 0
uplift_http_request_duration_seconds_sum{code="4xx",route="POST /v1/verify"} 0
uplift_http_request_duration_seconds_count{code="4xx",route="POST /v1/verify"} 0
# TYPE uplift_sqlite_batches_total counter
uplift_sqlite_batches_total 60
# TYPE uplift_sqlite_batched_transactions_total counter
uplift_sqlite_batched_transactions_total 210
# TYPE uplift_sqlite_queue_wait_seconds_total counter
uplift_sqlite_queue_wait_seconds_total 1.4
# TYPE uplift_db_waits_total counter
uplift_db_waits_total{pool="reader"} 3
# TYPE uplift_db_wait_seconds_total counter
uplift_db_wait_seconds_total{pool="reader"} 0.5
`)
	f := serverFigures(before, after)
	if len(f.Routes) != 1 {
		t.Fatalf("routes = %+v, want one", f.Routes)
	}
	r := f.Routes[0]
	// 200 requests, all between 1 and 10 ms: the median halfway, at 5.5 ms.
	if r.Route != "POST /v1/verify" || r.Requests != 200 || r.P50ms != 5.5 || r.MeanMs != 5 || r.P99ms != 9.91 {
		t.Errorf("route figures = %+v", r)
	}
	if f.Batches != 50 || f.BatchSize != 4 || f.QueueWaitMs != 2 {
		t.Errorf("sqlite figures: %v batches of %v, wait %v ms; want 50 of 4, 2 ms", f.Batches, f.BatchSize, f.QueueWaitMs)
	}
	if len(f.PoolWaits) != 0 {
		t.Errorf("pool waits = %v, want none: none grew", f.PoolWaits)
	}
}

// TestSpawnWithServerMetricsAndTraces: a spawned server with its metrics
// on their own listener and tracing on reports its side of the run.
func TestSpawnWithServerMetricsAndTraces(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/uplift")
	}
	var out, progress bytes.Buffer
	o := Options{Spawn: true, ServerMetrics: true, Trace: true, Users: 3, SetupConcurrency: 3,
		Warmup: 200 * time.Millisecond, Duration: 500 * time.Millisecond,
		SetupTimeout: time.Minute, Scenarios: []string{ScenarioPasskey}, Concurrencies: []int{2}}
	results, err := Run(context.Background(), o, &out, &progress)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, progress.String())
	}
	r := results[0]
	if r.Server == nil {
		t.Fatalf("no server figures (%v)\n%s", r.MetricsErr, out.String())
	}
	verified := 0.0
	for _, rf := range r.Server.Routes {
		if rf.Route == "POST /v1/client/verify/passkey" {
			verified = rf.Requests
		}
	}
	if ops := float64(r.Ops()); verified < ops*0.9 || verified > ops*1.1+2 {
		t.Errorf("the server answered %v passkey verifications, the tool counted %v\n%s", verified, ops, out.String())
	}
	if r.Server.SignIns["PASSKEY succeeded"] == 0 || r.Server.Batches == 0 {
		t.Errorf("sign-ins %v, batches %v\n%s", r.Server.SignIns, r.Server.Batches, out.String())
	}
	if r.Spans == 0 {
		t.Errorf("no spans received\n%s", out.String())
	}
	if !strings.Contains(out.String(), "as its /metrics saw the run") {
		t.Errorf("the report lacks the server's figures:\n%s", out.String())
	}
}
