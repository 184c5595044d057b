package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestMetricsOnTheirOwnListener: with UPLIFT_METRICS_ADDR the metrics are
// served there, with the database pools and SQLite's writer, and the main
// listener does not serve them.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := ln.Addr().String()
	ln.Close()
	c := newCLI(t)
	c.env["UPLIFT_METRICS_ADDR"] = metricsAddr
	base := startCommand(t, c, "serve")

	if res, err := http.Get(base + "/metrics"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics on the main listener = %v, %v; want 404", res.StatusCode, err)
	}
	res, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	text := string(body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics on its own listener = %d", res.StatusCode)
	}
	for _, want := range []string{
		`uplift_db_connections_in_use{pool="reader"}`, `uplift_db_wait_seconds_total{pool="writer"}`,
		`uplift_sqlite_batches_total `, `uplift_sqlite_writer_queue `, `uplift_sqlite_queue_wait_seconds_total `,
		`uplift_http_request_duration_seconds_count{code="2xx",route="GET /readyz"}`,
		`uplift_http_request_duration_seconds_count{code="4xx",route="unmatched"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the metrics lack %s", want)
		}
	}
}

// TestMetricsAddressInUse: a metrics address that cannot be listened on
// stops the start, naming the variable.
func TestMetricsAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c := newCLI(t)
	c.env["UPLIFT_ADDR"] = "127.0.0.1:0"
	c.env["UPLIFT_METRICS_ADDR"] = ln.Addr().String()
	if _, _, err := c.run("serve"); err == nil || !strings.Contains(err.Error(), "UPLIFT_METRICS_ADDR") {
		t.Errorf("serve with the metrics address in use: %v, want an error naming UPLIFT_METRICS_ADDR", err)
	}
}
