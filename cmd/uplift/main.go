// Command uplift runs the Uplift passkey adoption server and its admin
// commands: serve, demo, migrate, tenant, backup and db.
package main

import (
	"context"
	"errors"
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
		var usage usageError
		if errors.As(err, &usage) {
			fmt.Fprintln(os.Stderr, usage.msg)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "uplift:", err)
		os.Exit(1)
	}
}
