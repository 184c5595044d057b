package config

import (
	"fmt"
	"time"
)

// Webhooks configures the delivery of tenants' webhooks.
type Webhooks struct {
	// AllowPrivate lets webhook URLs use http and reach private, loopback
	// and link-local addresses (UPLIFT_WEBHOOK_ALLOW_PRIVATE=1), for tests
	// and receivers on the operator's own network.
	AllowPrivate bool
	// RetryBase is the wait after a first failed delivery, doubling after
	// each later one (UPLIFT_WEBHOOK_RETRY_BASE, a Go duration; 0 means
	// the default, 30s).
	RetryBase time.Duration
}

// webhooks reads the webhook variables.
func webhooks(getenv func(string) string) (Webhooks, error) {
	w := Webhooks{}
	switch v := getenv("UPLIFT_WEBHOOK_ALLOW_PRIVATE"); v {
	case "", "0":
	case "1":
		w.AllowPrivate = true
	default:
		return w, fmt.Errorf("UPLIFT_WEBHOOK_ALLOW_PRIVATE must be 1 or 0, got %q", v)
	}
	if v := getenv("UPLIFT_WEBHOOK_RETRY_BASE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 10*time.Millisecond || d > time.Hour {
			return w, fmt.Errorf("UPLIFT_WEBHOOK_RETRY_BASE must be a duration from 10ms to 1h, got %q", v)
		}
		w.RetryBase = d
	}
	return w, nil
}
