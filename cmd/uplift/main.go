// Command uplift runs the Uplift passkey adoption server and its admin
// commands: serve, demo, migrate and tenant.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
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
