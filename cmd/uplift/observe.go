package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/uplift-dev/uplift/internal/config"
	"github.com/uplift-dev/uplift/internal/metrics"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/tracing"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// observability is what lets an operator watch the server: the
// Prometheus metrics, when asked for, and traces, when an OTLP endpoint
// is set. Either may be nil.
type observability struct {
	metrics *metrics.Metrics
	tracer  *tracing.Tracer
	// events is the metrics as the domain hears of them, or nil.
	events model.Events
	// ln is the metrics' own listener, when they have one.
	ln net.Listener
}

// observe sets up the metrics and tracing cfg and the environment ask for,
// over st, and installs the tracer's hook on st's transactions.
func observe(ctx context.Context, cfg config.Config, getenv func(string) string, st *store.Store) (*observability, error) {
	o := &observability{}
	tr, err := tracing.FromEnv(ctx, getenv)
	if err != nil {
		return nil, err
	}
	if tr != nil {
		o.tracer = tr
		system := "sqlite"
		if st.Dialect() == store.Postgres {
			system = "postgresql"
		}
		st.SetTxHook(tr.Transaction(system))
	}
	if !cfg.Metrics.Enabled() {
		return o, nil
	}
	o.metrics = metrics.New(storeSources(st))
	o.events = o.metrics
	if cfg.Metrics.Addr != "" {
		if o.ln, err = net.Listen("tcp", cfg.Metrics.Addr); err != nil {
			o.tracer.Shutdown(ctx)
			return nil, fmt.Errorf("UPLIFT_METRICS_ADDR: %w", err)
		}
	}
	return o, nil
}

// serverOptions are the server's options for o.
func (o *observability) serverOptions(cfg config.Config) []server.Option {
	var opts []server.Option
	if o.metrics != nil {
		opts = append(opts, server.WithMetrics(o.metrics, cfg.Metrics.OnMain))
	}
	if o.tracer != nil {
		opts = append(opts, server.WithTracer(o.tracer))
	}
	return opts
}

// webhookClient is the client webhook deliveries go out on: with a
// tracer, webhooks.NewClient's with a span for each delivery and the
// trace in its traceparent header; without one nil, the default.
func (o *observability) webhookClient(allowPrivate bool) *http.Client {
	if o.tracer == nil {
		return nil
	}
	c := webhooks.NewClient(allowPrivate)
	c.Transport = o.tracer.Transport(c.Transport)
	return c
}

// run serves the metrics on their own listener, if they have one, until
// ctx is done or the returned function is called; that function closes
// the listener and waits for the last spans to leave.
func (o *observability) run(ctx context.Context, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if o.ln == nil {
			return
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", o.metrics.Handler())
		hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		log.Info("metrics listening", "addr", o.ln.Addr().String())
		go func() {
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			hs.Shutdown(sctx)
		}()
		if err := hs.Serve(o.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("metrics listener stopped", "err", err)
		}
	}()
	return func() {
		cancel()
		<-done
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := o.tracer.Shutdown(sctx); err != nil {
			log.Warn("export the last traces", "err", err)
		}
	}
}

// storeSources reads st's connection pools and, on SQLite, its writer,
// at each scrape.
func storeSources(st *store.Store) metrics.Sources {
	pool := func(s sql.DBStats) metrics.PoolStats {
		return metrics.PoolStats{Open: s.OpenConnections, InUse: s.InUse, Idle: s.Idle, WaitCount: s.WaitCount, WaitDuration: s.WaitDuration}
	}
	return metrics.Sources{
		Pools: func() map[string]metrics.PoolStats {
			s := st.Stats()
			if st.Dialect() == store.Postgres {
				return map[string]metrics.PoolStats{"shared": pool(s.Readers)}
			}
			return map[string]metrics.PoolStats{"reader": pool(s.Readers), "writer": pool(s.Writer)}
		},
		Writer: func() (metrics.WriterStats, bool) {
			s := st.Stats()
			return metrics.WriterStats{Queued: s.Queued, Batches: s.Batches, Transactions: s.Transactions, QueueWait: s.QueueWait}, s.Batched
		},
	}
}
