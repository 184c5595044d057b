package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/i18n"
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

// The emails and texts speak the language they are given: subject,
// both parts and the HTML's lang attribute, with the plural forms of the
// language.
func TestMessagesInTheUsersLanguage(t *testing.T) {
	fr, _ := i18n.Get("fr")
	m := BrandedCodeEmail(fr, Brand{Name: "Acme"}, "012345", 10*time.Minute)
	for _, want := range []string{"Votre code de vérification Acme est\u00a0:", "Il expire dans 10\u00a0minutes.",
		"Si vous n’avez pas demandé ce code"} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("French email lacks %q:\n%s\n%s", want, m.Text, m.HTML)
		}
	}
	if m.Subject != "Votre code de vérification Acme est 012345" || !strings.Contains(m.HTML, `<html lang="fr" dir="ltr">`) {
		t.Errorf("French email: subject %q, HTML %s", m.Subject, m.HTML)
	}
	de, _ := i18n.Get("de")
	if got := BrandedCodeEmail(de, Brand{}, "012345", time.Minute).Text; !strings.Contains(got, "Er läuft in 1 Minute ab.") {
		t.Errorf("German email, one minute: %s", got)
	}
	ja, _ := i18n.Get("ja")
	if got := LocalCodeSMS(ja, "Acme", "012345", 10*time.Minute).Body; got != "Acme の確認コードは 012345 です。有効期限は 10 分です。" {
		t.Errorf("Japanese text = %q", got)
	}
	es, _ := i18n.Get("es")
	link := BrandedLinkEmail(es, Brand{Name: "Acme"}, "https://id.example.com/l?c=1", time.Hour)
	if link.Subject != "Tu enlace para iniciar sesión en Acme" || !strings.Contains(link.HTML, ">Confirmar inicio de sesión</a>") ||
		!strings.Contains(link.Text, "caduca dentro de 1 hora.") {
		t.Errorf("Spanish link email: %q\n%s\n%s", link.Subject, link.Text, link.HTML)
	}
	rtl, _ := i18n.Get(i18n.PseudoRTL)
	if got := BrandedCodeEmail(rtl, Brand{}, "012345", time.Minute); !strings.Contains(got.HTML, `dir="rtl"`) ||
		!strings.Contains(got.HTML, `dir="ltr">012345<`) {
		t.Errorf("right-to-left email: the page or its code reads the wrong way: %s", got.HTML)
	}
}
