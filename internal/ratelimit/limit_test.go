package ratelimit_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/ratelimit"
)

func TestParseLimit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ratelimit.Limit
	}{
		{"60/min", ratelimit.Limit{Rate: 1, Burst: 60}},
		{"20/s", ratelimit.Limit{Rate: 20, Burst: 20}},
		{" 3600/h ", ratelimit.Limit{Rate: 1, Burst: 3600}},
		{"20/s,burst=100", ratelimit.Limit{Rate: 20, Burst: 100}},
		{"30/min, burst = 5", ratelimit.Limit{Rate: 0.5, Burst: 5}},
		{"off", ratelimit.Limit{}},
		{"OFF", ratelimit.Limit{}},
	} {
		got, err := ratelimit.ParseLimit(tc.in)
		if err != nil {
			t.Errorf("ParseLimit(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseLimit(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
		if again, err := ratelimit.ParseLimit(got.String()); err != nil || again != got {
			t.Errorf("ParseLimit(%q) = %+v, %v: String %q does not read back", got.String(), again, err, tc.in)
		}
	}
	for _, in := range []string{"", "60", "60/", "/min", "0/s", "-1/s", "1.5/s", "60/day", "60/m", "60 per min",
		"20/s,burst", "20/s,burst=0", "20/s,bust=5", "20/s,burst=x", "99999999999/s", "on"} {
		_, err := ratelimit.ParseLimit(in)
		if err == nil {
			t.Errorf("ParseLimit(%q) accepted, want an error", in)
			continue
		}
		if !strings.Contains(err.Error(), "N/min") {
			t.Errorf("ParseLimit(%q) error %q does not say how to write a limit", in, err)
		}
	}
}

func TestLimitString(t *testing.T) {
	for _, tc := range []struct {
		l    ratelimit.Limit
		want string
	}{
		{ratelimit.Limit{Rate: 1, Burst: 60}, "60/min"},
		{ratelimit.Limit{Rate: 50, Burst: 50}, "50/s"},
		{ratelimit.Limit{Rate: 20, Burst: 100}, "20/s,burst=100"},
		{ratelimit.Limit{Rate: 0.5, Burst: 5}, "30/min,burst=5"},
		{ratelimit.Limit{}, "off"},
	} {
		if got := tc.l.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.l, got, tc.want)
		}
	}
}

func TestParseProxies(t *testing.T) {
	got, err := ratelimit.ParseProxies(" 10.0.0.0/8, 192.0.2.7 ,fd00::/8,::ffff:198.51.100.1,")
	if err != nil {
		t.Fatal(err)
	}
	if want := "10.0.0.0/8,192.0.2.7/32,fd00::/8,198.51.100.1/32"; got.String() != want {
		t.Errorf("ParseProxies = %s, want %s", got, want)
	}
	if got, err := ratelimit.ParseProxies(""); err != nil || len(got) != 0 {
		t.Errorf("ParseProxies(\"\") = %v, %v; want none", got, err)
	}
	for _, in := range []string{"10.0.0.0/33", "proxy.example.com", "10.0.0.1:80", "10.0.0", "fe80::1%eth0"} {
		if _, err := ratelimit.ParseProxies(in); err == nil || !strings.Contains(err.Error(), "CIDR") {
			t.Errorf("ParseProxies(%q) = %v, want an error naming CIDR prefixes", in, err)
		}
	}
}

// TestClientIP: X-Forwarded-For is believed only from trusted proxies, and
// only as far left as the first address that is not one of them.
func TestClientIP(t *testing.T) {
	proxies, err := ratelimit.ParseProxies("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	v6proxies, _ := ratelimit.ParseProxies("10.0.0.0/8,2001:db8::/32")
	for _, tc := range []struct {
		name    string
		proxies ratelimit.Proxies
		remote  string
		xff     []string
		want    string
	}{
		{"no proxies: the header is ignored", nil, "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"untrusted peer spoofing: ignored", proxies, "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"trusted peer: right-most entry", proxies, "10.1.2.3:443", []string{"198.51.100.1"}, "198.51.100.1"},
		{"trusted peer, client prepends a lie", proxies, "10.1.2.3:443", []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1"},
		{"two trusted hops", proxies, "10.1.2.3:443", []string{"1.1.1.1, 198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"several header lines", proxies, "10.1.2.3:443", []string{"1.1.1.1", "198.51.100.1", "10.9.9.9"}, "198.51.100.1"},
		{"all hops trusted: left-most", proxies, "10.1.2.3:443", []string{"10.7.7.7, 10.8.8.8"}, "10.7.7.7"},
		{"trusted peer, no header", proxies, "10.1.2.3:443", nil, "10.1.2.3"},
		{"garbage entry stops at the last proxy", proxies, "10.1.2.3:443", []string{"1.1.1.1, garbage, 10.9.9.9"}, "10.9.9.9"},
		{"empty entries skipped", proxies, "10.1.2.3:443", []string{"198.51.100.1, ,"}, "198.51.100.1"},
		{"entry with a port", proxies, "10.1.2.3:443", []string{"198.51.100.1:1234"}, "198.51.100.1"},
		{"IPv6 entries", v6proxies, "[2001:db8::1]:443", []string{"[2001:db8:ffff::5]", "2a00:1450::1"}, "2a00:1450::1"},
		{"mapped IPv4 peer", proxies, "[::ffff:10.1.2.3]:443", []string{"198.51.100.1"}, "198.51.100.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.proxies.ClientIP(tc.remote, tc.xff)
			if !ok || got.String() != tc.want {
				t.Errorf("ClientIP(%q, %q) = %v, %v; want %s", tc.remote, tc.xff, got, ok, tc.want)
			}
		})
	}
	if _, ok := proxies.ClientIP("", nil); ok {
		t.Error("ClientIP of an empty remote address reported an address")
	}
}

func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{
		"198.51.100.7":               "198.51.100.7",
		"::ffff:198.51.100.7":        "198.51.100.7",
		"2001:db8:1:2:3:4:5:6":       "2001:db8:1:2::",
		"2001:db8:1:2:ffff:ffff::99": "2001:db8:1:2::",
	} {
		if got := ratelimit.AddressKey(netip.MustParseAddr(in)); got.String() != want {
			t.Errorf("AddressKey(%s) = %s, want %s", in, got, want)
		}
	}
}
