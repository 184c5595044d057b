package clientapi

import (
	"context"
	"net/http"
	"regexp"

	"github.com/uplift-dev/uplift/internal/i18n"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// promptCopyJSON is the prompt's text for an app to show, in the user's
// language from the hosted pages' catalogues (package i18n): the heading
// and explanation, every label and message the web component shows, so
// that a prompt drawn outside the hosted pages reads as theirs.
type promptCopyJSON struct {
	// Language and Dir are the text's lang and dir attributes.
	Language string `json:"language"`
	Dir      string `json:"dir"`
	Heading  string `json:"heading"`
	Body     string `json:"body"`
	// WhatIs and WhatIsBody are the "What's a passkey?" disclosure.
	WhatIs     string `json:"whatIs"`
	WhatIsBody string `json:"whatIsBody"`
	// Create, Dismiss and OptOut label the prompt's buttons; OptOut is
	// empty when the tenant does not offer "Don't ask again".
	Create  string `json:"create"`
	Dismiss string `json:"dismiss"`
	OptOut  string `json:"optOut,omitempty"`
	// Later says when the prompt comes back after "Not now" on this
	// device; empty when the prompt is not shown.
	Later string `json:"later,omitempty"`
	// Working is said while the system's passkey dialog is open.
	Working string `json:"working"`
	// Created and CreatedBody are said once the passkey is made, Failed
	// when it could not be, RequestFailed when Uplift could not be
	// reached; Continue labels the button that ends the prompt then.
	Created       string `json:"created"`
	CreatedBody   string `json:"createdBody"`
	Failed        string `json:"failed"`
	RequestFailed string `json:"requestFailed"`
	Continue      string `json:"continue"`
}

// localePattern is a language tag as track's locale takes it.
var localePattern = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,3}$`)

// promptLang is the language the prompt speaks, as the hosted pages
// choose theirs: the one the request asks for, else the action's locale
// (track's), else the user's, else the browser's Accept-Language, else
// the tenant's default language; English otherwise.
func (a *API) promptLang(r *http.Request, c tenancy.ClientCaller, requested string, act model.Action) i18n.Lang {
	userLocale := ""
	if requested == "" && act.Locale == "" {
		if u, err := a.svc.User(r.Context(), c.Tenant.ID, act.UserID); err == nil {
			userLocale = u.Locale
		}
	}
	return i18n.Choose(requested, act.Locale, userLocale, r.Header.Get("Accept-Language"), c.Tenant.Passkey.DefaultLocale)
}

// promptCopy is the prompt's text in l. The built-in heading and
// explanation speak l; a tenant's own, or an experiment variant's, is
// shown as it was written, as on the hosted pages. When the prompt
// shows, Later says what "Not now" would do on the device.
func (a *API) promptCopy(ctx context.Context, l i18n.Lang, t model.Tenant, act model.Action, deviceID string,
	cp model.PromptCopy, show bool) (promptCopyJSON, error) {
	p := l.Prompt()
	out := promptCopyJSON{Language: p.Lang, Dir: p.Dir, Heading: cp.Heading, Body: cp.Explanation,
		WhatIs: p.WhatIs, WhatIsBody: p.WhatIsBody, Create: p.Create, Dismiss: p.NotNow,
		Working: p.Waiting, Created: l.T("page.title.created"), CreatedBody: l.T("created.lead"),
		Failed: p.Failed, RequestFailed: l.T("js.requestFailed"), Continue: p.Continue}
	if cp.Heading == model.DefaultPromptHeading {
		out.Heading = p.Heading
	}
	if cp.Explanation == model.DefaultPromptExplanation {
		out.Body = p.Explanation
	}
	if t.Passkey.EnrollmentPromptAllowOptOut {
		out.OptOut = p.OptOut
	}
	if show {
		never, wait, err := a.prompt.AfterNotNow(ctx, t, act.UserID, deviceID)
		if err != nil {
			return out, err
		}
		out.Later = l.NotNow(never, wait)
	}
	return out, nil
}
