package config

import (
	"flag"
	"net"
	"strings"
	"testing"
)

func TestPublicURLFollowsTheListenAddress(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
		set  bool
	}{
		{nil, nil, "http://localhost:8080", false},
		{[]string{"--addr", ":9090"}, nil, "http://localhost:9090", false},
		{[]string{"--addr", "0.0.0.0:9090"}, nil, "http://localhost:9090", false},
		{[]string{"--addr", "[::]:9090"}, nil, "http://localhost:9090", false},
		{[]string{"--addr", "127.0.0.1:18081"}, nil, "http://localhost:18081", false},
		{[]string{"--addr", "[::1]:18081"}, nil, "http://localhost:18081", false},
		{[]string{"--addr", "localhost:7000"}, nil, "http://localhost:7000", false},
		{[]string{"--addr", "auth.internal:8080"}, nil, "http://auth.internal:8080", false},
		{[]string{"--addr", "192.0.2.7:8080"}, nil, "http://192.0.2.7:8080", false},
		{nil, map[string]string{"UPLIFT_ADDR": ":7070"}, "http://localhost:7070", false},
		{[]string{"--addr", ":9090"}, map[string]string{"UPLIFT_PUBLIC_URL": "https://auth.example.com/"}, "https://auth.example.com", true},
		{[]string{"--addr", ":9090", "--public-url", "http://localhost:9091"}, nil, "http://localhost:9091", true},
	} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		load := Flags(fs, func(k string) string { return tc.env[k] })
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		c, err := load()
		if err != nil {
			t.Errorf("%v %v: %v", tc.args, tc.env, err)
			continue
		}
		if c.PublicURL != tc.want || c.PublicURLSet != tc.set {
			t.Errorf("%v %v: public URL %s (set %v), want %s (set %v)", tc.args, tc.env, c.PublicURL, c.PublicURLSet, tc.want, tc.set)
		}
	}
}

func TestBadListenAddress(t *testing.T) {
	for _, addr := range []string{"8080", "localhost", ""} {
		if _, err := URLForAddr(addr); err == nil {
			t.Errorf("URLForAddr(%q) succeeded, want an error", addr)
		}
	}
}

func TestFollowListener(t *testing.T) {
	listen := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 41234}
	c := Config{PublicURL: "http://localhost:0"}
	c.FollowListener(listen)
	if c.PublicURL != "http://localhost:41234" {
		t.Errorf("a derived public URL became %s, want the port actually listened on", c.PublicURL)
	}
	c = Config{PublicURL: "https://auth.example.com", PublicURLSet: true}
	c.FollowListener(listen)
	if c.PublicURL != "https://auth.example.com" {
		t.Errorf("a public URL that was set became %s", c.PublicURL)
	}
}

func TestPortMismatch(t *testing.T) {
	listen := &net.TCPAddr{IP: net.IPv4zero, Port: 8080}
	for _, tc := range []struct {
		public      string
		set         bool
		wantSaid    bool
		wantLocal   bool
		wantMention string
	}{
		{"http://localhost:8080", true, false, false, ""},
		{"http://localhost:9090", false, false, false, ""},
		{"http://localhost:9090", true, true, true, "port 9090"},
		{"http://127.0.0.1:9090", true, true, true, "port 9090"},
		{"https://auth.example.com", true, true, false, "port 443"},
		{"http://auth.example.com", true, true, false, "port 80"},
		{"https://auth.example.com:8080", true, false, false, ""},
	} {
		c := Config{PublicURL: tc.public, PublicURLSet: tc.set}
		msg, local := c.PortMismatch(listen)
		if (msg != "") != tc.wantSaid || local != tc.wantLocal || !strings.Contains(msg, tc.wantMention) {
			t.Errorf("%s (set %v): %q, local %v; want said %v, local %v, mentioning %q",
				tc.public, tc.set, msg, local, tc.wantSaid, tc.wantLocal, tc.wantMention)
		}
	}
}

func TestHostWarning(t *testing.T) {
	for _, tc := range []struct {
		public string
		warn   bool
	}{
		{"http://localhost:8080", false},
		{"http://app.localhost:8080", false},
		{"https://auth.example.com", false},
		{"http://auth.example.com", true},
		{"http://127.0.0.1:8080", true},
		{"https://192.0.2.7", true},
		{"https://[2001:db8::1]", true},
	} {
		if got := (Config{PublicURL: tc.public}).HostWarning(); (got != "") != tc.warn {
			t.Errorf("HostWarning(%s) = %q, want a warning: %v", tc.public, got, tc.warn)
		}
	}
}
