package tenancy

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/model"
)

func TestCheckRelatedOrigins(t *testing.T) {
	tests := []struct {
		name    string
		in      []string
		want    []string
		wantErr string // part of the refusal; "" accepts
	}{
		{"none", nil, []string{}, ""},
		{"normalised", []string{"HTTPS://Shop.Example.CO.UK/", "https://example.org:8443"},
			[]string{"https://shop.example.co.uk", "https://example.org:8443"}, ""},
		{"duplicates dropped", []string{"https://a.example.org", "https://A.example.org/"}, []string{"https://a.example.org"}, ""},
		{"localhost over http", []string{"http://localhost:3000", "http://app.localhost"},
			[]string{"http://localhost:3000", "http://app.localhost"}, ""},
		{"five labels", []string{"https://a.com", "https://b.com", "https://c.com", "https://d.com", "https://e.com",
			"https://a.co.uk", "https://www.b.de"}, []string{"https://a.com", "https://b.com", "https://c.com",
			"https://d.com", "https://e.com", "https://a.co.uk", "https://www.b.de"}, ""},
		{"private suffix counts its own label", []string{"https://team.github.io"}, []string{"https://team.github.io"}, ""},
		{"six labels", []string{"https://a.com", "https://b.com", "https://c.com", "https://d.com", "https://e.com",
			"https://f.com"}, nil, "span 6 registrable domain labels (a, b, c, d, e, f)"},
		{"http elsewhere", []string{"http://example.org"}, nil, "must be https"},
		{"path", []string{"https://example.org/login"}, nil, "scheme and host"},
		{"query", []string{"https://example.org?x=1"}, nil, "scheme and host"},
		{"empty query", []string{"https://example.org?"}, nil, "scheme and host"},
		{"fragment", []string{"https://example.org#top"}, nil, "scheme and host"},
		{"user info", []string{"https://me@example.org"}, nil, "scheme and host"},
		{"no scheme", []string{"example.org"}, nil, "scheme and host"},
		{"other scheme", []string{"ftp://example.org"}, nil, "must be https"},
		{"IP address", []string{"https://192.0.2.1"}, nil, "not an IP address"},
		{"IPv6 address", []string{"https://[2001:db8::1]"}, nil, "not an IP address"},
		{"public suffix alone", []string{"https://co.uk"}, nil, "registrable domain"},
		{"unknown suffix", []string{"https://app.internal"}, nil, "known public suffix"},
		{"underscore", []string{"https://a_b.example.org"}, nil, "must name a domain"},
		{"bad port", []string{"https://example.org:x"}, nil, "scheme and host"},
		{"NUL", []string{"https://exa\x00mple.org"}, nil, "scheme and host"},
		{"too many", manyOrigins(21), nil, "at most 20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckRelatedOrigins(tt.in)
			if tt.wantErr != "" {
				if err == nil || !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("CheckRelatedOrigins(%q) = %v, %v; want an invalid error with %q", tt.in, got, err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "relatedOrigins") {
					t.Errorf("the refusal %q does not name relatedOrigins", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("CheckRelatedOrigins(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("CheckRelatedOrigins(%q) (-got +want):\n%s", tt.in, diff)
			}
		})
	}
}

// manyOrigins is n origins under one registrable domain.
func manyOrigins(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("https://a%d.example.org", i)
	}
	return out
}

func TestValidHostName(t *testing.T) {
	for h, want := range map[string]bool{
		"example.com": true, "localhost": true, "xn--bcher-kva.example": true, "a-b.example.com": true,
		"": false, "-a.example.com": false, "a..b": false, "a b": false, "ex_ample.com": false,
		strings.Repeat("a", 64) + ".com": false, strings.Repeat("a.", 127) + "com": false,
	} {
		if got := ValidHostName(h); got != want {
			t.Errorf("ValidHostName(%q) = %v, want %v", h, got, want)
		}
	}
}
