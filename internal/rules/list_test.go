package rules

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestCIDRList(t *testing.T) {
	l := mustList(t, "10.0.0.0/8", " 172.16.5.4/12 ", "192.0.2.7", "2001:db8::/32", "::ffff:198.51.100.0/120", "fe80::1")
	tests := []struct {
		addr string
		want bool
	}{
		{"10.255.0.1", true},
		{"11.0.0.1", false},
		{"172.20.0.1", true}, // the range is masked to 172.16.0.0/12
		{"172.32.0.1", false},
		{"192.0.2.7", true},
		{"192.0.2.8", false},
		{"2001:db8:ffff::1", true},
		{"2001:db9::1", false},
		{"198.51.100.9", true}, // IPv4-mapped range
		{"::ffff:198.51.100.9", true},
		{"::ffff:10.0.0.1", true},
		{"fe80::1%en0", true},
		{"fe80::2", false},
		{"", false},
		{"10.0.0.300", false},
	}
	for _, tt := range tests {
		if got := l.containsAddr(value{kind: kindString, s: tt.addr}); got != tt.want {
			t.Errorf("containsAddr(%q) = %v, want %v", tt.addr, got, tt.want)
		}
	}
	if got, want := l.Len(), 6; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
}

func TestNewCIDRListErrors(t *testing.T) {
	tests := []struct {
		cidrs  []string
		detail string
	}{
		{[]string{"10.0.0.0/8", "10.0.0.0/33"}, `entry 1 "10.0.0.0/33" is not a CIDR range or an IP address`},
		{[]string{"office"}, `entry 0 "office" is not a CIDR range`},
		{[]string{""}, `entry 0 "" is not`},
		{[]string{"2001:db8::/129"}, `entry 0 "2001:db8::/129"`},
	}
	for _, tt := range tests {
		_, err := NewCIDRList(tt.cidrs)
		if !errors.Is(err, ErrListEntry) || !strings.Contains(err.Error(), tt.detail) {
			t.Errorf("NewCIDRList(%q) = %v, want ErrListEntry containing %q", tt.cidrs, err, tt.detail)
		}
	}
}

func TestParseCIDR(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"10.1.2.3/8", "10.0.0.0/8"},
		{"10.1.2.3", "10.1.2.3/32"},
		{"2001:db8::1", "2001:db8::1/128"},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
	}
	for _, tt := range tests {
		got, err := ParseCIDR(tt.in)
		if err != nil || got != netip.MustParsePrefix(tt.want) {
			t.Errorf("ParseCIDR(%q) = %v, %v, want %s", tt.in, got, err, tt.want)
		}
	}
}

func TestStringAndNumberLists(t *testing.T) {
	strs := NewStringList([]string{"a", "b", "a"})
	nums := NewNumberList([]float64{1, 2.5})
	tests := []struct {
		name string
		list List
		v    value
		want bool
	}{
		{"string member", strs, value{kind: kindString, s: "a"}, true},
		{"string non-member", strs, value{kind: kindString, s: "A"}, false},
		{"number in string list", strs, numberValue(1), false},
		{"number member", nums, numberValue(2.5), true},
		{"number non-member", nums, numberValue(3), false},
		{"string in number list", nums, value{kind: kindString, s: "1"}, false},
		{"null", strs, value{}, false},
		{"bool", nums, boolValue(true), false},
	}
	for _, tt := range tests {
		if got := tt.list.has(tt.v); got != tt.want {
			t.Errorf("%s: has = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got, want := strs.Len(), 2; got != want {
		t.Errorf("string list Len() = %d, want %d", got, want)
	}
}

func TestEmailDomain(t *testing.T) {
	tests := []struct{ email, want string }{
		{"ann@Example.COM", "example.com"},
		{"a@b@corp.io", "corp.io"},
		{"no-at-sign", ""},
		{"trailing@", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := EmailDomain(tt.email); got != tt.want {
			t.Errorf("EmailDomain(%q) = %q, want %q", tt.email, got, tt.want)
		}
	}
}
