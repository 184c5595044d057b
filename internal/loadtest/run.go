package loadtest

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Result is what one measurement found.
type Result struct {
	Scenario    string
	Users       int
	Concurrency int
	Database    string
	// Elapsed is the measured time, from the end of the warm-up until the
	// last operation in flight finished.
	Elapsed time.Duration
	// Latency holds the durations of successful operations.
	Latency *Histogram
	// Steps holds each step's durations, in the scenario's order.
	Steps     []StepResult
	Errors    map[string]int
	ErrorText map[string]string // one example detail per kind
	// ServerCPU and ToolCPU are the CPU time the server process and this
	// tool used while measuring (ServerCPU is 0 when unknown: an external
	// or in-process server).
	ServerCPU, ToolCPU time.Duration
	// OtherCPU is the CPU time the rest of the machine used meanwhile
	// (other processes, the database server, the kernel); a measurement
	// disturbed by unrelated work shows here. -1 when unknown.
	OtherCPU time.Duration
	// Window is the measured time workers could start operations in.
	Window time.Duration
	// Waited is the time workers spent in the window waiting for a user
	// the server's code throttle allows (email only).
	Waited time.Duration
	// CodeRate is the most operations per second the server's code
	// throttle allows these users (email only; 0 otherwise).
	CodeRate float64
	// ServerRSS and ServerPeakRSS are the server's resident memory after
	// the run (VmRSS, VmHWM), in bytes, when the tool can see it.
	ServerRSS, ServerPeakRSS int64
	// Server is what the server's metrics say of the run, when the tool
	// reads them; MetricsErr why it could not.
	Server     *ServerFigures
	MetricsErr error
	// Spans is how many trace spans the tool's receiver got meanwhile
	// (with -trace).
	Spans int64
}

// StepResult is one step's latency.
type StepResult struct {
	Name    string
	Latency *Histogram
}

// Ops is the number of successful operations.
func (r *Result) Ops() uint64 { return r.Latency.Count() }

// ErrorCount is the number of failed operations.
func (r *Result) ErrorCount() int {
	n := 0
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// OpsPerSec is the throughput of successful operations.
func (r *Result) OpsPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops()) / r.Elapsed.Seconds()
}

// errorKinds returns the error kinds, most frequent first.
func (r *Result) errorKinds() []string {
	kinds := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if r.Errors[kinds[i]] != r.Errors[kinds[j]] {
			return r.Errors[kinds[i]] > r.Errors[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	return kinds
}

// measure runs sc with concurrency workers, each taking a user from pool
// per operation and sending it to one of targets (worker i to the i-th,
// modulo their number), for warmup (not counted) and then duration. Workers start
// no operation after the deadline; operations in flight then finish and
// count. A cancelled ctx stops the run early.
// With metricsURL it reads the server's metrics at the end of the warm-up
// and again at the end, for the server's figures of the run.
func measure(ctx context.Context, targets []*Target, pool userPool, users int, sc scenario, concurrency int, warmup, duration time.Duration,
	serverPID int, metricsURL string) *Result {
	type worker struct {
		lat    *Histogram
		steps  []*Histogram
		errs   map[string]int
		detail map[string]string
		waited time.Duration
	}
	workers := make([]*worker, concurrency)
	start := time.Now()
	measureFrom := start.Add(warmup)
	deadline := measureFrom.Add(duration)
	// Waiting for a user ends at the deadline; operations use ctx.
	waitCtx, cancelWait := context.WithDeadline(ctx, deadline)
	defer cancelWait()
	var cpuStart cpuSample
	var metricsStart metricsSnapshot
	var metricsErr error
	mc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
	defer mc.CloseIdleConnections()
	sampled := make(chan struct{})
	timer := time.AfterFunc(warmup, func() {
		cpuStart = sampleCPU(serverPID)
		if metricsURL != "" {
			metricsStart, metricsErr = scrapeMetrics(ctx, mc, metricsURL)
		}
		close(sampled)
	})
	var wg sync.WaitGroup
	for w := range workers {
		wk := &worker{lat: NewHistogram(), errs: map[string]int{}, detail: map[string]string{}}
		for range sc.steps {
			wk.steps = append(wk.steps, NewHistogram())
		}
		workers[w] = wk
		t := targets[w%len(targets)]
		wg.Go(func() {
			var st stepTimer
			for ctx.Err() == nil {
				waitFrom := time.Now()
				if !waitFrom.Before(deadline) {
					return
				}
				u, release, err := pool.take(waitCtx)
				now := time.Now()
				wk.waited += overlap(waitFrom, now, measureFrom, deadline)
				if err != nil {
					return
				}
				if !now.Before(deadline) {
					release(false)
					return
				}
				counted := !now.Before(measureFrom)
				st.hists = nil
				if counted {
					st.hists = wk.steps
				}
				st.start()
				err = sc.op(ctx, t, u, &st)
				release(true)
				if !counted {
					continue
				}
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					k := errorKind(err)
					wk.errs[k]++
					if _, ok := wk.detail[k]; !ok {
						wk.detail[k] = err.Error()
					}
					continue
				}
				wk.lat.Record(time.Since(now))
			}
		})
	}
	wg.Wait()
	elapsed := max(0, time.Since(measureFrom))
	cpuEnd := sampleCPU(serverPID)
	var metricsEnd metricsSnapshot
	if metricsURL != "" {
		var err error
		metricsEnd, err = scrapeMetrics(ctx, mc, metricsURL)
		metricsErr = errors.Join(metricsErr, err)
	}
	if !timer.Stop() {
		<-sampled
	} else {
		cpuStart, metricsStart = cpuEnd, metricsEnd
	}
	res := &Result{Scenario: sc.name, Users: users, Concurrency: concurrency, Elapsed: elapsed, Window: duration,
		Latency: NewHistogram(), Errors: map[string]int{}, ErrorText: map[string]string{},
		ToolCPU: cpuEnd.tool - cpuStart.tool}
	if cpuStart.ok && cpuEnd.ok {
		res.ServerCPU = cpuEnd.server - cpuStart.server
	}
	if metricsURL != "" {
		if res.MetricsErr = metricsErr; metricsErr == nil {
			res.Server = serverFigures(metricsStart, metricsEnd)
		}
	}
	res.OtherCPU = -1
	if cpuStart.machineOK && cpuEnd.machineOK {
		res.OtherCPU = max(0, cpuEnd.machine-cpuStart.machine-res.ServerCPU-res.ToolCPU)
	}
	for i, name := range sc.steps {
		h := NewHistogram()
		for _, wk := range workers {
			h.Merge(wk.steps[i])
		}
		res.Steps = append(res.Steps, StepResult{Name: name, Latency: h})
	}
	for _, wk := range workers {
		res.Waited += wk.waited
		res.Latency.Merge(wk.lat)
		for k, n := range wk.errs {
			res.Errors[k] += n
			if _, ok := res.ErrorText[k]; !ok {
				res.ErrorText[k] = wk.detail[k]
			}
		}
	}
	return res
}

// overlap is how much of [from, to) lies in [start, end).
func overlap(from, to, start, end time.Time) time.Duration {
	if from.Before(start) {
		from = start
	}
	if to.After(end) {
		to = end
	}
	return max(0, to.Sub(from))
}

// WaitShare is the fraction of the workers' measured time spent waiting
// for a user the code throttle allows.
func (r *Result) WaitShare() float64 {
	if r.Window <= 0 || r.Concurrency <= 0 {
		return 0
	}
	return r.Waited.Seconds() / (r.Window.Seconds() * float64(r.Concurrency))
}
