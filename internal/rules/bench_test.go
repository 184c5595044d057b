package rules

import (
	"fmt"
	"testing"
)

// benchmarkRules returns n active rules shaped like the ones tenants write:
// and/or groups over new devices, email domains in a list, IP ranges and
// custom data.
func benchmarkRules(tb testing.TB, n int) []Rule {
	shapes := []string{
		`{"and":[{"==":[{"var":"device.isNew"},true]},{"in_list":[{"var":"user.emailDomain"},"blocked-domains"]}]}`,
		`{"or":[{"in_cidr_list":[{"var":"ip.address"},"office-ips"]},{">=":[{"var":"action.custom.amount"},%d]}]}`,
		`{"and":[{"!":{"var":"user.hasPasskey"}},{"==":[{"var":"user.custom.tier"},"gold"]},{"<":[0,{"var":"device.userDeviceCount"},%d]}]}`,
		`{"and":[{"==":[{"var":"device.isBot"},false]},{"or":[{"in":[{"var":"device.platform"},["iOS","macOS","Android"]]},{"!":{"in_cidr_list":[{"var":"ip.address"},"office-ips"]}}]},{">":[{"var":["action.custom.amount",0]},%d]}]}`,
		`{"or":[{"==":[{"var":"action.code"},"withdraw-%d"]},{"and":[{"in":["PASSKEY",{"var":"user.enrolledMethods"}]},{"!=":[{"var":"user.custom.country"},"NZ"]}]}]}`,
	}
	rules := make([]Rule, n)
	for i := range rules {
		shape := shapes[i%len(shapes)]
		cond := shape
		if i%len(shapes) != 0 {
			cond = fmt.Sprintf(shape, 100*(i+1))
		}
		c, err := Compile([]byte(cond))
		if err != nil {
			tb.Fatalf("Compile(%s): %v", cond, err)
		}
		rules[i] = Rule{ID: fmt.Sprintf("rule-%02d", i), Priority: 99 - i%100, Active: true, Condition: c}
	}
	return rules
}

// benchmarkFacts returns the facts of a typical track call, with realistic
// value lists.
func benchmarkFacts(tb testing.TB) *Facts {
	domains := make([]string, 500)
	for i := range domains {
		domains[i] = fmt.Sprintf("disposable-%d.example", i)
	}
	domains = append(domains, "mailinator.com")
	return &Facts{
		User: UserFacts{
			UserID: "user-123", Email: "sam@mailinator.com", EmailDomain: "mailinator.com",
			IsEnrolled: true, EnrolledMethods: []string{"EMAIL_OTP", "PASSKEY"},
			HasPasskey: true, PasskeyCount: 1,
			Custom: map[string]any{"tier": "gold", "country": "AU"},
		},
		Device: DeviceFacts{ID: "dev-1", IsNew: true, UserDeviceCount: 2, Platform: "macOS", Browser: "Safari"},
		IP:     IPFacts{Address: "2001:db8:1::42"},
		Action: ActionFacts{Code: "withdraw", Custom: map[string]any{"amount": float64(2500)}},
		Lists: map[string]List{
			"blocked-domains": NewStringList(domains),
			"office-ips": mustList(tb, "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
				"203.0.113.0/24", "198.51.100.0/24", "2001:db8:1::/48", "2001:db8:2::/48"),
		},
	}
}

func BenchmarkSelect50(b *testing.B) {
	rules := benchmarkRules(b, 50)
	f := benchmarkFacts(b)
	matched := make([]string, 0, len(rules))
	b.ReportAllocs()
	for b.Loop() {
		matched, _ = AppendMatches(matched[:0], rules, f)
	}
	if len(matched) == 0 {
		b.Fatal("no rule matched")
	}
}

func BenchmarkCompile(b *testing.B) {
	cond := []byte(`{"and":[{"==":[{"var":"device.isBot"},false]},{"or":[{"in":[{"var":"device.platform"},["iOS","macOS","Android"]]},{"!":{"in_cidr_list":[{"var":"ip.address"},"office-ips"]}}]},{">":[{"var":["action.custom.amount",0]},1000]}]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(cond); err != nil {
			b.Fatal(err)
		}
	}
}
