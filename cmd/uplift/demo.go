package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"

	"github.com/uplift-dev/uplift/client"
	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/demo"
)

// demoApp sets up the example app of `uplift demo`: it finds or creates
// the demo tenant, issues it a secret key kept in memory for this
// process, and returns the app with a Go client that calls this very
// server over the loopback interface. It prints what it did, a console
// invitation for the demo tenant and the app's address.
func demoApp(ctx context.Context, uplift *app.App, publicURL string, addr net.Addr, stdout io.Writer, log *slog.Logger) (*demo.App, error) {
	t, err := demo.EnsureTenant(ctx, uplift.Tenancy, publicURL)
	if err != nil {
		return nil, err
	}
	did := "Found"
	if t.Created {
		did = "Created"
	}
	fmt.Fprintf(stdout, "%s the demo tenant %q (id %s), which the example app signs its users in to.\n"+
		"  secret key for this run: %s\n  (the example app uses it; the next start revokes it and issues another)\n",
		did, t.Name, t.ID, t.Secret)
	// Each start offers the console again: the link is one-time and the
	// demo runs on one machine.
	if err := printInvite(ctx, uplift.Admin, t.Tenant, stdout); err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "Demo app: %s/demo (codes are printed here and listed at %s/dev/inbox)\n", publicURL, publicURL)
	return demo.New(client.New(loopbackAPI(addr), t.Secret), publicURL, log), nil
}

// loopbackAPI is the Server API's base URL on the address the server
// listens on, through the loopback interface when it listens on all.
func loopbackAPI(addr net.Addr) string {
	host, port := "127.0.0.1", ""
	if tcp, ok := addr.(*net.TCPAddr); ok {
		port = strconv.Itoa(tcp.Port)
		if !tcp.IP.IsUnspecified() {
			host = tcp.IP.String()
		}
	} else if h, p, err := net.SplitHostPort(addr.String()); err == nil {
		host, port = h, p
	}
	return "http://" + net.JoinHostPort(host, port) + "/v1"
}
