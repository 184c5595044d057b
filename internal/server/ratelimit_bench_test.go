package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/ratelimit"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// BenchmarkLimitsPerSignIn is what the limits add to a passkey sign-in
// through the Client API (options, then verify: two requests, each
// checked per address and per tenant), with limits on but never reached
// and with them off; 1,000 client addresses.
func BenchmarkLimitsPerSignIn(b *testing.B) {
	huge := ratelimit.Limit{Rate: 1e9, Burst: 1e9}
	for _, tc := range []struct {
		name   string
		limits ratelimit.Limits
	}{
		{"off", ratelimit.Limits{}},
		{"on", ratelimit.Limits{IP: huge, Tenant: huge}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := &Server{log: slog.New(slog.DiscardHandler), limits: newLimiters(tc.limits, time.Now)}
			h := s.clientLimited(func(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error { return nil })
			caller := tenancy.ClientCaller{Tenant: model.Tenant{ID: "0198c2a4-5f0e-7c3a-9d41-2b6e8f1a0c77"}}
			reqs := make([]*http.Request, 1000)
			for i := range reqs {
				reqs[i] = httptest.NewRequest("POST", "/v1/client/verify/passkey", nil)
				reqs[i].RemoteAddr = fmt.Sprintf("198.51.%d.%d:443", i/256, i%256)
			}
			w := httptest.NewRecorder()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				r := reqs[i%len(reqs)]
				for range 2 {
					if err := h(w, r, caller); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
