package notify

import (
	"bytes"
	"html/template"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/i18n"
)

// linkHTML is the HTML part of an email link, its words already in the
// email's language. html/template escapes the tenant's name and the link.
var linkHTML = template.Must(template.New("link").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}" dir="{{.Dir}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Subject}}</title>
</head>
<body style="margin:0;padding:24px;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a;background:#ffffff">
` + brandHeader + `<p style="margin:0 0 16px">{{.Intro}}</p>
<p style="margin:0 0 16px"><a href="{{.Link}}" rel="noreferrer" style="display:inline-block;padding:12px 20px;background:{{.Brand.Color}};color:#ffffff;text-decoration:none;border-radius:6px">{{.Button}}</a></p>
{{if .Expiry}}<p style="margin:0 0 16px">{{.Expiry}}</p>
{{end}}<p style="margin:0;color:#555555;font-size:14px">{{.Ignore}}</p>
</body>
</html>
`))

// LinkEmail renders the email that carries a sign-in link, in English,
// naming the tenant. The caller sets To.
func LinkEmail(tenantName, link string, validFor time.Duration) Message {
	return BrandedLinkEmail(i18n.Lang{}, Brand{Name: tenantName}, link, validFor)
}

// BrandedLinkEmail is LinkEmail in language l and the app's brand: its
// logo and name at the top, its colour on the button.
func BrandedLinkEmail(l i18n.Lang, b Brand, link string, validFor time.Duration) Message {
	brand := b.data()
	tenant := brand.Name

	subject := l.T("email.link.subject")
	intro := l.T("email.link.intro")
	if tenant != "" {
		subject = l.T("email.link.subjectApp", "App", tenant)
		intro = l.T("email.link.introApp", "App", tenant)
	}
	subject = oneLine(subject)
	expiry := l.Expiry("email.link.expires", validFor)
	ignore := l.T("email.link.ignore")

	var text strings.Builder
	text.WriteString(intro + "\n\n" + link + "\n\n")
	if expiry != "" {
		text.WriteString(expiry + "\n\n")
	}
	text.WriteString(ignore + "\n")

	var html bytes.Buffer
	// The template is fixed and its data are strings, so it cannot fail.
	_ = linkHTML.Execute(&html, struct {
		Lang, Dir, Subject, Intro, Link, Button, Expiry, Ignore string
		Brand                                                   brandData
	}{l.Tag(), l.Dir(), subject, intro, link, l.T("email.link.button"), expiry, ignore, brand})

	return Message{Subject: subject, Text: text.String(), HTML: html.String()}
}
