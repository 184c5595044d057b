// Package loadtest is uplift-load: it puts an Uplift server on this
// machine under a bounded load and reports throughput, errors and latency
// percentiles. A software WebAuthn authenticator registers the users'
// passkeys in a setup phase; the measured scenarios are a username-less
// passkey sign-in, an app backend's track + validate pair, and a sign-in
// by email code read from an SMTP sink inside the tool.
//
// The tool only ever sends load to loopback addresses, and every count and
// duration it accepts is bounded, so a run always ends by itself.
package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Limits on what a run may ask for.
const (
	MaxUsers             = 200_000
	MaxConcurrency       = 256
	MaxSetupConcurrency  = 64
	MinDuration          = 100 * time.Millisecond
	MaxDuration          = 10 * time.Minute
	MaxWarmup            = time.Minute
	MaxSetupTimeout      = 2 * time.Hour
	defaultSetupParallel = 8
)

// Options is one invocation of the tool.
type Options struct {
	// URL is the server to load when the tool starts none; with TenantID
	// and SecretKey it names an existing tenant. Several comma-separated
	// URLs name instances sharing one database: worker i loads the i-th
	// of them (modulo their number), and the setup runs on the first.
	URL, TenantID, SecretKey string
	// Spawn starts `uplift serve` (ServerBin, or one built now) on a fresh
	// database; InProcess runs the server inside this process instead.
	Spawn, InProcess bool
	ServerBin        string
	// DatabaseURL is the spawned server's database: empty for a new
	// SQLite file, sqlite://NEW-FILE, or postgres://... on whose server a
	// fresh database is created (and dropped afterwards unless KeepDatabase).
	DatabaseURL  string
	KeepDatabase bool

	Scenarios        []string
	Concurrencies    []int
	Users            int
	SetupConcurrency int
	Duration, Warmup time.Duration
	SetupTimeout     time.Duration
	UserPrefix       string

	// CPUProfile and MemProfile are files for pprof profiles of the
	// measured runs (in-process only).
	CPUProfile, MemProfile string
	// BlockProfile is a file for a profile of where goroutines waited
	// (locks, channels, the database pools) during the measured runs.
	BlockProfile string

	// SMTPListen is where the email scenario's SMTP sink listens
	// (host:port on a loopback address). A spawned server is pointed at
	// it, on a free port when empty; a server given by URL must already
	// send there, so URL with the email scenario needs it.
	SMTPListen string

	// ServerMetrics starts the spawned server with its metrics on a
	// listener of their own (UPLIFT_METRICS_ADDR); MetricsURL is where a
	// server given by URL serves them. Either way the tool reads them
	// before and after each run and reports the server's own figures.
	ServerMetrics bool
	MetricsURL    string
	// Trace starts the spawned server with tracing on, exporting to a
	// receiver in the tool that counts the spans.
	Trace bool
}

// hasScenario reports whether the invocation runs the named scenario.
func (o *Options) hasScenario(name string) bool { return slices.Contains(o.Scenarios, name) }

// Validate reports the first option out of bounds or inconsistent.
func (o *Options) Validate() error {
	if o.InProcess {
		o.Spawn = true
	}
	switch {
	case o.Spawn && o.URL != "":
		return errors.New("give either -url (a running server) or -spawn, not both")
	case !o.Spawn && o.URL == "":
		return errors.New("give -url of a running server (with -tenant-id and -secret-key), or -spawn")
	case !o.Spawn && (o.TenantID == "" || o.SecretKey == ""):
		return errors.New("-url needs -tenant-id and -secret-key (or UPLIFT_LOAD_SECRET_KEY)")
	case o.Spawn && (o.TenantID != "" || o.SecretKey != ""):
		return errors.New("-spawn creates its own tenant; drop -tenant-id and -secret-key")
	case !o.Spawn && (o.DatabaseURL != "" || o.ServerBin != ""):
		return errors.New("-database-url and -server-bin only apply with -spawn")
	case o.InProcess && o.ServerBin != "":
		return errors.New("-server-bin does not apply with -in-process")
	case (o.ServerMetrics || o.Trace) && (!o.Spawn || o.InProcess):
		return errors.New("-server-metrics and -trace start a server with them: they need -spawn (not -in-process); with -url, give -metrics-url")
	case o.MetricsURL != "" && o.Spawn:
		return errors.New("-metrics-url names a running server's metrics; with -spawn, use -server-metrics")
	case (o.CPUProfile != "" || o.MemProfile != "" || o.BlockProfile != "") && !o.InProcess:
		return errors.New("-cpuprofile, -memprofile and -blockprofile profile the server only with -in-process")
	case o.Users < 1 || o.Users > MaxUsers:
		return fmt.Errorf("-users must be 1 to %d", MaxUsers)
	case o.SetupConcurrency < 1 || o.SetupConcurrency > MaxSetupConcurrency:
		return fmt.Errorf("-setup-concurrency must be 1 to %d", MaxSetupConcurrency)
	case o.Duration < MinDuration || o.Duration > MaxDuration:
		return fmt.Errorf("-duration must be %s to %s", MinDuration, MaxDuration)
	case o.Warmup < 0 || o.Warmup > MaxWarmup:
		return fmt.Errorf("-warmup must be 0 to %s", MaxWarmup)
	case o.SetupTimeout <= 0 || o.SetupTimeout > MaxSetupTimeout:
		return fmt.Errorf("-setup-timeout must be up to %s", MaxSetupTimeout)
	case len(o.Scenarios) == 0 || len(o.Concurrencies) == 0:
		return errors.New("give at least one scenario and one concurrency")
	case len(o.Scenarios)*len(o.Concurrencies) > 16:
		return errors.New("at most 16 scenario × concurrency combinations per invocation")
	}
	for _, c := range o.Concurrencies {
		if c < 1 || c > MaxConcurrency {
			return fmt.Errorf("-concurrency must be 1 to %d", MaxConcurrency)
		}
	}
	for _, s := range o.Scenarios {
		if _, err := scenarioByName(s); err != nil {
			return err
		}
	}
	if err := o.validateEmail(); err != nil {
		return err
	}
	for _, u := range splitList(o.URL) {
		if err := CheckLoopback(u); err != nil {
			return err
		}
	}
	if o.MetricsURL != "" {
		if err := CheckLoopback(o.MetricsURL); err != nil {
			return err
		}
	}
	return nil
}

// validateEmail checks the options of the email scenario's SMTP sink.
func (o *Options) validateEmail() error {
	email := o.hasScenario(ScenarioEmail)
	switch {
	case !email && o.SMTPListen != "":
		return errors.New("-smtp-listen only applies to -scenario email")
	case email && !o.Spawn && o.SMTPListen == "":
		return errors.New("-scenario email with -url reads each code from an SMTP sink in this tool: " +
			"pass -smtp-listen 127.0.0.1:2525 and run the server with UPLIFT_SMTP_URL=smtp://127.0.0.1:2525 " +
			"(no credentials, no TLS) so that it sends its code emails there")
	case o.SMTPListen != "":
		return checkLoopbackListen(o.SMTPListen)
	}
	return nil
}

// Main parses args as the uplift-load command line and runs it, writing
// reports to stdout and progress to stderr.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("uplift-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o Options
	var scenarios, concurrencies string
	fs.StringVar(&o.URL, "url", "", "base URL of a running Uplift on this machine (loopback only); "+
		"several, comma-separated, for instances sharing one database: the workers take them in turn")
	fs.StringVar(&o.TenantID, "tenant-id", "", "tenant id, with -url")
	fs.StringVar(&o.SecretKey, "secret-key", getenv("UPLIFT_LOAD_SECRET_KEY"), "the tenant's secret key, with -url (env UPLIFT_LOAD_SECRET_KEY)")
	fs.BoolVar(&o.Spawn, "spawn", false, "start `uplift serve` in a separate process on a fresh database and create a tenant")
	fs.BoolVar(&o.InProcess, "in-process", false, "run the server inside this process (for -cpuprofile/-memprofile); implies -spawn")
	fs.StringVar(&o.ServerBin, "server-bin", "", "uplift binary for -spawn (default: go build ./cmd/uplift into a temporary directory)")
	fs.StringVar(&o.DatabaseURL, "database-url", "", "with -spawn: sqlite://NEW-FILE, or postgres://... (a fresh database is created there); default a new SQLite file")
	fs.BoolVar(&o.KeepDatabase, "keep-database", false, "keep the fresh PostgreSQL database after the run")
	fs.StringVar(&scenarios, "scenario", ScenarioPasskey, "comma-separated scenarios: passkey, track-validate, email "+
		"(email: the server sends a user at most one code every 30 s and 10 an hour, so email sign-ins start paced at -users/30 s, "+
		"each with the user whose next code is allowed soonest; workers wait for it rather than collect 429s)")
	fs.StringVar(&concurrencies, "concurrency", "8", "comma-separated concurrencies; each scenario runs at each (max "+strconv.Itoa(MaxConcurrency)+")")
	fs.IntVar(&o.Users, "users", 1000, "users to register with a passkey before measuring (max "+strconv.Itoa(MaxUsers)+")")
	fs.IntVar(&o.SetupConcurrency, "setup-concurrency", defaultSetupParallel, "parallel registrations during setup")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "measured time per run (max "+MaxDuration.String()+")")
	fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "unmeasured load before each run")
	fs.DurationVar(&o.SetupTimeout, "setup-timeout", 30*time.Minute, "give up the setup after this long")
	fs.StringVar(&o.UserPrefix, "user-prefix", "", "prefix of the user ids the setup registers (default load-<random>-)")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "with -in-process: write a CPU profile of the measured runs to this file")
	fs.StringVar(&o.MemProfile, "memprofile", "", "with -in-process: write an allocation profile after the runs (FILE) and before them (FILE.base)")
	fs.StringVar(&o.BlockProfile, "blockprofile", "", "with -in-process: write a profile of blocking (waits of 100µs or more) during the runs")
	fs.StringVar(&o.SMTPListen, "smtp-listen", "", "with -scenario email: host:port (loopback) of the tool's SMTP sink for the code emails; "+
		"required with -url, whose server must have UPLIFT_SMTP_URL=smtp://HOST:PORT; default a free port of 127.0.0.1 for the server the tool starts")
	fs.BoolVar(&o.ServerMetrics, "server-metrics", false, "with -spawn: start the server with its metrics on a listener of their own, "+
		"and report beside the tool's figures what they say of each run (latency by route inside the server, database pool waits, SQLite batches)")
	fs.StringVar(&o.MetricsURL, "metrics-url", "", "with -url: the server's metrics (http://127.0.0.1:9090/metrics), read as with -server-metrics")
	fs.BoolVar(&o.Trace, "trace", false, "with -spawn: start the server with tracing on (OTEL_EXPORTER_OTLP_ENDPOINT), "+
		"exporting to a receiver in this tool that counts the spans")
	procs := fs.Int("procs", 1, "threads running the tool's Go code (GOMAXPROCS), so that the load takes as little of the machine "+
		"from the server as it needs; ignored with -in-process, where the server shares the tool's process")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *procs < 1 || *procs > runtime.NumCPU() {
		return fmt.Errorf("-procs must be 1 to %d (the cores of this machine)", runtime.NumCPU())
	}
	if !o.InProcess {
		// One thread keeps the tool's scheduler from competing with the
		// server's for every core: on this 2-core machine that alone gave
		// the server 5-14 % more throughput at the same load.
		runtime.GOMAXPROCS(*procs)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	o.Scenarios = splitList(scenarios)
	for _, c := range splitList(concurrencies) {
		n, err := strconv.Atoi(c)
		if err != nil {
			return fmt.Errorf("-concurrency: %q is not a number", c)
		}
		o.Concurrencies = append(o.Concurrencies, n)
	}
	if err := o.Validate(); err != nil {
		return err
	}
	_, err := Run(ctx, o, stdout, stderr)
	return err
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// Run runs a validated invocation: it starts a server when asked,
// registers the users, then measures each scenario at each concurrency,
// printing each result (ending in its JSON line) to stdout.
func Run(ctx context.Context, o Options, stdout, progress io.Writer) (results []*Result, err error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	mode, database := ModeExternal, "unknown"
	base, tenantID, secret := o.URL, o.TenantID, o.SecretKey
	pid, dbURL := 0, ""
	var sink *smtpSink
	if o.hasScenario(ScenarioEmail) {
		listen := o.SMTPListen
		if listen == "" {
			listen = "127.0.0.1:0"
		}
		if sink, err = startSink(listen); err != nil {
			return nil, err
		}
		defer func() { err = errors.Join(err, sink.close()) }()
		fmt.Fprintf(progress, "SMTP sink for the code emails at %s\n", sink.URL())
	}
	var traces *otlpSink
	if o.Trace {
		if traces, err = startOTLPSink(); err != nil {
			return nil, err
		}
		defer func() { err = errors.Join(err, traces.close()) }()
		fmt.Fprintf(progress, "OTLP receiver for the server's traces at %s\n", traces.Endpoint())
	}
	metricsURL := o.MetricsURL
	if o.Spawn {
		var srv *spawned
		var stop func() error
		if srv, stop, err = spawnServer(ctx, o, sink, traces, progress); err != nil {
			return nil, err
		}
		defer func() { err = errors.Join(err, stop()) }()
		mode, database, pid, dbURL = srv.mode, srv.database, srv.pid, srv.dbURL
		base, tenantID, secret = srv.baseURL, srv.tenantID, srv.secret
		metricsURL = srv.metricsURL
	}

	var targets []*Target
	for _, b := range splitList(base) {
		tb := newTarget(b, tenantID, secret, max(slicesMax(o.Concurrencies), o.SetupConcurrency))
		defer tb.close()
		tb.sink = sink
		targets = append(targets, tb)
	}
	t := targets[0]
	rpID, origins, err := t.passkeyConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the tenant's passkey configuration: %w", err)
	}
	if len(origins) == 0 {
		return nil, errors.New("the tenant has no expected origin to sign for")
	}
	for _, tb := range targets {
		tb.RP = RelyingParty{ID: rpID, Origin: origins[0]}
	}

	prefix := o.UserPrefix
	if prefix == "" {
		b := make([]byte, 4)
		rand.Read(b)
		prefix = "load-" + hex.EncodeToString(b) + "-"
	}
	what := "passkeys"
	if sink != nil {
		what = "passkeys and verified emails"
	}
	fmt.Fprintf(progress, "setup: registering %d users with %s (%d in parallel) ...\n", o.Users, what, o.SetupConcurrency)
	setupCtx, cancel := context.WithTimeout(ctx, o.SetupTimeout)
	start := time.Now()
	users, err := t.registerUsers(setupCtx, prefix, o.Users, o.SetupConcurrency, sink != nil, progress)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	setup := time.Since(start)
	fmt.Fprintf(stdout, "setup: %d users registered with %s in %s (%.0f users/s)\n",
		len(users), what, setup.Round(time.Millisecond), float64(len(users))/setup.Seconds())
	if pid != 0 {
		if rss, peak, err := readRSS(pid); err == nil {
			fmt.Fprintf(stdout, "setup: server RSS %.1f MiB (peak %.1f MiB)\n", mib(rss), mib(peak))
		}
	}
	if err := analyzePostgres(ctx, dbURL); err != nil {
		return nil, err
	}

	stopProfiles, err := startProfiles(o.CPUProfile, o.MemProfile, o.BlockProfile)
	if err != nil {
		return nil, err
	}
	var codes *codePool // one for the invocation: the server counts sends across runs
	for _, name := range o.Scenarios {
		sc, _ := scenarioByName(name)
		var pool userPool = randomPool(users)
		if sc.codes {
			if codes == nil {
				for _, u := range users {
					sink.expect(u.Email)
				}
				codes = newCodePool(users, time.Now)
			}
			pool = codes
			fmt.Fprintf(progress, "%s: the server sends each user at most one code every 30 s and 10 an hour, "+
				"so %d users allow %.1f sign-ins/s: they start paced at that rate and workers wait in between\n",
				name, len(users), codeRate(len(users)))
		}
		for _, c := range o.Concurrencies {
			if ctx.Err() != nil {
				break
			}
			fmt.Fprintf(progress, "running %s at concurrency %d for %s (+%s warm-up) ...\n", name, c, o.Duration, o.Warmup)
			spans := traces.Spans()
			r := measure(ctx, targets, pool, len(users), sc, c, o.Warmup, o.Duration, pid, metricsURL)
			if traces != nil {
				r.Spans = traces.Spans() - spans
			}
			if sc.codes {
				r.CodeRate = codeRate(len(users))
			}
			r.Database = database
			if pid != 0 {
				r.ServerRSS, r.ServerPeakRSS, _ = readRSS(pid)
			}
			if err := r.Print(stdout, mode); err != nil {
				return results, err
			}
			results = append(results, r)
		}
	}
	if err := stopProfiles(); err != nil {
		return results, err
	}
	return results, ctx.Err()
}

func slicesMax(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
