package notify

import (
	"strings"
	"testing"
	"time"
)

func TestLinkEmail(t *testing.T) {
	const link = "https://id.example.com/login/email-link?c=ch1&s=AbC-_9&t=tn1"
	tests := []struct {
		name        string
		tenant      string
		validFor    time.Duration
		wantSubject string
		wantText    []string
		wantHTML    []string
		notHTML     []string
	}{
		{
			name: "plain name", tenant: "Acme", validFor: 10 * time.Minute,
			wantSubject: "Your Acme sign-in link",
			wantText:    []string{"signing in to Acme:", "\n" + link + "\n", "expires in 10 minutes."},
			// The link's & is escaped in the attribute, as HTML requires.
			wantHTML: []string{`href="https://id.example.com/login/email-link?c=ch1&amp;s=AbC-_9&amp;t=tn1"`,
				`rel="noreferrer"`, "expires in 10 minutes."},
		},
		{
			name: "name needing escapes", tenant: `<b>Evil</b> & Co`, validFor: time.Hour,
			wantSubject: "Your <b>Evil</b> & Co sign-in link",
			wantHTML:    []string{"&lt;b&gt;Evil&lt;/b&gt; &amp; Co"},
			notHTML:     []string{"<b>"},
		},
		{
			name: "name with a line break", tenant: "Acme\r\nBcc: evil@example.com", validFor: time.Minute,
			wantSubject: "Your Acme  Bcc: evil@example.com sign-in link",
		},
		{
			name: "no name, no expiry", tenant: "", validFor: 0,
			wantSubject: "Your sign-in link",
			wantText:    []string{"confirm it is you signing in:", link},
			notHTML:     []string{"expires"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := LinkEmail(tt.tenant, link, tt.validFor)
			if got.Subject != tt.wantSubject || got.To != "" {
				t.Errorf("Subject = %q, To = %q; want %q and no To", got.Subject, got.To, tt.wantSubject)
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
					t.Errorf("HTML has %q:\n%s", s, got.HTML)
				}
			}
		})
	}
}

// TestLinkEmailRefusesScriptLinks: html/template keeps a link that is
// not http(s) out of the href, should one ever be passed.
func TestLinkEmailRefusesScriptLinks(t *testing.T) {
	got := LinkEmail("Acme", "javascript:alert(1)", time.Minute)
	if strings.Contains(got.HTML, `href="javascript:`) {
		t.Errorf("HTML links to a script:\n%s", got.HTML)
	}
}
