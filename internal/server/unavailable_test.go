package server_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"testing"

	"github.com/uplift-dev/uplift/internal/ratelimit"
)

// TestRefusalsAreLimited: the Client API's answers to calls Uplift cannot
// serve (docs/sdk-compatibility.md) are limited per address like every
// other Client API call, so they cost a flood nothing more, and the
// limit's refusal is readable by the tenant's pages.
func TestRefusalsAreLimited(t *testing.T) {
	e := newLimited(t, ratelimit.Limits{IP: ratelimit.Limit{Rate: 1, Burst: 5}, Tenant: ratelimit.Limit{Rate: 100, Burst: 1000}})
	tenant, _ := e.Tenant("acme")
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(tenant.ID))
	for i, q := range []request{
		{method: "POST", path: "/v1/client/challenge/push", auth: basic, body: "{}"},
		{method: "POST", path: "/v1/client/verify/qr-code", auth: basic, body: "{}"},
		{method: "POST", path: "/v1/client/challenge/whatsapp", auth: basic, body: "{}"},
		{method: "POST", path: "/v1/client/challenge/web", auth: basic, body: "{}"},
		{method: "GET", path: "/ws-v1-challenge", header: http.Header{"Sec-Websocket-Protocol": {"authsignal-ws, x.authsignal.tenant." + tenant.ID}}},
	} {
		t.Run(q.path, func(t *testing.T) {
			q.remote = fmt.Sprintf("203.0.113.%d:40000", i+1)
			q.header = q.header.Clone()
			if q.header == nil {
				q.header = http.Header{}
			}
			q.header.Set("Origin", tenant.Origins[0])
			statuses, refused := e.flood(20, func(int) request { return q })
			if statuses[http.StatusBadRequest] != 5 || statuses[http.StatusTooManyRequests] != 15 {
				t.Errorf("20 from one address: %v, want 5 refused as unavailable (the burst) and 15 as too many", statuses)
			}
			checkJSONRefusal(t, refused, "1")
			if got := refused.Header().Get("Access-Control-Allow-Origin"); got != tenant.Origins[0] {
				t.Errorf("the limit's refusal allows origin %q, want the tenant's %q", got, tenant.Origins[0])
			}
		})
	}
}
