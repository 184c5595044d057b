// Command uplift runs the Uplift passkey adoption server and its admin
// commands: serve, demo, migrate and tenant.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// gcPercent is the garbage collector's target unless GOGC says otherwise.
// The server's live heap is small (tens of MiB, whatever the number of
// users), so letting it grow five-fold between collections costs little
// memory and saves about a tenth of the CPU of a sign-in.
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "uplift:", err)
		if err == errUsage {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
