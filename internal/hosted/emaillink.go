package hosted

import (
	"bytes"
	"context"
	"html/template"
	"net/http"

	"github.com/uplift-dev/uplift/internal/codes"
	"github.com/uplift-dev/uplift/internal/i18n"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
)

// The page an email link opens (codes.LinkPath). Opening it changes
// nothing: it shows a form carrying the link's fields and a CSRF field
// bound to the link's challenge, which its script submits at once (a
// person without script presses the button). Mail scanners that fetch
// links without running script leave the link unused. The post completes
// the challenge; the page that asked for the link learns of it by
// polling. Like every hosted page, it may not be framed and sends no
// Referer, so the secret in its address goes nowhere else.

// emailLinkPage is the link page's own document, apart from the flow
// pages' layout: the browser opening it is in no flow.
var emailLinkPage = template.Must(template.ParseFS(templateFiles, "templates/emaillink.html"))

// emailLinkView is what the link page shows.
type emailLinkView struct {
	CSS, JS string
	// L is the page's language: the browser's (the page is in no flow).
	L             i18n.Lang
	AppName       string
	Title, Detail string
	// Alert marks Detail as a problem, for screen readers.
	Alert bool
	// Form, when set, is the form that opens the link.
	Form *emailLinkForm
	// Back is the way to the app of the link's tenant, after a problem.
	Back string
}

// emailLinkForm carries a link's fields to the post that opens it.
type emailLinkForm struct {
	Action                    string
	Tenant, Challenge, Secret string
	CSRF                      string
}

// EmailLinkScope is the CSRF scope of the form that opens the link to
// challenge id.
func EmailLinkScope(challengeID string) string { return "email-link:" + challengeID }

// EmailLinkCSRF guards the post that opens an email link: its csrf field
// must be the one the browser's cookie gives for the link's challenge.
func (p *Pages) EmailLinkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := r.ParseForm()
		if err != nil {
			err = model.Invalid("the form could not be read")
		} else {
			err = CheckCSRF(r, EmailLinkScope(r.PostFormValue("c")), r.PostFormValue("csrf"))
		}
		if err != nil {
			p.refuse(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), guardedKey{}, true)))
	})
}

// EmailLink answers GET codes.LinkPath?t&c&s: the form that opens the
// link, submitted by the page's script. It reads nothing from the
// database, so it says nothing of whether the link is good.
func (p *Pages) EmailLink(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	form := &emailLinkForm{Action: codes.LinkPath, Tenant: q.Get("t"), Challenge: q.Get("c"), Secret: q.Get("s")}
	if form.Tenant == "" || form.Challenge == "" || form.Secret == "" {
		v := linkWords(r, "link.incomplete", true)
		v.Back = p.tenantHome(r.Context(), form.Tenant)
		p.renderEmailLink(w, http.StatusBadRequest, v)
		return nil
	}
	form.CSRF = CSRFField(p.cookies.CSRFSecret(w, r), EmailLinkScope(form.Challenge))
	v := linkWords(r, "link.confirming", false)
	v.Form = form
	p.renderEmailLink(w, http.StatusOK, v)
	return nil
}

// OpenEmailLink answers the post of the link page: it opens the link and
// says what came of it.
func (p *Pages) OpenEmailLink(w http.ResponseWriter, r *http.Request) error {
	opened, err := p.codes.OpenEmailLink(r.Context(), r.PostFormValue("t"), r.PostFormValue("c"), r.PostFormValue("s"))
	if err != nil {
		status, body := jsonapi.Status(err)
		words, ok := map[string]string{
			"link_invalid":  "link.invalid",
			"link_used":     "link.used",
			"link_expired":  "link.expired",
			"link_replaced": "link.replaced",
		}[body.Error]
		if !ok {
			return err
		}
		v := linkWords(r, words, true)
		v.AppName = opened.TenantName
		v.Back = p.tenantHome(r.Context(), r.PostFormValue("t"))
		p.log.DebugContext(r.Context(), "email link refused", "reason", body.Error)
		p.renderEmailLink(w, status, v)
		return nil
	}
	v := linkWords(r, "link.confirmed", false)
	v.AppName = opened.TenantName
	p.renderEmailLink(w, http.StatusOK, v)
	return nil
}

// linkWords is the link page saying prefix.title and prefix.detail in
// the browser's language; alert marks the detail as a problem.
func linkWords(r *http.Request, prefix string, alert bool) emailLinkView {
	l := i18n.Choose(r.Header.Get("Accept-Language"))
	return emailLinkView{L: l, Title: l.T(prefix + ".title"), Detail: l.T(prefix + ".detail"), Alert: alert}
}

// renderEmailLink writes the link page with status and the hosted pages'
// security headers: no framing, no Referer, no caching.
func (p *Pages) renderEmailLink(w http.ResponseWriter, status int, v emailLinkView) {
	v.CSS, v.JS = StylesheetURL(), assetURL("emaillink.js")
	var buf bytes.Buffer
	if err := emailLinkPage.Execute(&buf, v); err != nil {
		p.log.Error("render email link page", "err", err)
		http.Error(w, v.L.T("error.internal.title")+". "+v.L.T("error.internal.detail"), http.StatusInternalServerError)
		return
	}
	SecureHeaders(w, nil)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
