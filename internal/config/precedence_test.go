package config_test

import (
	"flag"
	"io"
	"testing"

	"github.com/uplift-dev/uplift/internal/config"
)

// TestFlagsOverEnvironment: every setting with both a flag and a variable
// takes the flag when both are given, the variable when only it is, and
// its default when neither is.
func TestFlagsOverEnvironment(t *testing.T) {
	settings := []struct {
		flag, env       string
		flagVal, envVal string
		def             string
		get             func(config.Config) string
	}{
		{"addr", "UPLIFT_ADDR", "127.0.0.1:9090", "127.0.0.1:7070", config.DefaultAddr,
			func(c config.Config) string { return c.Addr }},
		{"database-url", "UPLIFT_DATABASE_URL", "sqlite://flag.db", "sqlite://env.db", config.DefaultDatabaseURL,
			func(c config.Config) string { return c.DatabaseURL }},
		{"public-url", "UPLIFT_PUBLIC_URL", "https://flag.example.com", "https://env.example.com", "http://localhost:8080",
			func(c config.Config) string { return c.PublicURL }},
		{"log-level", "UPLIFT_LOG_LEVEL", "debug", "warn", "info",
			func(c config.Config) string { return c.LogLevel }},
	}
	for _, s := range settings {
		for _, tc := range []struct {
			name string
			args []string
			env  map[string]string
			want string
		}{
			{"flag and variable", []string{"-" + s.flag, s.flagVal}, map[string]string{s.env: s.envVal}, s.flagVal},
			{"variable only", nil, map[string]string{s.env: s.envVal}, s.envVal},
			{"flag only", []string{"-" + s.flag, s.flagVal}, nil, s.flagVal},
			{"neither", nil, nil, s.def},
		} {
			t.Run(s.flag+"/"+tc.name, func(t *testing.T) {
				c, err := load(t, tc.args, tc.env)
				if err != nil {
					t.Fatal(err)
				}
				if got := s.get(c); got != tc.want {
					t.Errorf("%s = %q, want %q", s.flag, got, tc.want)
				}
			})
		}
	}
}

// TestDatabaseFlagOverEnvironment: the commands that only need the
// database (migrate, tenant) resolve it the same way.
func TestDatabaseFlagOverEnvironment(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"-database-url", "sqlite://flag.db"}, "sqlite://env.db", "sqlite://flag.db"},
		{nil, "sqlite://env.db", "sqlite://env.db"},
		{nil, "", config.DefaultDatabaseURL},
	} {
		fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		resolve := config.DatabaseFlag(fs, func(k string) string {
			if k == "UPLIFT_DATABASE_URL" {
				return tc.env
			}
			return ""
		})
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		if got := resolve(); got != tc.want {
			t.Errorf("%q with UPLIFT_DATABASE_URL=%q: %q, want %q", tc.args, tc.env, got, tc.want)
		}
	}
}
