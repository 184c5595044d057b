package config

import (
	"flag"
	"fmt"
	"net"
	"strings"
)

// Metrics says where the Prometheus metrics are served. They are off by
// default: GET /metrics is then not found.
type Metrics struct {
	// OnMain serves GET /metrics on the main listener (UPLIFT_METRICS=on,
	// -metrics on); the TLS proxy in front must then keep /metrics from
	// the public.
	OnMain bool
	// Addr, when set, serves them on a listener of their own, such as
	// 127.0.0.1:9090 (UPLIFT_METRICS_ADDR, -metrics-addr).
	Addr string
}

// Enabled reports whether the metrics are served anywhere.
func (m Metrics) Enabled() bool { return m.OnMain || m.Addr != "" }

// metricsFlags registers the metrics' flags on fs and returns the
// function that resolves them, flags first, against the environment.
func metricsFlags(fs *flag.FlagSet, getenv func(string) string) func() (Metrics, error) {
	on := fs.String("metrics", "", "serve GET /metrics on the main listener: on or off (env UPLIFT_METRICS, default off)")
	addr := fs.String("metrics-addr", "", "serve the metrics on this address of their own, such as 127.0.0.1:9090 (env UPLIFT_METRICS_ADDR)")
	return func() (Metrics, error) {
		var m Metrics
		switch v := strings.ToLower(pick(*on, getenv("UPLIFT_METRICS"), "off")); v {
		case "on":
			m.OnMain = true
		case "off":
		default:
			return m, fmt.Errorf("UPLIFT_METRICS must be on or off, got %q", v)
		}
		m.Addr = pick(*addr, getenv("UPLIFT_METRICS_ADDR"))
		if m.Addr != "" {
			if _, port, err := net.SplitHostPort(m.Addr); err != nil || port == "" {
				return m, fmt.Errorf("UPLIFT_METRICS_ADDR must be host:port, such as 127.0.0.1:9090, got %q", m.Addr)
			}
		}
		return m, nil
	}
}
