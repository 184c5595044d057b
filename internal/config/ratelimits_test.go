package config_test

import (
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/config"
	"github.com/uplift-dev/uplift/internal/ratelimit"
)

// load resolves the server configuration from args and env.
func load(t *testing.T, args []string, env map[string]string) (config.Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	resolve := config.Flags(fs, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	return resolve()
}

func TestRateLimits(t *testing.T) {
	defaults := ratelimit.Defaults()
	proxies, _ := ratelimit.ParseProxies("10.0.0.0/8,192.0.2.7")
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want func(*ratelimit.Limits)
	}{
		{"defaults", nil, nil, func(*ratelimit.Limits) {}},
		{"every variable", nil, map[string]string{
			"UPLIFT_RATE_LIMIT_IP":             "100/s",
			"UPLIFT_RATE_LIMIT_CONSOLE_IP":     "10/min,burst=3",
			"UPLIFT_RATE_LIMIT_TENANT":         "off",
			"UPLIFT_RATE_LIMIT_TRACK_PER_USER": "600/h",
			"UPLIFT_TRUSTED_PROXIES":           "10.0.0.0/8, 192.0.2.7",
		}, func(l *ratelimit.Limits) {
			l.IP = ratelimit.Limit{Rate: 100, Burst: 100}
			l.ConsoleIP = ratelimit.Limit{Rate: 10.0 / 60, Burst: 3}
			l.Tenant = ratelimit.Limit{}
			l.TrackPerUser = ratelimit.Limit{Rate: 600.0 / 3600, Burst: 600}
			l.TrustedProxies = proxies
		}},
		{"flags over variables", []string{"-rate-limit-ip", "7/s", "-trusted-proxies", "10.0.0.0/8,192.0.2.7"},
			map[string]string{"UPLIFT_RATE_LIMIT_IP": "100/s", "UPLIFT_TRUSTED_PROXIES": "203.0.113.1"},
			func(l *ratelimit.Limits) {
				l.IP = ratelimit.Limit{Rate: 7, Burst: 7}
				l.TrustedProxies = proxies
			}},
		{"all off, proxies kept", nil, map[string]string{"UPLIFT_RATE_LIMITS": "off", "UPLIFT_RATE_LIMIT_IP": "5/s",
			"UPLIFT_TRUSTED_PROXIES": "10.0.0.0/8,192.0.2.7"},
			func(l *ratelimit.Limits) { *l = ratelimit.Limits{TrustedProxies: proxies} }},
		{"all off by flag", []string{"-rate-limits=off"}, nil, func(l *ratelimit.Limits) { *l = ratelimit.Limits{} }},
		{"explicitly on", nil, map[string]string{"UPLIFT_RATE_LIMITS": "on"}, func(*ratelimit.Limits) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := load(t, tc.args, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			want := defaults
			tc.want(&want)
			if diff := cmp.Diff(c.RateLimits, want, cmp.Comparer(func(a, b ratelimit.Proxies) bool {
				return a.String() == b.String()
			})); diff != "" {
				t.Errorf("rate limits (-got +want):\n%s", diff)
			}
		})
	}
}

func TestRateLimitsRefuseBadValues(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		env     map[string]string
		mention string
	}{
		{nil, map[string]string{"UPLIFT_RATE_LIMIT_IP": "fast"}, "UPLIFT_RATE_LIMIT_IP"},
		{nil, map[string]string{"UPLIFT_RATE_LIMIT_CONSOLE_IP": "0/min"}, "UPLIFT_RATE_LIMIT_CONSOLE_IP"},
		{nil, map[string]string{"UPLIFT_RATE_LIMIT_TENANT": "100/day"}, "UPLIFT_RATE_LIMIT_TENANT"},
		{[]string{"-rate-limit-track-per-user", "60/min,burst"}, nil, "UPLIFT_RATE_LIMIT_TRACK_PER_USER"},
		{nil, map[string]string{"UPLIFT_RATE_LIMITS": "no"}, "UPLIFT_RATE_LIMITS must be on or off"},
		{nil, map[string]string{"UPLIFT_TRUSTED_PROXIES": "10.0.0.0/8,proxy.internal"}, "UPLIFT_TRUSTED_PROXIES"},
	} {
		_, err := load(t, tc.args, tc.env)
		if err == nil {
			t.Errorf("args %q env %v accepted, want an error", tc.args, tc.env)
			continue
		}
		if !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("args %q env %v: error %q does not mention %q", tc.args, tc.env, err, tc.mention)
		}
	}
}
