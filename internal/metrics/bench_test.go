package metrics_test

import (
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/metrics"
	"github.com/uplift-dev/uplift/internal/model"
)

// BenchmarkEvents is the cost of counting one request and one sign-in.
func BenchmarkEvents(b *testing.B) {
	m := metrics.New(metrics.Sources{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Request("POST /v1/client/verify/passkey", 200, 3*time.Millisecond)
			m.SignIn(model.MethodPasskey, model.ResultSucceeded)
		}
	})
}
