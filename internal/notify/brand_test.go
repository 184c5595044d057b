package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/i18n"
)

// A branded email shows the logo and the name at its top and the colour
// on the code or the button; a colour or a logo URL that is not one
// leaves the email plain rather than putting it in the page.
func TestBrandedEmails(t *testing.T) {
	b := Brand{Name: "Acme Bank", LogoURL: "https://id.example.com/login/brand/t1/logo?v=0123456789abcdef", Color: "#0B6E4F"}
	code := BrandedCodeEmail(i18n.Lang{}, b, "012345", 10*time.Minute)
	for _, want := range []string{`<img src="https://id.example.com/login/brand/t1/logo?v=0123456789abcdef" alt=""`,
		`>Acme Bank</p>`, `color:#0b6e4f"`, ">012345<"} {
		if !strings.Contains(code.HTML, want) {
			t.Errorf("the code email lacks %q:\n%s", want, code.HTML)
		}
	}
	if !strings.Contains(code.Subject, "Acme Bank") {
		t.Errorf("subject %q", code.Subject)
	}
	link := BrandedLinkEmail(i18n.Lang{}, b, "https://id.example.com/login/email-link?c=1", time.Hour)
	if !strings.Contains(link.HTML, "background:#0b6e4f;color:#ffffff") || !strings.Contains(link.HTML, `<img src="https://id.example.com/`) {
		t.Errorf("the link email is not branded:\n%s", link.HTML)
	}

	for _, bad := range []Brand{
		{Name: "Evil", Color: "red;background:url(https://evil.example/)", LogoURL: "javascript:alert(1)"},
		{Name: "Evil", Color: "#0b6e4f\"><script>", LogoURL: "data:image/svg+xml;base64,PHN2Zz4="},
		{Name: "Evil", LogoURL: "//evil.example/logo.png"},
	} {
		m := BrandedCodeEmail(i18n.Lang{}, bad, "012345", time.Minute)
		for _, never := range []string{"evil.example", "javascript:", "data:", "<script>", "red;"} {
			if strings.Contains(m.HTML, never) {
				t.Errorf("Brand %+v put %q in the email:\n%s", bad, never, m.HTML)
			}
		}
		if strings.Contains(m.HTML, "<img") || !strings.Contains(m.HTML, "color:"+defaultEmailColor) {
			t.Errorf("Brand %+v: want no logo and the default colour:\n%s", bad, m.HTML)
		}
	}
	// Without a brand, nothing of one.
	if plain := BrandedCodeEmail(i18n.Lang{}, Brand{}, "012345", time.Minute); strings.Contains(plain.HTML, "<img") {
		t.Errorf("an email without a brand has an image:\n%s", plain.HTML)
	}
}
