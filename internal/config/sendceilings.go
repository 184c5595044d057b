package config

import (
	"fmt"
	"strconv"
	"strings"
)

// SendCeilings are the tenant-wide ceilings on code sends an hour
// (UPLIFT_TENANT_EMAILS_PER_HOUR, UPLIFT_TENANT_TEXTS_PER_HOUR). A field
// is 0 when the variable is unset (the server's default applies) and -1
// when it is "0" or "off" (no ceiling). Unlike the request-rate limits,
// UPLIFT_RATE_LIMITS=off leaves them on.
type SendCeilings struct {
	EmailsPerHour int
	TextsPerHour  int
}

// sendCeilings reads the ceilings from the environment.
func sendCeilings(getenv func(string) string) (SendCeilings, error) {
	var c SendCeilings
	var err error
	if c.EmailsPerHour, err = ceiling(getenv, "UPLIFT_TENANT_EMAILS_PER_HOUR"); err != nil {
		return c, err
	}
	c.TextsPerHour, err = ceiling(getenv, "UPLIFT_TENANT_TEXTS_PER_HOUR")
	return c, err
}

func ceiling(getenv func(string) string, name string) (int, error) {
	v := strings.TrimSpace(getenv(name))
	switch strings.ToLower(v) {
	case "":
		return 0, nil
	case "0", "off":
		return -1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s must be a number of sends an hour, or 0 or off for no ceiling, got %q", name, v)
	}
	return n, nil
}
