package metrics

import "github.com/prometheus/client_golang/prometheus"

// sourceCollector reads the database pools and SQLite's writer at each
// scrape: they keep their own counts, so nothing is counted twice and
// the request path pays nothing for them.
type sourceCollector struct{ src Sources }

var (
	poolOpen = prometheus.NewDesc("uplift_db_connections_open",
		"Database connections open, by pool.", []string{"pool"}, nil)
	poolInUse = prometheus.NewDesc("uplift_db_connections_in_use",
		"Database connections in use, by pool.", []string{"pool"}, nil)
	poolIdle = prometheus.NewDesc("uplift_db_connections_idle",
		"Database connections idle, by pool.", []string{"pool"}, nil)
	poolWaits = prometheus.NewDesc("uplift_db_waits_total",
		"Times a query waited for a free connection, by pool.", []string{"pool"}, nil)
	poolWait = prometheus.NewDesc("uplift_db_wait_seconds_total",
		"Time spent waiting for a free connection, by pool.", []string{"pool"}, nil)
	writerQueued = prometheus.NewDesc("uplift_sqlite_writer_queue",
		"Write transactions waiting for SQLite's writer.", nil, nil)
	writerBatches = prometheus.NewDesc("uplift_sqlite_batches_total",
		"Commits of SQLite's writer, each holding one or more transactions.", nil, nil)
	writerTx = prometheus.NewDesc("uplift_sqlite_batched_transactions_total",
		"Write transactions committed by SQLite's writer; divided by the batches, the mean batch size.", nil, nil)
	writerWait = prometheus.NewDesc("uplift_sqlite_queue_wait_seconds_total",
		"Time write transactions waited for their batch to start.", nil, nil)
)

// Describe sends the descriptions of the figures.
func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolOpen, poolInUse, poolIdle, poolWaits, poolWait,
		writerQueued, writerBatches, writerTx, writerWait} {
		ch <- d
	}
}

// Collect reads the figures.
func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	if c.src.Pools != nil {
		for name, p := range c.src.Pools() {
			ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(p.Open), name)
			ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(p.InUse), name)
			ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(p.Idle), name)
			ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(p.WaitCount), name)
			ch <- prometheus.MustNewConstMetric(poolWait, prometheus.CounterValue, p.WaitDuration.Seconds(), name)
		}
	}
	if c.src.Writer != nil {
		if w, ok := c.src.Writer(); ok {
			ch <- prometheus.MustNewConstMetric(writerQueued, prometheus.GaugeValue, float64(w.Queued))
			ch <- prometheus.MustNewConstMetric(writerBatches, prometheus.CounterValue, float64(w.Batches))
			ch <- prometheus.MustNewConstMetric(writerTx, prometheus.CounterValue, float64(w.Transactions))
			ch <- prometheus.MustNewConstMetric(writerWait, prometheus.CounterValue, w.QueueWait.Seconds())
		}
	}
}
