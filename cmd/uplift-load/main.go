// Command uplift-load puts an Uplift server on this machine under load:
// it registers users with passkeys through a software authenticator, runs
// passkey sign-ins, track + validate pairs or email-code sign-ins (codes
// read from an SMTP server inside the tool) at a chosen concurrency for a
// bounded time, and prints throughput, errors and latency percentiles,
// ending each measurement with one JSON line. It only targets loopback
// addresses. See docs/performance.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/uplift-dev/uplift/internal/loadtest"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// The tool shares the machine with the server it measures: fewer
		// collections leave more of the CPU to the server.
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := loadtest.Main(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "uplift-load:", err)
		os.Exit(1)
	}
}
