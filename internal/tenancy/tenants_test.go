package tenancy

import (
	"testing"

	"github.com/uplift-dev/uplift/internal/model"
)

func TestRedirectAllowed(t *testing.T) {
	tenant := model.Tenant{RedirectPrefixes: []string{"https://app.example.com/auth/", "http://localhost:3000/"}}
	tests := []struct {
		url  string
		want bool
	}{
		{"https://app.example.com/auth/callback", true},
		{"https://app.example.com/auth/", true},
		{"https://APP.example.com/auth/callback?x=1", true},
		{"http://localhost:3000/", true},
		{"http://localhost:3000/deep/path", true},
		{"https://app.example.com/authx", false},
		{"https://app.example.com/other", false},
		{"http://app.example.com/auth/callback", false},
		{"https://app.example.com.evil.com/auth/", false},
		{"https://evil.com/https://app.example.com/auth/", false},
		{"https://user@app.example.com/auth/", false},
		{"javascript:alert(1)", false},
		{"//app.example.com/auth/", false},
		{"http://localhost:3001/", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := RedirectAllowed(tenant, tt.url); got != tt.want {
			t.Errorf("RedirectAllowed(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
}

func TestValidRPID(t *testing.T) {
	tests := []struct {
		rpID    string
		origins []string
		ok      bool
	}{
		{"example.com", []string{"https://example.com", "https://app.example.com"}, true},
		{"localhost", []string{"http://localhost:8080"}, true},
		{"example.com", []string{"https://example.org"}, false},
		{"example.com", []string{"https://badexample.com"}, false},
		{"example.com:443", []string{"https://example.com"}, false},
		{"", nil, false},
	}
	for _, tt := range tests {
		if err := ValidRPID(tt.rpID, tt.origins); (err == nil) != tt.ok {
			t.Errorf("ValidRPID(%q, %v) = %v, want ok=%v", tt.rpID, tt.origins, err, tt.ok)
		}
	}
}
