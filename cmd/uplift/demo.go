package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"

	"github.com/uplift-dev/uplift/client"
	"github.com/uplift-dev/uplift/internal/demo"
	"github.com/uplift-dev/uplift/internal/flows"
)

// demoApp sets up the example app of `uplift demo`: the demo tenant with
// a secret key kept in memory for this process, and a Go client that
// calls this very server over the loopback interface.
func demoApp(ctx context.Context, svc *flows.Service, publicURL string, addr net.Addr, log *slog.Logger) (*demo.App, error) {
	_, secret, err := demo.EnsureTenant(ctx, svc)
	if err != nil {
		return nil, fmt.Errorf("demo tenant: %w", err)
	}
	return demo.New(client.New(loopbackAPI(addr), secret), publicURL, log), nil
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
