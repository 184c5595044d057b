package loadtest

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Summary is the machine-readable line printed after each measurement.
type Summary struct {
	Scenario    string         `json:"scenario"`
	Users       int            `json:"users"`
	Concurrency int            `json:"concurrency"`
	Duration    float64        `json:"duration"` // seconds measured
	Ops         uint64         `json:"ops"`
	OpsPerSec   float64        `json:"ops_per_sec"`
	Errors      int            `json:"errors"`
	ErrorKinds  map[string]int `json:"error_kinds,omitempty"`
	P50ms       float64        `json:"p50_ms"`
	P95ms       float64        `json:"p95_ms"`
	P99ms       float64        `json:"p99_ms"`
	MaxMs       float64        `json:"max_ms"`
	Database    string         `json:"database"`
	Server      string         `json:"server"`
	// ServerCPUms and ToolCPUms are CPU milliseconds per successful
	// operation, of the server process and of this tool.
	ServerCPUms float64 `json:"server_cpu_ms_per_op,omitempty"`
	ToolCPUms   float64 `json:"tool_cpu_ms_per_op,omitempty"`
	// OtherCores is the average number of cores the rest of the machine
	// kept busy while measuring (PostgreSQL counts here).
	OtherCores float64 `json:"other_cores"`
	ServerRSS  float64 `json:"server_rss_mib,omitempty"`
	ServerHWM  float64 `json:"server_peak_rss_mib,omitempty"`
	// CodeRate is the most operations per second the server's code
	// throttle allows (email only), and ThrottleWait the share of the
	// workers' time spent waiting for a user it allows.
	CodeRate     float64 `json:"code_throttle_ops_per_sec,omitempty"`
	ThrottleWait float64 `json:"throttle_wait,omitempty"`
	// ServerSide is what the server's metrics say of the run, and Spans
	// how many trace spans it exported meanwhile.
	ServerSide *ServerFigures `json:"server_side,omitempty"`
	Spans      int64          `json:"spans,omitempty"`
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

func mib(b int64) float64 { return math.Round(float64(b)/(1<<20)*10) / 10 }

// Summary returns the result's machine-readable form; server says how the
// server ran (process, in-process or external).
func (r *Result) Summary(server string) Summary {
	s := Summary{
		Scenario: r.Scenario, Users: r.Users, Concurrency: r.Concurrency,
		Duration: math.Round(r.Elapsed.Seconds()*1000) / 1000, Ops: r.Ops(),
		OpsPerSec: math.Round(r.OpsPerSec()*10) / 10, Errors: r.ErrorCount(),
		P50ms: ms(r.Latency.Quantile(0.50)), P95ms: ms(r.Latency.Quantile(0.95)),
		P99ms: ms(r.Latency.Quantile(0.99)), MaxMs: ms(r.Latency.Max()),
		Database: r.Database, Server: server, ServerRSS: mib(r.ServerRSS), ServerHWM: mib(r.ServerPeakRSS),
		ServerSide: r.Server, Spans: r.Spans,
	}
	if r.CodeRate > 0 {
		s.CodeRate = math.Round(r.CodeRate*10) / 10
		s.ThrottleWait = math.Round(r.WaitShare()*100) / 100
	}
	if len(r.Errors) > 0 {
		s.ErrorKinds = r.Errors
	}
	if r.OtherCPU >= 0 && r.Elapsed > 0 {
		s.OtherCores = math.Round(r.OtherCPU.Seconds()/r.Elapsed.Seconds()*100) / 100
	}
	if n := r.Ops(); n > 0 {
		s.ServerCPUms = math.Round(float64(r.ServerCPU)/1e3/float64(n)) / 1e3
		s.ToolCPUms = math.Round(float64(r.ToolCPU)/1e3/float64(n)) / 1e3
	}
	return s
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.0fµs", float64(d)/1e3)
}

func latencyLine(h *Histogram) string {
	return fmt.Sprintf("p50 %s  p95 %s  p99 %s  max %s  mean %s", fmtDur(h.Quantile(.5)), fmtDur(h.Quantile(.95)),
		fmtDur(h.Quantile(.99)), fmtDur(h.Max()), fmtDur(h.Mean()))
}

// Print writes the human-readable report and then the Summary as one JSON
// line, which is always the last line of a measurement.
func (r *Result) Print(w io.Writer, server string) error {
	unit := "ops"
	switch r.Scenario {
	case ScenarioPasskey, ScenarioEmail:
		unit = "sign-ins"
	case ScenarioTrackValidate:
		unit = "pairs"
	}
	fmt.Fprintf(w, "== %s on %s (%s server): %d users, concurrency %d, %.1fs measured\n",
		r.Scenario, r.Database, server, r.Users, r.Concurrency, r.Elapsed.Seconds())
	fmt.Fprintf(w, "throughput  %.1f %s/s (%d %s)\n", r.OpsPerSec(), unit, r.Ops(), unit)
	if r.CodeRate > 0 {
		fmt.Fprintf(w, "throttle    %d users, one code each per 30 s and 10 an hour: paced at %.1f %s/s; workers waited %.0f%% of the time\n",
			r.Users, r.CodeRate, unit, r.WaitShare()*100)
	}
	fmt.Fprintf(w, "errors      %d\n", r.ErrorCount())
	for _, k := range r.errorKinds() {
		fmt.Fprintf(w, "  %-28s %d  e.g. %s\n", k, r.Errors[k], oneLine(r.ErrorText[k]))
	}
	fmt.Fprintf(w, "latency     %s\n", latencyLine(r.Latency))
	for _, s := range r.Steps {
		fmt.Fprintf(w, "  %-10s %s\n", s.Name, latencyLine(s.Latency))
	}
	if n := float64(r.Ops()); n > 0 {
		label := "tool"
		if server == ModeInProcess {
			label = "server and tool"
		}
		cpu := fmt.Sprintf("%s %.3f ms/op", label, float64(r.ToolCPU)/1e6/n)
		if r.ServerCPU > 0 {
			cpu = fmt.Sprintf("server %.3f ms/op (%.2f cores), ", float64(r.ServerCPU)/1e6/n,
				r.ServerCPU.Seconds()/r.Elapsed.Seconds()) + cpu
		}
		fmt.Fprintf(w, "cpu         %s (%.2f cores)", cpu, r.ToolCPU.Seconds()/r.Elapsed.Seconds())
		if r.OtherCPU >= 0 {
			fmt.Fprintf(w, "; rest of the machine %.2f cores", r.OtherCPU.Seconds()/r.Elapsed.Seconds())
		}
		fmt.Fprintln(w)
	}
	if r.ServerRSS > 0 {
		fmt.Fprintf(w, "server RSS  %.1f MiB (peak %.1f MiB)\n", mib(r.ServerRSS), mib(r.ServerPeakRSS))
	}
	if r.Server != nil {
		r.Server.print(w)
	} else if r.MetricsErr != nil {
		fmt.Fprintf(w, "server      its metrics could not be read: %s\n", oneLine(r.MetricsErr.Error()))
	}
	if r.Spans > 0 {
		fmt.Fprintf(w, "traces      %d spans received (%.1f per operation)\n", r.Spans, float64(r.Spans)/max(float64(r.Ops()), 1))
	}
	b, err := json.Marshal(r.Summary(server))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
