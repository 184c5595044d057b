package config

import (
	"flag"
	"fmt"
	"strings"

	"github.com/uplift-dev/uplift/internal/ratelimit"
)

// rateLimitSetting is one request-rate limit's flag and variable.
type rateLimitSetting struct {
	flag, env, usage string
	def              func(ratelimit.Limits) ratelimit.Limit
	set              func(*ratelimit.Limits, ratelimit.Limit)
}

// rateLimitSettings lists the request-rate limits' flags and variables.
func rateLimitSettings() []rateLimitSetting {
	return []rateLimitSetting{
		{"rate-limit-ip", "UPLIFT_RATE_LIMIT_IP", "requests per client address to the Client API and hosted pages",
			func(l ratelimit.Limits) ratelimit.Limit { return l.IP },
			func(l *ratelimit.Limits, v ratelimit.Limit) { l.IP = v }},
		{"rate-limit-console-ip", "UPLIFT_RATE_LIMIT_CONSOLE_IP", "requests per client address to the console's sign-in and invitations",
			func(l ratelimit.Limits) ratelimit.Limit { return l.ConsoleIP },
			func(l *ratelimit.Limits, v ratelimit.Limit) { l.ConsoleIP = v }},
		{"rate-limit-tenant", "UPLIFT_RATE_LIMIT_TENANT", "requests per tenant to the Client API",
			func(l ratelimit.Limits) ratelimit.Limit { return l.Tenant },
			func(l *ratelimit.Limits, v ratelimit.Limit) { l.Tenant = v }},
		{"rate-limit-track-per-user", "UPLIFT_RATE_LIMIT_TRACK_PER_USER", "tracks per user of a tenant",
			func(l ratelimit.Limits) ratelimit.Limit { return l.TrackPerUser },
			func(l *ratelimit.Limits, v ratelimit.Limit) { l.TrackPerUser = v }},
	}
}

// rateLimitFlags registers the rate-limit flags on fs and returns a
// function that resolves them against the environment once fs has been
// parsed: each limit from its flag, else its variable, else its default;
// UPLIFT_RATE_LIMITS=off (or -rate-limits off) then turns every one off.
func rateLimitFlags(fs *flag.FlagSet, getenv func(string) string) func() (ratelimit.Limits, error) {
	defaults, settings := ratelimit.Defaults(), rateLimitSettings()
	values := make([]*string, len(settings))
	for i, s := range settings {
		values[i] = fs.String(s.flag, "", fmt.Sprintf("%s: N/s, N/min or N/h, optionally with \",burst=B\", or off (env %s, default %s)",
			s.usage, s.env, s.def(defaults)))
	}
	all := fs.String("rate-limits", "", "on, or off to turn every request-rate limit off, as for a load test from one address (env UPLIFT_RATE_LIMITS, default on)")
	proxies := fs.String("trusted-proxies", "", "comma-separated addresses and CIDR prefixes of reverse proxies whose X-Forwarded-For is believed (env UPLIFT_TRUSTED_PROXIES, default none)")
	return func() (ratelimit.Limits, error) {
		l := defaults
		for i, s := range settings {
			raw := pick(*values[i], getenv(s.env))
			if raw == "" {
				continue
			}
			v, err := ratelimit.ParseLimit(raw)
			if err != nil {
				return l, fmt.Errorf("%s (-%s): %w", s.env, s.flag, err)
			}
			s.set(&l, v)
		}
		var err error
		if l.TrustedProxies, err = ratelimit.ParseProxies(pick(*proxies, getenv("UPLIFT_TRUSTED_PROXIES"))); err != nil {
			return l, fmt.Errorf("UPLIFT_TRUSTED_PROXIES (-trusted-proxies): %w", err)
		}
		switch strings.ToLower(strings.TrimSpace(pick(*all, getenv("UPLIFT_RATE_LIMITS"), "on"))) {
		case "on":
		case "off":
			l = l.WithoutRates()
		default:
			return l, fmt.Errorf("UPLIFT_RATE_LIMITS must be on or off, got %q", pick(*all, getenv("UPLIFT_RATE_LIMITS")))
		}
		return l, nil
	}
}
