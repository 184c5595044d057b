package loadtest

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// CheckLoopback refuses any base URL that does not point at this machine:
// its host must be localhost, an address in 127.0.0.0/8 or ::1. Names
// other than localhost are refused without being resolved, so a DNS
// answer cannot send the load elsewhere.
func CheckLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("target URL %q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("target URL %q must be http:// or https://", raw)
	}
	if !loopbackHost(u.Hostname()) {
		return fmt.Errorf("refusing target %q: uplift-load only sends load to this machine (localhost, 127.0.0.0/8 or ::1)", raw)
	}
	return nil
}

// checkLoopbackDatabase refuses a PostgreSQL URL whose server is not on
// this machine. An empty host means the default Unix socket, which is local.
func checkLoopbackDatabase(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("database URL: %v", err)
	}
	hosts := []string{u.Hostname()}
	if h := u.Query().Get("host"); h != "" {
		hosts = append(hosts, strings.Split(h, ",")...)
	}
	for _, h := range hosts {
		if h != "" && !strings.HasPrefix(h, "/") && !loopbackHost(h) {
			return fmt.Errorf("refusing database host %q: uplift-load only uses a database on this machine", h)
		}
	}
	return nil
}

func loopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
