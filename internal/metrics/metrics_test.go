package metrics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/metrics"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/ratelimit"
	"github.com/uplift-dev/uplift/internal/server"
)

// scrape returns what GET /metrics answers on h.
func scrape(t *testing.T, h http.Handler) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, string(body)
}

// value returns the value of the sample series names in the text format
// (its name and labels, labels in alphabetical order), or 0 when absent.
func value(t *testing.T, text, series string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(text)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatalf("%s: %v", series, err)
	}
	return v
}

func newEnv(t *testing.T, o apitest.Options, serve bool) (*apitest.Env, *metrics.Metrics) {
	t.Helper()
	m := metrics.New(metrics.Sources{})
	o.Events = m
	o.Server = append(o.Server, server.WithMetrics(m, serve))
	return apitest.NewWith(t, o), m
}

// TestRouteLabelsAreBounded: a request to a path holding a user's id is
// counted under its route pattern and status class; the id appears
// nowhere in the metrics.
func TestRouteLabelsAreBounded(t *testing.T) {
	e, _ := newEnv(t, apitest.Options{}, true)
	_, key := e.Tenant("Acme")
	e.Do(key, "POST", "/v1/users/user-8f3a9c/actions/signIn", map[string]any{}).MustOK(t)
	e.Do(key, "GET", "/v1/users/user-8f3a9c", nil)
	e.Do(key, "GET", "/v1/users/user-8f3a9c", nil)
	e.Do("", "GET", "/no/such/page/user-8f3a9c", nil)
	code, text := scrape(t, e.Handler)
	if code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", code)
	}
	if strings.Contains(text, "user-8f3a9c") {
		t.Error("the metrics name a user's id")
	}
	for series, want := range map[string]float64{
		`uplift_http_request_duration_seconds_count{code="2xx",route="POST /v1/users/{userId}/actions/{action}"}`: 1,
		`uplift_http_request_duration_seconds_count{code="2xx",route="GET /v1/users/{userId}"}`:                   2,
		`uplift_http_request_duration_seconds_count{code="4xx",route="unmatched"}`:                                1,
	} {
		if got := value(t, text, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if !strings.Contains(text, "go_goroutines ") || !strings.Contains(text, "go_gc_duration_seconds") {
		t.Error("the Go runtime's metrics are missing")
	}
}

// TestMetricsNotFoundUnlessServed: /metrics is not found on the main
// listener by default, nor when the metrics are kept for a listener of
// their own; the requests are counted all the same.
func TestMetricsNotFoundUnlessServed(t *testing.T) {
	if code, _ := scrape(t, apitest.New(t).Handler); code != http.StatusNotFound {
		t.Errorf("GET /metrics with metrics off = %d, want 404", code)
	}
	e, m := newEnv(t, apitest.Options{}, false)
	if code, _ := scrape(t, e.Handler); code != http.StatusNotFound {
		t.Errorf("GET /metrics with the metrics on their own listener = %d, want 404", code)
	}
	_, text := scrape(t, m.Handler())
	if got := value(t, text, `uplift_http_request_duration_seconds_count{code="4xx",route="unmatched"}`); got != 1 {
		t.Errorf("requests to /metrics counted = %v, want 1", got)
	}
}

// TestRateLimitRefusalsCounted: each request a limit refuses is counted
// under the limit's variable.
func TestRateLimitRefusalsCounted(t *testing.T) {
	limits := ratelimit.Defaults()
	limits.IP = ratelimit.Limit{Rate: 0.001, Burst: 2}
	e, m := newEnv(t, apitest.Options{Server: []server.Option{server.WithRateLimits(limits)}}, false)
	tenant, _ := e.Tenant("Acme")
	refused := 0
	for range 6 {
		if r := e.Do("", "GET", "/v1/client/public/"+tenant.ID+"/.well-known/jwks", nil); r.Status == http.StatusTooManyRequests {
			refused++
		}
	}
	if refused != 4 {
		t.Fatalf("refused %d of 6 requests, want 4", refused)
	}
	_, text := scrape(t, m.Handler())
	if got := value(t, text, `uplift_rate_limit_refusals_total{limit="UPLIFT_RATE_LIMIT_IP"}`); got != 4 {
		t.Errorf("refusals counted = %v, want 4", got)
	}
}

// TestCodesCounted: a code sent, a second one refused by the throttle,
// and a wrong code are counted as a challenge, a send, a refusal and a
// failed sign-in.
func TestCodesCounted(t *testing.T) {
	e, m := newEnv(t, apitest.Options{Email: notify.NewInbox(nil, 0, nil)}, false)
	_, key := e.Tenant("Acme")
	body := map[string]any{"verificationMethod": "EMAIL_OTP", "action": "signIn", "email": "ada@example.com", "userId": "ada"}
	id := e.Do(key, "POST", "/v1/challenge", body).MustOK(t).Str("challengeId")
	if r := e.Do(key, "POST", "/v1/challenge", body); r.Status != http.StatusTooManyRequests {
		t.Fatalf("second send = %d, want 429", r.Status)
	}
	if r := e.Do(key, "POST", "/v1/verify", map[string]any{"challengeId": id, "verificationCode": "000000"}).MustOK(t); r.JSON["isVerified"] != false {
		t.Fatalf("a wrong code verified: %s", r.Body)
	}
	// A method no one knows is counted as "other", never by its name.
	e.Do(key, "POST", "/v1/challenge", map[string]any{"verificationMethod": "NOT_A_METHOD_8f3a", "action": "signIn", "email": "a@example.com"})
	_, text := scrape(t, m.Handler())
	for series, want := range map[string]float64{
		`uplift_challenges_total{method="EMAIL_OTP",result="succeeded"}`:     1,
		`uplift_challenges_total{method="EMAIL_OTP",result="refused"}`:       1,
		`uplift_codes_sent_total{method="EMAIL_OTP"}`:                        1,
		`uplift_codes_refused_total{method="EMAIL_OTP",throttle="throttle"}`: 1,
		`uplift_sign_ins_total{method="EMAIL_OTP",result="failed"}`:          1,
		`uplift_sign_ins_total{method="EMAIL_OTP",result="succeeded"}`:       0,
	} {
		if got := value(t, text, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if strings.Contains(text, "NOT_A_METHOD") {
		t.Error("a method the caller named is a label value")
	}
}

// TestUpliftCounted: each decision of the prompt is counted by its
// reason, and what happened with a prompt by its outcome.
func TestUpliftCounted(t *testing.T) {
	ctx := context.Background()
	e, m := newEnv(t, apitest.Options{}, false)
	tenant, key := e.Tenant("Acme")
	ik := e.Do(key, "POST", "/v1/users/ada/actions/signIn", map[string]any{}).MustOK(t).Str("idempotencyKey")
	a, err := e.Service.SetActionState(ctx, tenant.ID, "ada", "signIn", ik, model.StateChallengeSucceeded)
	if err != nil {
		t.Fatal(err)
	}
	first, err := e.App.Prompt.EvaluateUplift(ctx, tenant, a, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Prompt.EvaluateUplift(ctx, tenant, a, ""); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []model.UpliftEventKind{model.UpliftShown, model.UpliftDismissed, model.UpliftShown} {
		if err := e.App.Prompt.RecordUplift(ctx, tenant, a, "device-1", kind, ""); err != nil {
			t.Fatal(err)
		}
	}
	_, text := scrape(t, m.Handler())
	for series, want := range map[string]float64{
		`uplift_uplift_decisions_total{reason="` + string(first.Reason) + `"}`: 2,
		`uplift_prompt_outcomes_total{outcome="shown"}`:                        2,
		`uplift_prompt_outcomes_total{outcome="dismissed"}`:                    1,
		`uplift_prompt_outcomes_total{outcome="accepted"}`:                     0,
	} {
		if got := value(t, text, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
}
