// Package config loads Uplift's configuration once, from command-line
// flags first and UPLIFT_* environment variables second.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"

	"github.com/uplift-dev/uplift/internal/ratelimit"
)

// Config is everything the server needs to start.
type Config struct {
	// Addr is the address to listen on (UPLIFT_ADDR).
	Addr string
	// DatabaseURL is sqlite://PATH or postgres://... (UPLIFT_DATABASE_URL).
	DatabaseURL string
	// PublicURL is the base URL users and apps reach Uplift at
	// (UPLIFT_PUBLIC_URL); it gives the default relying party and origin.
	// Unless set, it follows the listen address (see FollowListener).
	PublicURL string
	// PublicURLSet reports that PublicURL was given, by flag or
	// environment, rather than derived from Addr.
	PublicURLSet bool
	// SMTPURL is smtp://user:pass@host:port for email (UPLIFT_SMTP_URL).
	SMTPURL string
	// SMTPFrom overrides the sender address (UPLIFT_SMTP_FROM).
	SMTPFrom string
	// SMSURL is the webhook that receives {to, body} for texts, or a
	// twilio:// account URL (UPLIFT_SMS_URL).
	SMSURL string
	// LogLevel is debug, info, warn or error (UPLIFT_LOG_LEVEL).
	LogLevel string
	// AAGUIDURL, when set, is where a passkey provider list (AAGUID →
	// name and icons) is fetched at start to override the built-in one
	// (UPLIFT_AAGUID_URL).
	AAGUIDURL string
	// Dev turns on development mode: messages printed and kept in a dev inbox.
	Dev bool
	// RateLimits are the request-rate limits (UPLIFT_RATE_LIMIT_*,
	// UPLIFT_RATE_LIMITS=off) and the trusted proxies
	// (UPLIFT_TRUSTED_PROXIES); see ratelimits.go.
	RateLimits ratelimit.Limits
	// SendCeilings cap each tenant's code sends an hour (see
	// sendceilings.go).
	SendCeilings SendCeilings
	// Metrics says where the Prometheus metrics are served, if anywhere
	// (UPLIFT_METRICS, UPLIFT_METRICS_ADDR; see metrics.go).
	Metrics Metrics
	// Webhooks configures webhook delivery (UPLIFT_WEBHOOK_*; see
	// webhooks.go).
	Webhooks Webhooks
}

// Defaults. The public URL's default follows the listen address:
// http://localhost:8080 for the default address.
const (
	DefaultAddr        = ":8080"
	DefaultDatabaseURL = "sqlite://uplift.db"
)

// Flags registers the server flags on fs and returns a function that
// resolves them against the environment once fs has been parsed.
func Flags(fs *flag.FlagSet, getenv func(string) string) func() (Config, error) {
	addr := fs.String("addr", "", "listen address (env UPLIFT_ADDR, default "+DefaultAddr+")")
	db := fs.String("database-url", "", "database URL (env UPLIFT_DATABASE_URL, default "+DefaultDatabaseURL+")")
	public := fs.String("public-url", "", "public base URL (env UPLIFT_PUBLIC_URL, default http://localhost:PORT of the listen address)")
	logLevel := fs.String("log-level", "", "log level: debug, info, warn, error (env UPLIFT_LOG_LEVEL, default info)")
	rateLimits := rateLimitFlags(fs, getenv)
	metrics := metricsFlags(fs, getenv)
	return func() (Config, error) {
		c := Config{
			Addr:        pick(*addr, getenv("UPLIFT_ADDR"), DefaultAddr),
			DatabaseURL: pick(*db, getenv("UPLIFT_DATABASE_URL"), DefaultDatabaseURL),
			PublicURL:   strings.TrimRight(pick(*public, getenv("UPLIFT_PUBLIC_URL")), "/"),
			SMTPURL:     getenv("UPLIFT_SMTP_URL"),
			SMTPFrom:    getenv("UPLIFT_SMTP_FROM"),
			SMSURL:      getenv("UPLIFT_SMS_URL"),
			LogLevel:    pick(*logLevel, getenv("UPLIFT_LOG_LEVEL"), "info"),
			AAGUIDURL:   getenv("UPLIFT_AAGUID_URL"),
		}
		var err error
		if c.RateLimits, err = rateLimits(); err != nil {
			return c, err
		}
		if c.SendCeilings, err = sendCeilings(getenv); err != nil {
			return c, err
		}
		if c.Metrics, err = metrics(); err != nil {
			return c, err
		}
		if c.Webhooks, err = webhooks(getenv); err != nil {
			return c, err
		}
		c.PublicURLSet = c.PublicURL != ""
		if !c.PublicURLSet {
			u, err := URLForAddr(c.Addr)
			if err != nil {
				return c, err
			}
			c.PublicURL = u
		}
		return c, c.Validate()
	}
}

// DatabaseFlag registers only the database flag, for commands that need
// nothing else.
func DatabaseFlag(fs *flag.FlagSet, getenv func(string) string) func() string {
	db := fs.String("database-url", "", "database URL (env UPLIFT_DATABASE_URL, default "+DefaultDatabaseURL+")")
	return func() string { return pick(*db, getenv("UPLIFT_DATABASE_URL"), DefaultDatabaseURL) }
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
		return fmt.Errorf("public URL must be an http(s) origin such as https://auth.example.com, got %q", c.PublicURL)
	}
	if _, err := c.Level(); err != nil {
		return err
	}
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
			return errors.New("UPLIFT_SMTP_URL must look like smtp://user:pass@host:587")
		}
	}
	if c.AAGUIDURL != "" {
		if u, err := url.Parse(c.AAGUIDURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("UPLIFT_AAGUID_URL must be an http(s) URL")
		}
	}
	if c.SMSURL != "" {
		u, err := url.Parse(c.SMSURL)
		web := err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
		if !web && (err != nil || u.Scheme != "twilio") {
			return errors.New("UPLIFT_SMS_URL must be an http(s) webhook URL or twilio://SID:TOKEN@/+15550001111")
		}
	}
	return nil
}

// Level returns the slog level LogLevel names.
func (c Config) Level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return l, fmt.Errorf("log level must be debug, info, warn or error, got %q", c.LogLevel)
	}
	return l, nil
}

// RPID is the default relying party id: the public URL's host name.
func (c Config) RPID() string {
	u, _ := url.Parse(c.PublicURL)
	return u.Hostname()
}

// Logger returns the structured logger the configuration asks for.
func (c Config) Logger(w io.Writer) *slog.Logger {
	level, _ := c.Level()
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

func pick(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
