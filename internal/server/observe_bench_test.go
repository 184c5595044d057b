package server_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/metrics"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/tracing"
)

// BenchmarkObservedRequest is what the metrics and tracing add to one
// request (the cheapest route, so that their share shows): off, metrics
// on, and metrics and tracing on with spans batched to an exporter that
// drops them.
func BenchmarkObservedRequest(b *testing.B) {
	tr := tracing.New(trace.NewBatchSpanProcessor(tracetest.NewNoopExporter()), "bench")
	b.Cleanup(func() { tr.Shutdown(b.Context()) })
	for _, bc := range []struct {
		name string
		opts []server.Option
	}{
		{"off", nil},
		{"metrics", []server.Option{server.WithMetrics(metrics.New(metrics.Sources{}), false)}},
		{"metrics+tracing", []server.Option{server.WithMetrics(metrics.New(metrics.Sources{}), false), server.WithTracer(tr)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := apitest.NewWith(b, apitest.Options{Server: bc.opts}).Handler
			req := httptest.NewRequest("GET", "/healthz", nil)
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}
