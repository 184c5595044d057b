package notify

import (
	"bytes"
	"html/template"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/i18n"
)

// codeHTML is the HTML part of a code email, its words already in the
// email's language. html/template escapes the tenant's name and the code.
var codeHTML = template.Must(template.New("code").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}" dir="{{.Dir}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Subject}}</title>
</head>
<body style="margin:0;padding:24px;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a;background:#ffffff">
` + brandHeader + `<p style="margin:0 0 16px">{{.Intro}}</p>
<p style="margin:0 0 16px;font-size:32px;font-weight:600;letter-spacing:6px;font-family:ui-monospace,Menlo,Consolas,monospace;color:{{.Brand.Color}}" dir="ltr">{{.Code}}</p>
{{if .Expiry}}<p style="margin:0 0 16px">{{.Expiry}}</p>
{{end}}<p style="margin:0;color:#555555;font-size:14px">{{.Ignore}}</p>
</body>
</html>
`))

// CodeEmail renders the email that carries a one-time code, in English:
// the subject and both parts name the tenant (the app the user is
// signing in to) and the code, and say how long it stays valid. The
// caller sets To.
func CodeEmail(tenantName, code string, validFor time.Duration) Message {
	return BrandedCodeEmail(i18n.Lang{}, Brand{Name: tenantName}, code, validFor)
}

// BrandedCodeEmail is CodeEmail in language l and the app's brand: its
// logo and name at the top, its colour on the code.
func BrandedCodeEmail(l i18n.Lang, b Brand, code string, validFor time.Duration) Message {
	brand := b.data()
	tenant := brand.Name

	subject := l.T("email.code.subject", "Code", code)
	intro := l.T("email.code.intro")
	if tenant != "" {
		subject = l.T("email.code.subjectApp", "App", tenant, "Code", code)
		intro = l.T("email.code.introApp", "App", tenant)
	}
	subject = oneLine(subject)
	expiry := l.Expiry("email.expires", validFor)
	ignore := l.T("email.code.ignore")

	var text strings.Builder
	text.WriteString(intro + "\n\n    " + code + "\n\n")
	if expiry != "" {
		text.WriteString(expiry + "\n\n")
	}
	text.WriteString(ignore + "\n")

	var html bytes.Buffer
	// The template is fixed and its data are strings, so it cannot fail.
	_ = codeHTML.Execute(&html, struct {
		Lang, Dir, Subject, Intro, Code, Expiry, Ignore string
		Brand                                           brandData
	}{l.Tag(), l.Dir(), subject, intro, code, expiry, ignore, brand})

	return Message{Subject: subject, Text: text.String(), HTML: html.String()}
}

// CodeSMS renders the text message that carries a one-time code, in
// English, naming the tenant. The caller sets To.
func CodeSMS(tenantName, code string, validFor time.Duration) SMS {
	return LocalCodeSMS(i18n.Lang{}, tenantName, code, validFor)
}

// LocalCodeSMS is CodeSMS in language l.
func LocalCodeSMS(l i18n.Lang, tenantName, code string, validFor time.Duration) SMS {
	tenant := strings.TrimSpace(oneLine(tenantName))
	body := l.T("sms.code", "Code", code)
	if tenant != "" {
		body = l.T("sms.codeApp", "App", tenant, "Code", code)
	}
	return SMS{Body: l.Join(body, l.Expiry("email.expires", validFor))}
}
