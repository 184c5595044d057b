package clientapi

import (
	"net/http"
	"regexp"

	"github.com/uplift-dev/uplift/internal/model"
)

// promptCopyJSON is the prompt's text for an app to show: the heading and
// explanation the tenant's settings or the user's experiment variant
// give, and every label and message the web component shows, so that a
// prompt drawn outside the hosted pages reads as theirs.
type promptCopyJSON struct {
	Language string `json:"language"`
	Heading  string `json:"heading"`
	Body     string `json:"body"`
	// Create, Dismiss and OptOut label the prompt's buttons; OptOut is
	// empty when the tenant does not offer "Don't ask again".
	Create  string `json:"create"`
	Dismiss string `json:"dismiss"`
	OptOut  string `json:"optOut,omitempty"`
	// Working is said while the system's passkey dialog is open.
	Working string `json:"working"`
	// Created is said once the passkey is made; Failed when it could not
	// be; Close ends the prompt after either.
	Created string `json:"created"`
	Failed  string `json:"failed"`
	Close   string `json:"close"`
}

// localePattern is a language tag as track's locale takes it.
var localePattern = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,3}$`)

// promptLanguage lists the languages the prompt may speak, most wanted
// first: the one the request asks for, the action's (track's locale),
// then the browser's Accept-Language.
func promptLanguage(r *http.Request, requested, actionLocale string) []string {
	var out []string
	for _, l := range []string{requested, actionLocale, r.Header.Get("Accept-Language")} {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// promptCopy is the prompt's text in the first of langs the hosted pages
// speak. The heading and explanation are cp's: text the tenant or an
// experiment set is shown as it was written.
func promptCopy(langs []string, cp model.PromptCopy, offerOptOut bool) promptCopyJSON {
	_ = langs // the hosted pages' text is English only so far
	out := promptCopyJSON{Language: "en", Heading: cp.Heading, Body: cp.Explanation,
		Create: "Create passkey", Dismiss: "Not now",
		Working: "Follow your device's steps to create the passkey.",
		Created: "Passkey created. Next time, sign in with it.",
		Failed:  "We couldn't create a passkey this time. You can keep signing in as before and try again another time.",
		Close:   "Close"}
	if offerOptOut {
		out.OptOut = "Don't ask again"
	}
	return out
}
