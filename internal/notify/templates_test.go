package notify

import (
	"strings"
	"testing"
	"time"
)

func TestCodeEmail(t *testing.T) {
	tests := []struct {
		name        string
		tenant      string
		validFor    time.Duration
		wantSubject string
		wantText    []string // each must appear in the plain text
		wantHTML    []string // each must appear in the HTML
		notHTML     []string // none may appear in the HTML
	}{
		{
			name: "plain name", tenant: "Acme", validFor: 10 * time.Minute,
			wantSubject: "Your Acme verification code is 012345",
			wantText:    []string{"Your Acme verification code is:", "012345", "It expires in 10 minutes."},
			wantHTML:    []string{"Your Acme verification code is:", ">012345<", "It expires in 10 minutes."},
		},
		{
			name: "name needing escapes", tenant: `<script>alert("x")</script> & Co`, validFor: time.Hour,
			wantSubject: `Your <script>alert("x")</script> & Co verification code is 012345`,
			wantText:    []string{`<script>alert("x")</script> & Co`, "It expires in 1 hour."},
			wantHTML:    []string{"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co"},
			notHTML:     []string{"<script>"},
		},
		{
			name: "name with a line break", tenant: "Acme\r\nBcc: evil@example.com", validFor: 90 * time.Second,
			wantSubject: "Your Acme  Bcc: evil@example.com verification code is 012345",
			wantText:    []string{"It expires in 90 seconds."},
		},
		{
			name: "no name, no expiry", tenant: "  ", validFor: 0,
			wantSubject: "Your verification code is 012345",
			wantText:    []string{"Your verification code is:", "012345"},
			wantHTML:    []string{"Your verification code is:", ">012345<"},
			notHTML:     []string{"expires"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CodeEmail(tt.tenant, "012345", tt.validFor)
			if got.Subject != tt.wantSubject {
				t.Errorf("Subject = %q, want %q", got.Subject, tt.wantSubject)
			}
			if got.To != "" {
				t.Errorf("To = %q, want it left to the caller", got.To)
			}
			for _, s := range tt.wantText {
				if !strings.Contains(got.Text, s) {
					t.Errorf("Text lacks %q:\n%s", s, got.Text)
				}
			}
			for _, s := range tt.wantHTML {
				if !strings.Contains(got.HTML, s) {
					t.Errorf("HTML lacks %q:\n%s", s, got.HTML)
				}
			}
			for _, s := range tt.notHTML {
				if strings.Contains(got.HTML, s) {
					t.Errorf("HTML contains %q:\n%s", s, got.HTML)
				}
			}
			if strings.ContainsAny(got.Subject, "\r\n") {
				t.Errorf("Subject %q spans lines", got.Subject)
			}
		})
	}
}

func TestCodeSMS(t *testing.T) {
	tests := []struct {
		tenant   string
		validFor time.Duration
		want     string
	}{
		{"Acme", 10 * time.Minute, "Your Acme verification code is 012345. It expires in 10 minutes."},
		{"", 5 * time.Minute, "Your verification code is 012345. It expires in 5 minutes."},
		{"Acme", 0, "Your Acme verification code is 012345."},
	}
	for _, tt := range tests {
		got := CodeSMS(tt.tenant, "012345", tt.validFor)
		if got.Body != tt.want || got.To != "" {
			t.Errorf("CodeSMS(%q, %v) = %+v, want body %q", tt.tenant, tt.validFor, got, tt.want)
		}
	}
}

func TestDurationText(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, ""},
		{-time.Minute, ""},
		{time.Second, "1 second"},
		{1500 * time.Millisecond, "2 seconds"},
		{90 * time.Second, "90 seconds"},
		{time.Minute, "1 minute"},
		{10 * time.Minute, "10 minutes"},
		{time.Hour, "1 hour"},
		{2 * time.Hour, "2 hours"},
		{90 * time.Minute, "90 minutes"},
	}
	for _, tt := range tests {
		if got := durationText(tt.d); got != tt.want {
			t.Errorf("durationText(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
