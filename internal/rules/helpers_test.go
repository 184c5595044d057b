package rules

import (
	"encoding/json"
	"testing"
)

// mustList builds a CIDR list or fails the test.
func mustList(t testing.TB, cidrs ...string) List {
	t.Helper()
	l, err := NewCIDRList(cidrs)
	if err != nil {
		t.Fatalf("NewCIDRList(%q): %v", cidrs, err)
	}
	return l
}

// mustCompile compiles a condition or fails the test.
func mustCompile(t testing.TB, cond string) *Condition {
	t.Helper()
	c, err := Compile(json.RawMessage(cond))
	if err != nil {
		t.Fatalf("Compile(%s): %v", cond, err)
	}
	return c
}

// sampleFacts returns a returning user on a new device, with every kind of
// fact and value list set.
func sampleFacts(t testing.TB) *Facts {
	return &Facts{
		User: UserFacts{
			UserID:          "u-1",
			Email:           "ann@Example.com",
			EmailDomain:     "example.com",
			Username:        "ann",
			IsEnrolled:      true,
			EnrolledMethods: []string{"PASSKEY", "EMAIL_OTP"},
			HasPasskey:      true,
			PasskeyCount:    2,
			Custom: map[string]any{
				"tier":      "gold",
				"age":       float64(42),
				"vip":       true,
				"tags":      []any{"a", "b", float64(3)},
				"nothing":   nil,
				"profile":   map[string]any{"x": 1},
				"logins":    json.Number("7"),
				"seats":     5,
				"a.b":       "dotted",
				"blank":     "",
				"countries": []string{"NZ", "AU"},
			},
		},
		Device: DeviceFacts{
			ID:              "d-1",
			IsNew:           true,
			UserDeviceCount: 3,
			Platform:        "macOS",
			Browser:         "Chrome",
		},
		IP: IPFacts{Address: "10.1.2.3"},
		Action: ActionFacts{
			Code:   "withdraw",
			Custom: map[string]any{"amount": float64(1500), "currency": "EUR"},
		},
		Lists: map[string]List{
			"blocked-domains": NewStringList([]string{"mailinator.com", "example.com"}),
			"lucky-numbers":   NewNumberList([]float64{7, 42}),
			"office-ips":      mustList(t, "10.0.0.0/8", "2001:db8::/32", "192.0.2.1"),
		},
	}
}
