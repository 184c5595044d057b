package loadtest

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The server's figures the tool reads from its /metrics before and after
// each measured run, to show beside its own where the time went: the
// server's latency by route (without the network and the tool), the
// database pools' waits, and SQLite's writer batches.

// metricsSnapshot is the server's /metrics at one moment.
type metricsSnapshot map[string]*dto.MetricFamily

// scrapeMetrics reads the metrics at url (the text format).
func scrapeMetrics(ctx context.Context, c *http.Client, url string) (metricsSnapshot, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, res.Status)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	return p.TextToMetricFamilies(io.LimitReader(res.Body, 16<<20))
}

// ServerFigures is what the server's metrics say of one measured run.
type ServerFigures struct {
	// Routes are the requests the server answered, by route pattern.
	Routes []RouteFigures `json:"routes"`
	// PoolWaits are the waits for a database connection, by pool.
	PoolWaits map[string]PoolWait `json:"db_pool_waits,omitempty"`
	// Batches and BatchSize are SQLite's writer commits and the mean
	// number of transactions in one; QueueWaitMs the mean wait of a
	// transaction for its batch.
	Batches     float64 `json:"sqlite_batches,omitempty"`
	BatchSize   float64 `json:"sqlite_batch_size,omitempty"`
	QueueWaitMs float64 `json:"sqlite_queue_wait_ms,omitempty"`
	// SignIns counts the verifications by method and result.
	SignIns map[string]float64 `json:"sign_ins,omitempty"`
	// GCCycles is how many garbage collections ran.
	GCCycles float64 `json:"gc_cycles"`
}

// RouteFigures is the server's own latency of one route.
type RouteFigures struct {
	Route    string  `json:"route"`
	Requests float64 `json:"requests"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
	MeanMs   float64 `json:"mean_ms"`
}

// PoolWait is the waits for a connection of one pool.
type PoolWait struct {
	Waits  float64 `json:"waits"`
	WaitMs float64 `json:"wait_ms"`
}

// serverFigures is what changed between two snapshots.
func serverFigures(before, after metricsSnapshot) *ServerFigures {
	f := &ServerFigures{PoolWaits: map[string]PoolWait{}, SignIns: map[string]float64{}}
	f.Routes = routeFigures(before, after)
	for pool, n := range delta(before, after, "uplift_db_waits_total", "pool") {
		if n > 0 {
			f.PoolWaits[pool] = PoolWait{Waits: n, WaitMs: round(delta(before, after, "uplift_db_wait_seconds_total", "pool")[pool]*1000, 1000)}
		}
	}
	f.Batches = delta(before, after, "uplift_sqlite_batches_total")[""]
	if f.Batches > 0 {
		tx := delta(before, after, "uplift_sqlite_batched_transactions_total")[""]
		f.BatchSize = round(tx/f.Batches, 100)
		if tx > 0 {
			f.QueueWaitMs = round(delta(before, after, "uplift_sqlite_queue_wait_seconds_total")[""]*1000/tx, 1000)
		}
	}
	for k, n := range delta(before, after, "uplift_sign_ins_total", "method", "result") {
		if n > 0 {
			f.SignIns[k] = n
		}
	}
	f.GCCycles = delta(before, after, "go_gc_duration_seconds")[""]
	return f
}

// delta returns how much each series of a counter (or the count of a
// summary) grew, keyed by the values of labels joined with spaces.
func delta(before, after metricsSnapshot, name string, labels ...string) map[string]float64 {
	out := map[string]float64{}
	value := func(m *dto.Metric) float64 {
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Summary != nil:
			return float64(m.Summary.GetSampleCount())
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		}
		return 0
	}
	if fam := after[name]; fam != nil {
		for _, m := range fam.Metric {
			out[key(m, labels)] += value(m)
		}
	}
	if fam := before[name]; fam != nil {
		for _, m := range fam.Metric {
			out[key(m, labels)] -= value(m)
		}
	}
	return out
}

func key(m *dto.Metric, labels []string) string {
	var parts []string
	for _, l := range labels {
		for _, p := range m.Label {
			if p.GetName() == l {
				parts = append(parts, p.GetValue())
			}
		}
	}
	return strings.Join(parts, " ")
}

// routeFigures returns each route's requests during the run and the
// quantiles of its latency, read from the growth of its histogram's
// buckets as Prometheus's histogram_quantile reads them (linearly within
// a bucket), busiest route first.
func routeFigures(before, after metricsSnapshot) []RouteFigures {
	type hist struct {
		count, sum float64
		buckets    map[float64]float64 // upper bound → cumulative count
	}
	routes := map[string]*hist{}
	add := func(snap metricsSnapshot, sign float64) {
		fam := snap["uplift_http_request_duration_seconds"]
		if fam == nil {
			return
		}
		for _, m := range fam.Metric {
			if m.Histogram == nil {
				continue
			}
			r := key(m, []string{"route"})
			h := routes[r]
			if h == nil {
				h = &hist{buckets: map[float64]float64{}}
				routes[r] = h
			}
			h.count += sign * float64(m.Histogram.GetSampleCount())
			h.sum += sign * m.Histogram.GetSampleSum()
			for _, b := range m.Histogram.Bucket {
				h.buckets[b.GetUpperBound()] += sign * float64(b.GetCumulativeCount())
			}
		}
	}
	add(after, 1)
	add(before, -1)
	var out []RouteFigures
	for r, h := range routes {
		if h.count <= 0 {
			continue
		}
		bounds := make([]float64, 0, len(h.buckets))
		for b := range h.buckets {
			bounds = append(bounds, b)
		}
		slices.Sort(bounds)
		q := func(q float64) float64 {
			rank := q * h.count
			lo, below := 0.0, 0.0
			for _, b := range bounds {
				n := h.buckets[b]
				if n >= rank {
					if math.IsInf(b, 1) {
						return lo * 1000 // beyond the last bound: its lower edge
					}
					return (lo + (b-lo)*(rank-below)/max(n-below, 1)) * 1000
				}
				lo, below = b, n
			}
			return lo * 1000
		}
		out = append(out, RouteFigures{Route: r, Requests: h.count, P50ms: round(q(0.5), 1000), P99ms: round(q(0.99), 1000),
			MeanMs: round(h.sum/h.count*1000, 1000)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Requests != out[j].Requests {
			return out[i].Requests > out[j].Requests
		}
		return out[i].Route < out[j].Route
	})
	return out
}

func round(v, scale float64) float64 { return math.Round(v*scale) / scale }

// print writes the figures under a run's report.
func (f *ServerFigures) print(w io.Writer) {
	fmt.Fprintln(w, "server      as its /metrics saw the run (latency inside the server, without the network and the tool):")
	for _, r := range f.Routes {
		fmt.Fprintf(w, "  %-66s %7.0f  p50 %s  p99 %s  mean %s\n", r.Route, r.Requests,
			fmtDur(msDur(r.P50ms)), fmtDur(msDur(r.P99ms)), fmtDur(msDur(r.MeanMs)))
	}
	if f.Batches > 0 {
		fmt.Fprintf(w, "  sqlite writer  %.0f commits, %.2f transactions each, %s mean wait for a batch\n",
			f.Batches, f.BatchSize, fmtDur(msDur(f.QueueWaitMs)))
	}
	pools := make([]string, 0, len(f.PoolWaits))
	for p := range f.PoolWaits {
		pools = append(pools, p)
	}
	slices.Sort(pools)
	waits := "none"
	if len(pools) > 0 {
		waits = ""
		for _, p := range pools {
			waits += fmt.Sprintf("%s %.0f (%s in all)  ", p, f.PoolWaits[p].Waits, fmtDur(msDur(f.PoolWaits[p].WaitMs)))
		}
	}
	fmt.Fprintf(w, "  db pool waits  %s\n", strings.TrimSpace(waits))
	kinds := make([]string, 0, len(f.SignIns))
	for k := range f.SignIns {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		fmt.Fprintf(w, "  sign-ins       %s %.0f\n", k, f.SignIns[k])
	}
	fmt.Fprintf(w, "  go             %.0f garbage collections\n", f.GCCycles)
}

func msDur(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }
