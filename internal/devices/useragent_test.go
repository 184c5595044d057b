package devices_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/devices"
	"github.com/uplift-dev/uplift/internal/model"
)

func TestPasskeyName(t *testing.T) {
	tests := []struct {
		ua   string
		want string
	}{
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36", "Chrome on macOS"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1", "Safari on iOS"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:141.0) Gecko/20100101 Firefox/141.0", "Firefox on Windows"},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/148.0.0.0 Safari/537.36", "Chrome on Linux"},
		{"Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36", "Chrome on Android"},
		{"", "Passkey"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := devices.PasskeyName(devices.ParseUserAgent(tt.ua)); got != tt.want {
				t.Errorf("PasskeyName(%q) = %q, want %q", tt.ua, got, tt.want)
			}
		})
	}
}

func TestParseUserAgent(t *testing.T) {
	raw := "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1"
	got := devices.ParseUserAgent(raw)
	want := model.UserAgent{UA: raw, BrowserName: "Safari", BrowserVersion: "18.5", BrowserMajor: "18",
		OSName: "iOS", OSVersion: "18.5", DeviceType: "mobile", DeviceModel: "iPhone", DeviceVendor: "Apple",
		EngineName: "WebKit"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseUserAgent mismatch (-want +got):\n%s", diff)
	}
}

func TestParseUserAgentCutsLongStrings(t *testing.T) {
	got := devices.ParseUserAgent("Mozilla/5.0 " + strings.Repeat("x", 4000))
	if len(got.UA) != devices.MaxUserAgent {
		t.Errorf("len(UA) = %d, want %d", len(got.UA), devices.MaxUserAgent)
	}
}

func TestTruncateKeepsCharactersWhole(t *testing.T) {
	long := strings.Repeat("a", devices.MaxUserAgent-1) + "é" + "tail"
	got := devices.Truncate(long)
	if len(got) != devices.MaxUserAgent-1 || !utf8.ValidString(got) {
		t.Errorf("Truncate cut to %d bytes, valid UTF-8 %v; want %d bytes, valid", len(got), utf8.ValidString(got), devices.MaxUserAgent-1)
	}
	if short := "Mozilla/5.0"; devices.Truncate(short) != short {
		t.Errorf("Truncate changed a short user agent")
	}
}
