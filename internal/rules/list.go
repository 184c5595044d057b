package rules

import (
	"fmt"
	"net/netip"
	"strings"
)

// List is a prepared value list: a set of strings, a set of numbers or a set
// of CIDR ranges. Build one with NewStringList, NewNumberList or
// NewCIDRList when the list is loaded, not per evaluation. The zero List
// matches nothing.
type List struct {
	strs     map[string]struct{}
	nums     map[float64]struct{}
	prefixes []netip.Prefix
}

// NewStringList returns a list whose items are the given strings, matched
// exactly (case-sensitive).
func NewStringList(items []string) List {
	set := make(map[string]struct{}, len(items))
	for _, s := range items {
		set[s] = struct{}{}
	}
	return List{strs: set}
}

// NewNumberList returns a list whose items are the given numbers.
func NewNumberList(items []float64) List {
	set := make(map[float64]struct{}, len(items))
	for _, n := range items {
		set[n] = struct{}{}
	}
	return List{nums: set}
}

// NewCIDRList returns a list of IP ranges, each written in CIDR notation
// ("10.0.0.0/8", "2001:db8::/32") or as a single address. An entry that is
// neither returns an *Error naming it.
func NewCIDRList(cidrs []string) (List, error) {
	prefixes := make([]netip.Prefix, 0, len(cidrs))
	for i, s := range cidrs {
		p, err := ParseCIDR(s)
		if err != nil {
			return List{}, &Error{
				Kind:   ErrListEntry,
				Detail: fmt.Sprintf("entry %d %s is not a CIDR range or an IP address", i, quote(s)),
			}
		}
		prefixes = append(prefixes, p)
	}
	return List{prefixes: prefixes}, nil
}

// ParseCIDR parses one entry of a CIDR value list, a range or a single
// address, into its masked prefix. IPv4-mapped IPv6 ranges become IPv4
// ranges, so they match the addresses in_cidr_list compares.
func ParseCIDR(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return netip.Prefix{}, err
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		a = a.WithZone("")
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// Len returns the number of items or ranges in the list.
func (l List) Len() int {
	return len(l.strs) + len(l.nums) + len(l.prefixes)
}

// has reports whether a scalar value is an item of a string or number list.
func (l List) has(v value) bool {
	switch v.kind {
	case kindString:
		_, ok := l.strs[v.s]
		return ok
	case kindNumber:
		_, ok := l.nums[v.n]
		return ok
	}
	return false
}

// containsAddr reports whether a value is an IP address inside one of the
// list's ranges.
func (l List) containsAddr(v value) bool {
	if v.kind != kindString || len(l.prefixes) == 0 {
		return false
	}
	a, err := netip.ParseAddr(v.s)
	if err != nil {
		return false
	}
	a = a.WithZone("").Unmap()
	for _, p := range l.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// list returns the named list, if the facts have it.
func (f *Facts) list(name string) (List, bool) {
	if f == nil {
		return List{}, false
	}
	l, ok := f.Lists[name]
	return l, ok
}
