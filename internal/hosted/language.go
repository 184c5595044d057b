package hosted

import (
	"net/http"

	"github.com/uplift-dev/uplift/internal/i18n"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// The pages speak the language of the flow (package i18n): the locale
// track was given for the action, else the user's locale, else the
// browser's Accept-Language, else the tenant's default language. It is
// chosen once per request, when the flow is opened or a form posted,
// and it rides in the request's context into the emails a step sends.

// flowLang chooses the language of a flow of caller c in request r. A
// locale that cannot be read is skipped: a page is never refused for
// its language.
func (p *Pages) flowLang(r *http.Request, c tenancy.ClientCaller) i18n.Lang {
	ctx := r.Context()
	var actionLocale, userLocale string
	if c.Claims != nil {
		claims := *c.Claims
		if a, err := p.svc.Action(ctx, c.Tenant.ID, claims.IdempotencyKey); err == nil && a.UserID == claims.UserID {
			actionLocale = a.Locale
		}
		if actionLocale == "" {
			if u, err := p.svc.User(ctx, c.Tenant.ID, claims.UserID); err == nil {
				userLocale = u.Locale
			}
		}
	}
	return i18n.Choose(actionLocale, userLocale, r.Header.Get("Accept-Language"), c.Tenant.Passkey.DefaultLocale)
}

// requestLang is the language of a page outside a flow, or of an error
// in one: the flow's when the request opened one, else the browser's.
func requestLang(r *http.Request) i18n.Lang {
	if f := requestFlow(r); f != nil && f.langSet {
		return f.lang
	}
	return i18n.Choose(r.Header.Get("Accept-Language"))
}

// withLang is r whose context carries the flow's language, for the
// emails and texts its step sends.
func withLang(r *http.Request, f *flow) *http.Request {
	return r.WithContext(i18n.WithLang(r.Context(), f.lang))
}

// scriptMessages are the messages the pages' script says, by the key it
// knows them by (hosted.js t()).
var scriptMessages = map[string]string{
	"waiting":         "js.waiting",
	"requestFailed":   "js.requestFailed",
	"signInRemoved":   "js.signInRemoved",
	"signInCancelled": "js.signInCancelled",
	"signInFailed":    "js.signInFailed",
	"createCancelled": "js.createCancelled",
	"createExists":    "js.createExists",
	"createFailed":    "js.createFailed",
	"addExists":       "js.addExists",
	"addCancelled":    "js.addCancelled",
	"addFailed":       "js.addFailed",
	"resendNow":       "code.resendNow",
}

// scriptText is what the pages' script says, in l: its messages, and
// the countdown's plural forms by CLDR category (seconds, and minutes
// for a wait over two minutes, as Lang.ResendIn says it).
func scriptText(l i18n.Lang) map[string]any {
	out := make(map[string]any, len(scriptMessages)+1)
	for key, id := range scriptMessages {
		out[key] = l.T(id)
	}
	out["resendIn"] = l.Forms("code.resendIn")
	out["resendInMinutes"] = l.Forms("code.resendInMinutes")
	return out
}
