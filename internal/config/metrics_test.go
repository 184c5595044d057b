package config_test

import (
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/config"
)

// TestMetrics: the metrics are off unless asked for; a flag wins over its
// variable; a value that cannot work is refused, naming the variable.
func TestMetrics(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want config.Metrics
	}{
		{"off by default", nil, nil, config.Metrics{}},
		{"variable on", nil, map[string]string{"UPLIFT_METRICS": "on"}, config.Metrics{OnMain: true}},
		{"variable off", nil, map[string]string{"UPLIFT_METRICS": "off"}, config.Metrics{}},
		{"flag off over variable on", []string{"-metrics", "off"}, map[string]string{"UPLIFT_METRICS": "on"}, config.Metrics{}},
		{"flag on over variable off", []string{"-metrics", "on"}, map[string]string{"UPLIFT_METRICS": "off"}, config.Metrics{OnMain: true}},
		{"own address", nil, map[string]string{"UPLIFT_METRICS_ADDR": "127.0.0.1:9090"}, config.Metrics{Addr: "127.0.0.1:9090"}},
		{"address flag over variable", []string{"-metrics-addr", "127.0.0.1:9191"},
			map[string]string{"UPLIFT_METRICS_ADDR": "127.0.0.1:9090"}, config.Metrics{Addr: "127.0.0.1:9191"}},
		{"both", nil, map[string]string{"UPLIFT_METRICS": "on", "UPLIFT_METRICS_ADDR": "127.0.0.1:9090"},
			config.Metrics{OnMain: true, Addr: "127.0.0.1:9090"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := load(t, tc.args, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.Metrics != tc.want {
				t.Errorf("Metrics = %+v, want %+v", c.Metrics, tc.want)
			}
			if got, want := c.Metrics.Enabled(), tc.want.OnMain || tc.want.Addr != ""; got != want {
				t.Errorf("Enabled() = %v, want %v", got, want)
			}
		})
	}
	for _, tc := range []struct {
		env  map[string]string
		name string
	}{
		{map[string]string{"UPLIFT_METRICS": "yes"}, "UPLIFT_METRICS"},
		{map[string]string{"UPLIFT_METRICS_ADDR": "9090"}, "UPLIFT_METRICS_ADDR"},
		{map[string]string{"UPLIFT_METRICS_ADDR": "127.0.0.1:"}, "UPLIFT_METRICS_ADDR"},
	} {
		if _, err := load(t, nil, tc.env); err == nil || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%v: err = %v, want one naming %s", tc.env, err, tc.name)
		}
	}
}
