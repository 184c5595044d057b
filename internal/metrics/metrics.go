// Package metrics holds Uplift's Prometheus metrics: requests by route
// and status class, sign-ins and challenges, the uplift prompt, codes
// sent and refused, rate-limit refusals, the database pools, SQLite's
// writer and the Go runtime. They live on a registry of their own, served
// by Handler; the domain packages report to it through model.Events and
// never import Prometheus.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/uplift-dev/uplift/internal/model"
)

// Metrics is the server's set of metrics. Its methods are safe for
// concurrent use. Every label takes its value from a small fixed set:
// route patterns (never paths), status classes, method names, outcomes,
// reasons; nothing a caller sends and no user's id.
type Metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.HistogramVec
	signIns     *prometheus.CounterVec
	challenges  *prometheus.CounterVec
	decisions   *prometheus.CounterVec
	prompts     *prometheus.CounterVec
	codesSent   *prometheus.CounterVec
	codesRefuse *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
}

// Sources are the figures read at each scrape rather than counted as
// they happen. Either may be nil.
type Sources struct {
	// Pools returns the database connection pools by name ("reader",
	// "writer"; one pool on PostgreSQL serves both).
	Pools func() map[string]PoolStats
	// Writer returns SQLite's writer queue figures; ok is false on
	// PostgreSQL, which has none.
	Writer func() (w WriterStats, ok bool)
}

// PoolStats is what the metrics read of a database connection pool.
type PoolStats struct {
	Open, InUse, Idle int
	// WaitCount and WaitDuration add up the waits for a free connection.
	WaitCount    int64
	WaitDuration time.Duration
}

// WriterStats is what the metrics read of SQLite's single writer, which
// runs concurrent write transactions several to a commit.
type WriterStats struct {
	// Queued is how many transactions wait for the writer now.
	Queued int
	// Batches and Transactions count the commits and the transactions
	// they held: Transactions/Batches is the mean batch size.
	Batches, Transactions int64
	// QueueWait adds up the time transactions waited for their batch.
	QueueWait time.Duration
}

// latencyBuckets spans a cached read (well under a millisecond) to a
// request held up by a slow database (seconds).
var latencyBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// New returns the metrics, reading src at each scrape.
func New(src Sources) *Metrics {
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "uplift", Name: name, Help: help}, labels)
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "uplift", Name: "http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern and status class; its _count counts the requests.",
			Buckets: latencyBuckets}, []string{"route", "code"}),
		signIns:     counter("sign_ins_total", "Verifications of a passkey, security key, code or link, by method and result.", "method", "result"),
		challenges:  counter("challenges_total", "Challenges started or refused, by method and result.", "method", "result"),
		decisions:   counter("uplift_decisions_total", "Decisions of the passkey uplift prompt, by reason.", "reason"),
		prompts:     counter("prompt_outcomes_total", "What happened with a decided prompt: shown, accepted, dismissed, failed.", "outcome"),
		codesSent:   counter("codes_sent_total", "Codes and email links delivered, by method.", "method"),
		codesRefuse: counter("codes_refused_total", "Code sends refused, by method and throttle (throttle, ceiling, locked).", "method", "throttle"),
		rateLimited: counter("rate_limit_refusals_total", "Requests refused by a request-rate limit, by limit.", "limit"),
	}
	m.reg.MustRegister(m.requests, m.signIns, m.challenges, m.decisions, m.prompts, m.codesSent, m.codesRefuse, m.rateLimited,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&sourceCollector{src: src})
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registry returns the registry the metrics are on, for tests to gather.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Request counts one answered request: route is the pattern that served
// it ("unmatched" when none did), status the HTTP status written.
func (m *Metrics) Request(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, statusClass(status)).Observe(d.Seconds())
}

// RateLimited counts a request refused by the named limit.
func (m *Metrics) RateLimited(limit string) { m.rateLimited.WithLabelValues(limit).Inc() }

// SignIn counts a verification; see model.Events.
func (m *Metrics) SignIn(method model.VerificationMethod, result model.Result) {
	m.signIns.WithLabelValues(methodLabel(method), string(result)).Inc()
}

// Challenge counts a challenge; see model.Events.
func (m *Metrics) Challenge(method model.VerificationMethod, result model.Result) {
	m.challenges.WithLabelValues(methodLabel(method), string(result)).Inc()
}

// UpliftDecision counts a decision of the prompt by its reason.
func (m *Metrics) UpliftDecision(reason string) { m.decisions.WithLabelValues(reason).Inc() }

// PromptOutcome counts what happened with a decided prompt.
func (m *Metrics) PromptOutcome(kind model.UpliftEventKind) {
	m.prompts.WithLabelValues(string(kind)).Inc()
}

// CodeSent counts a code or link delivered.
func (m *Metrics) CodeSent(method model.VerificationMethod) {
	m.codesSent.WithLabelValues(methodLabel(method)).Inc()
}

// CodeRefused counts a send a throttle refused.
func (m *Metrics) CodeRefused(method model.VerificationMethod, throttle string) {
	m.codesRefuse.WithLabelValues(methodLabel(method), throttle).Inc()
}

var _ model.Events = (*Metrics)(nil)

// methodLabel keeps the method label to the methods Uplift knows: a
// method a caller named and Uplift does not know counts as "other".
func methodLabel(m model.VerificationMethod) string {
	if m.Valid() {
		return string(m)
	}
	return "other"
}

// statusClass is 2xx, 3xx, 4xx or 5xx; none written counts as 2xx,
// the 200 net/http then sends, and any other status as "other".
func statusClass(status int) string {
	switch {
	case status == 0:
		return "2xx"
	case status < 200 || status >= 600:
		return "other"
	}
	return statusClasses[status/100-2]
}

var statusClasses = [...]string{"2xx", "3xx", "4xx", "5xx"}
