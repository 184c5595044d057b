package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// URLForAddr is the public URL that reaches a server listening on addr
// from the same machine: http://localhost:PORT when addr is a wildcard
// or loopback address, else http://HOST:PORT.
//
// Loopback addresses become "localhost" because browsers make passkeys
// only for a relying party that is a host name, never an IP address, and
// treat http://localhost as a secure context; 127.0.0.1 is a secure
// context too, but no passkey can be made for it.
func URLForAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return "", fmt.Errorf("listen address must be HOST:PORT or :PORT, such as :8080, got %q", addr)
	}
	if isLocal(host) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// isLocal reports whether host names this machine's wildcard or loopback
// address.
func isLocal(host string) bool {
	if host == "" || strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsUnspecified() || ip.IsLoopback())
}

// FollowListener sets the public URL from the address the server
// actually listens on (which knows the port when Addr asked for port 0),
// unless the public URL was set.
func (c *Config) FollowListener(addr net.Addr) {
	if c.PublicURLSet {
		return
	}
	if u, err := URLForAddr(addr.String()); err == nil {
		c.PublicURL = u
	}
}

// PortMismatch describes, when the public URL was set and names another
// port than the one the server listens on, what that means; it returns
// "" when they agree. local reports that the public URL's host is this
// machine, where no proxy is likely to bridge the two ports.
func (c Config) PortMismatch(listen net.Addr) (msg string, local bool) {
	if !c.PublicURLSet {
		return "", false
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil {
		return "", false
	}
	_, listenPort, err := net.SplitHostPort(listen.String())
	if err != nil {
		return "", false
	}
	publicPort := u.Port()
	if publicPort == "" {
		publicPort = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if publicPort == listenPort {
		return "", false
	}
	local = isLocal(u.Hostname())
	msg = fmt.Sprintf("the public URL %s names port %s but the server listens on port %s", c.PublicURL, publicPort, listenPort)
	if local {
		return msg + ": links and passkeys will not reach this server; set UPLIFT_PUBLIC_URL to match --addr, or leave it unset to follow it", true
	}
	return msg + ", as behind a reverse proxy", false
}

// HostWarning says why browsers will not make passkeys at the public
// URL, or "" when they can: its host must be a name, not an IP address,
// and it must be https unless it is localhost.
func (c Config) HostWarning() string {
	u, err := url.Parse(c.PublicURL)
	if err != nil {
		return ""
	}
	host := u.Hostname()
	switch {
	case net.ParseIP(host) != nil:
		return fmt.Sprintf("the public URL %s is an IP address: browsers make passkeys only for a host name; set UPLIFT_PUBLIC_URL (localhost works on this machine)", c.PublicURL)
	case u.Scheme == "http" && !strings.EqualFold(host, "localhost") && !strings.HasSuffix(strings.ToLower(host), ".localhost"):
		return fmt.Sprintf("the public URL %s is plain http: browsers make passkeys only over https, except on localhost; put Uplift behind a TLS proxy and set UPLIFT_PUBLIC_URL to its https URL", c.PublicURL)
	}
	return ""
}
