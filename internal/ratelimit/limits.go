package ratelimit

// Limits are the request-rate limits a server applies, each per instance.
type Limits struct {
	// IP limits each client address (IPv6: each /64) over the Client API
	// and the hosted pages.
	IP Limit
	// ConsoleIP limits each client address over the console's steps
	// before sign-in: the sign-in ceremony and invitations.
	ConsoleIP Limit
	// Tenant limits each tenant over the Client API, whoever calls.
	Tenant Limit
	// TrackPerUser limits each user of a tenant over track.
	TrackPerUser Limit
	// TrustedProxies may say whom they forward for in X-Forwarded-For.
	TrustedProxies Proxies
}

// Defaults returns the default limits, trusting no proxy: far above what
// people using an app cause, low enough that a flood from one address or
// at one tenant is refused long before it fills a database.
func Defaults() Limits {
	return Limits{
		IP:           Limit{Rate: 50, Burst: 50},        // 50/s
		ConsoleIP:    Limit{Rate: 30.0 / 60, Burst: 30}, // 30/min
		Tenant:       Limit{Rate: 1000, Burst: 1000},    // 1000/s
		TrackPerUser: Limit{Rate: 1, Burst: 60},         // 60/min
	}
}

// WithoutRates returns l with every request-rate limit off, keeping the
// trusted proxies.
func (l Limits) WithoutRates() Limits {
	return Limits{TrustedProxies: l.TrustedProxies}
}
