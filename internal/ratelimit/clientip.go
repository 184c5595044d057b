package ratelimit

import (
	"fmt"
	"net/netip"
	"strings"
)

// Proxies are the addresses of reverse proxies trusted to say, in
// X-Forwarded-For, whom they forward for.
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of addresses and CIDR
// prefixes, such as "10.0.0.0/8, 192.0.2.7, fd00::/8". An empty list
// trusts no proxy.
func ParseProxies(s string) (Proxies, error) {
	var ps Proxies
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q is not an address or CIDR prefix such as 10.0.0.0/8", f)
			}
			ps = append(ps, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("trusted proxy %q is not an address or CIDR prefix such as 10.0.0.0/8", f)
		}
		a = a.Unmap()
		ps = append(ps, netip.PrefixFrom(a, a.BitLen()))
	}
	return ps, nil
}

// trusts reports whether a is one of the proxies.
func (ps Proxies) trusts(a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// String lists the proxies as ParseProxies reads them.
func (ps Proxies) String() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// ClientIP returns the address a request came from: the peer's address
// (remoteAddr, "host:port"), unless the peer is a trusted proxy, in which
// case the right-most address of X-Forwarded-For (forwardedFor, the
// header's values in order) that is not a trusted proxy. Addresses to the
// left of that one are the client's to write and are never believed.
// When every hop is a trusted proxy, the left-most is the client; an entry
// that is not an address stops the walk at the last proxy that wrote one.
// ok is false when remoteAddr holds no address.
func (ps Proxies) ClientIP(remoteAddr string, forwardedFor []string) (ip netip.Addr, ok bool) {
	ip, ok = parseHost(remoteAddr)
	if !ok || len(ps) == 0 || !ps.trusts(ip) {
		return ip, ok
	}
	for i := len(forwardedFor) - 1; i >= 0; i-- {
		hops := strings.Split(forwardedFor[i], ",")
		for j := len(hops) - 1; j >= 0; j-- {
			hop := strings.TrimSpace(hops[j])
			if hop == "" {
				continue
			}
			a, valid := parseHop(hop)
			if !valid {
				return ip, true
			}
			ip = a
			if !ps.trusts(a) {
				return ip, true
			}
		}
	}
	return ip, true
}

// parseHost reads the address of "host:port" or of a bare address.
func parseHost(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().WithZone("").Unmap(), true
	}
	a, err := netip.ParseAddr(s)
	return a.WithZone("").Unmap(), err == nil
}

// parseHop reads one X-Forwarded-For entry: an address, possibly with a
// port, IPv6 possibly in brackets.
func parseHop(s string) (netip.Addr, bool) {
	if a, ok := parseHost(s); ok {
		return a, true
	}
	return parseHost(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
}

// AddressKey is the key an address is limited by: the address itself for
// IPv4, its /64 prefix for IPv6, since one subscriber is usually given a
// whole /64.
func AddressKey(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}
