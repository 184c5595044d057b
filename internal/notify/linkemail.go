package notify

import (
	"bytes"
	"html/template"
	"strings"
	"time"
)

// linkHTML is the HTML part of an email link. html/template escapes the
// tenant's name and the link.
var linkHTML = template.Must(template.New("link").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Subject}}</title>
</head>
<body style="margin:0;padding:24px;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a;background:#ffffff">
` + brandHeader + `<p style="margin:0 0 16px">{{if .Tenant}}Use this link to confirm it is you signing in to {{.Tenant}}:{{else}}Use this link to confirm it is you signing in:{{end}}</p>
<p style="margin:0 0 16px"><a href="{{.Link}}" rel="noreferrer" style="display:inline-block;padding:12px 20px;background:{{.Brand.Color}};color:#ffffff;text-decoration:none;border-radius:6px">Confirm sign-in</a></p>
{{if .ValidFor}}<p style="margin:0 0 16px">The link works once and expires in {{.ValidFor}}.</p>
{{end}}<p style="margin:0;color:#555555;font-size:14px">If you did not ask for this link, you can ignore this email.</p>
</body>
</html>
`))

// LinkEmail renders the email that carries a sign-in link, naming the
// tenant. The caller sets To.
func LinkEmail(tenantName, link string, validFor time.Duration) Message {
	return BrandedLinkEmail(Brand{Name: tenantName}, link, validFor)
}

// BrandedLinkEmail is LinkEmail in the app's brand: its logo and name at
// the top, its colour on the button.
func BrandedLinkEmail(b Brand, link string, validFor time.Duration) Message {
	brand := b.data()
	tenant := brand.Name
	expiry := durationText(validFor)

	subject := "Your sign-in link"
	intro := "Use this link to confirm it is you signing in:"
	if tenant != "" {
		subject = "Your " + tenant + " sign-in link"
		intro = "Use this link to confirm it is you signing in to " + tenant + ":"
	}

	var text strings.Builder
	text.WriteString(intro + "\n\n" + link + "\n\n")
	if expiry != "" {
		text.WriteString("The link works once and expires in " + expiry + ".\n\n")
	}
	text.WriteString("If you did not ask for this link, you can ignore this email.\n")

	var html bytes.Buffer
	// The template is fixed and its data are strings, so it cannot fail.
	_ = linkHTML.Execute(&html, struct {
		Subject, Tenant, Link, ValidFor string
		Brand                           brandData
	}{subject, tenant, link, expiry, brand})

	return Message{Subject: subject, Text: text.String(), HTML: html.String()}
}
