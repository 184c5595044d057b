package notify

import (
	"bytes"
	"html/template"
	"strconv"
	"strings"
	"time"
)

// codeHTML is the HTML part of a code email. html/template escapes the
// tenant's name and the code.
var codeHTML = template.Must(template.New("code").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Subject}}</title>
</head>
<body style="margin:0;padding:24px;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a;background:#ffffff">
` + brandHeader + `<p style="margin:0 0 16px">{{if .Tenant}}Your {{.Tenant}} verification code is:{{else}}Your verification code is:{{end}}</p>
<p style="margin:0 0 16px;font-size:32px;font-weight:600;letter-spacing:6px;font-family:ui-monospace,Menlo,Consolas,monospace;color:{{.Brand.Color}}">{{.Code}}</p>
{{if .ValidFor}}<p style="margin:0 0 16px">It expires in {{.ValidFor}}.</p>
{{end}}<p style="margin:0;color:#555555;font-size:14px">If you did not ask for this code, you can ignore this email.</p>
</body>
</html>
`))

// CodeEmail renders the email that carries a one-time code: the subject and
// both parts name the tenant (the app the user is signing in to) and the
// code, and say how long it stays valid. The caller sets To.
func CodeEmail(tenantName, code string, validFor time.Duration) Message {
	return BrandedCodeEmail(Brand{Name: tenantName}, code, validFor)
}

// BrandedCodeEmail is CodeEmail in the app's brand: its logo and name at
// the top, its colour on the code.
func BrandedCodeEmail(b Brand, code string, validFor time.Duration) Message {
	brand := b.data()
	tenant := brand.Name
	expiry := durationText(validFor)

	subject := "Your verification code is " + code
	intro := "Your verification code is:"
	if tenant != "" {
		subject = "Your " + tenant + " verification code is " + code
		intro = "Your " + tenant + " verification code is:"
	}

	var text strings.Builder
	text.WriteString(intro + "\n\n    " + code + "\n\n")
	if expiry != "" {
		text.WriteString("It expires in " + expiry + ".\n\n")
	}
	text.WriteString("If you did not ask for this code, you can ignore this email.\n")

	var html bytes.Buffer
	// The template is fixed and its data are strings, so it cannot fail.
	_ = codeHTML.Execute(&html, struct {
		Subject, Tenant, Code, ValidFor string
		Brand                           brandData
	}{subject, tenant, code, expiry, brand})

	return Message{Subject: subject, Text: text.String(), HTML: html.String()}
}

// CodeSMS renders the text message that carries a one-time code, naming the
// tenant. The caller sets To.
func CodeSMS(tenantName, code string, validFor time.Duration) SMS {
	tenant := strings.TrimSpace(oneLine(tenantName))
	body := "Your verification code is " + code + "."
	if tenant != "" {
		body = "Your " + tenant + " verification code is " + code + "."
	}
	if expiry := durationText(validFor); expiry != "" {
		body += " It expires in " + expiry + "."
	}
	return SMS{Body: body}
}

// durationText says d in words ("10 minutes", "1 hour", "45 seconds"), in
// the largest whole unit; empty for d <= 0.
func durationText(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d%time.Hour == 0:
		return plural(int64(d/time.Hour), "hour")
	case d%time.Minute == 0:
		return plural(int64(d/time.Minute), "minute")
	}
	return plural(int64((d+time.Second-1)/time.Second), "second")
}

func plural(n int64, unit string) string {
	s := strconv.FormatInt(n, 10) + " " + unit
	if n != 1 {
		s += "s"
	}
	return s
}
