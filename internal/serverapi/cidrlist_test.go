package serverapi_test

import (
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
)

// TestCIDRListAtTrack: a rule whose condition is in_cidr_list over a value
// list of CIDR ranges decides a track by the ipAddress it is given, for
// IPv4 and IPv6, single addresses and ranges, and stops matching once the
// list is changed, switched off or deleted.
func TestCIDRListAtTrack(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("Shop")
	const lists = "/v1/management/value-lists"
	e.Do(key, "POST", "/v1/management/action-configurations", map[string]any{
		"actionCode": "pay", "defaultUserActionResult": "ALLOW"}).MustOK(t)
	e.Do(key, "POST", lists, map[string]any{"alias": "blocked", "name": "Blocked ranges", "itemType": "cidr",
		"valueListItems": []string{"203.0.113.0/24", "2001:db8:bad::/48", "198.51.100.7"}}).MustOK(t)
	e.Do(key, "POST", "/v1/management/action-configurations/pay/rules", map[string]any{
		"name": "Blocked ranges", "priority": 1, "type": "BLOCK",
		"conditions": map[string]any{"in_cidr_list": []any{map[string]any{"var": "ip.address"}, "blocked"}},
	}).MustOK(t)

	track := func(t *testing.T, ip string) string {
		t.Helper()
		body := map[string]any{}
		if ip != "" {
			body["ipAddress"] = ip
		}
		return e.With(t).Do(key, "POST", "/v1/users/ada/actions/pay", body).MustOK(t).Str("state")
	}
	for _, tt := range []struct {
		ip   string
		want string
	}{
		{"203.0.113.9", "BLOCK"},        // inside the /24
		{"203.0.113.255", "BLOCK"},      // its last address
		{"203.0.114.1", "ALLOW"},        // just outside it
		{"198.51.100.7", "BLOCK"},       // a single address entry
		{"198.51.100.8", "ALLOW"},       // its neighbour
		{"2001:db8:bad:1::5", "BLOCK"},  // inside the IPv6 /48
		{"2001:db8:bae::1", "ALLOW"},    // outside it
		{"::ffff:203.0.113.9", "BLOCK"}, // IPv4 written as IPv6
		{"not-an-address", "ALLOW"},     // matches nothing
		{"", "ALLOW"},                   // no address given
		{"203.0.113.9/32", "ALLOW"},     // a range is not an address
		{"0203.000.113.009", "ALLOW"},   // nor is a zero-padded form
		{"2001:DB8:BAD::1", "BLOCK"},    // IPv6 in capitals
		{"203.0.113.9%eth0", "ALLOW"},   // nor an address with a zone
	} {
		t.Run(tt.ip, func(t *testing.T) {
			if got := track(t, tt.ip); got != tt.want {
				t.Errorf("track from %q = %s, want %s", tt.ip, got, tt.want)
			}
		})
	}

	// The rule follows the list as it changes.
	e.Do(key, "PATCH", lists+"/blocked", map[string]any{"valueListItems": []string{"192.0.2.0/24"}}).MustOK(t)
	if got := track(t, "203.0.113.9"); got != "ALLOW" {
		t.Errorf("after the range left the list: %s, want ALLOW", got)
	}
	if got := track(t, "192.0.2.1"); got != "BLOCK" {
		t.Errorf("after the range joined the list: %s, want BLOCK", got)
	}
	e.Do(key, "PATCH", lists+"/blocked", map[string]any{"isActive": false}).MustOK(t)
	if got := track(t, "192.0.2.1"); got != "ALLOW" {
		t.Errorf("with the list switched off: %s, want ALLOW", got)
	}
	e.Do(key, "PATCH", lists+"/blocked", map[string]any{"isActive": true}).MustOK(t)
	if got := track(t, "192.0.2.1"); got != "BLOCK" {
		t.Errorf("with the list switched back on: %s, want BLOCK", got)
	}
	e.Do(key, "DELETE", lists+"/blocked", nil).MustOK(t)
	if got := track(t, "192.0.2.1"); got != "ALLOW" {
		t.Errorf("with the list deleted: %s, want ALLOW", got)
	}
}
