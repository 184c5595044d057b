package i18n

import (
	"math"
	"strings"
	"time"
)

// PromptCopy is the uplift prompt's text in one language: what a page or
// a component that draws the prompt shows, and says while it waits for
// the device or after the device refused.
type PromptCopy struct {
	// Lang and Dir are the lang and dir attributes the text needs.
	Lang, Dir            string
	Heading, Explanation string
	// Create, NotNow and OptOut label the prompt's buttons.
	Create, NotNow, OptOut string
	// WhatIs and WhatIsBody are the "What's a passkey?" disclosure.
	WhatIs, WhatIsBody string
	// Waiting is said while the device asks the person.
	Waiting string
	// Cancelled, Exists and Failed say that no passkey was made: the
	// person cancelled or it timed out (NotAllowedError), the device
	// already holds one of the user's passkeys (InvalidStateError), or
	// anything else.
	Cancelled, Exists, Failed string
	// Continue labels the way on after a refusal.
	Continue string
}

// Prompt returns the prompt's text in the language Choose picks from
// candidates (a locale such as "fr", or an Accept-Language header).
func Prompt(candidates ...string) PromptCopy {
	return Choose(candidates...).Prompt()
}

// Prompt returns the prompt's text in l.
func (l Lang) Prompt() PromptCopy {
	return PromptCopy{Lang: l.Tag(), Dir: l.Dir(),
		Heading: l.T("prompt.heading"), Explanation: l.T("prompt.explanation"),
		Create: l.T("prompt.create"), NotNow: l.T("prompt.notNow"), OptOut: l.T("prompt.optOut"),
		WhatIs: l.T("prompt.whatIs"), WhatIsBody: l.T("prompt.whatIsBody"),
		Waiting: l.T("js.waiting"), Cancelled: l.T("js.createCancelled"), Exists: l.T("js.createExists"),
		Failed: l.T("js.createFailed"), Continue: l.T("page.continue")}
}

// day is the unit NotNow counts longer waits in: weeks are 7 days,
// months 30 and years 365, as the console's frequency presets count them.
const day = 24 * time.Hour

// NotNow says, under the prompt, when it comes back if the person
// chooses "Not now": never on this device (never), at the next sign-in
// (wait 0), or after wait, in the largest unit that reads well, rounded
// up.
func (l Lang) NotNow(never bool, wait time.Duration) string {
	switch {
	case never:
		return l.T("prompt.laterNever")
	case wait <= 0:
		return l.T("prompt.laterNextTime")
	case wait < 2*time.Hour && wait%time.Hour != 0:
		return l.N("prompt.laterMinutes", ceil(wait, time.Minute))
	case wait < day:
		return l.N("prompt.laterHours", ceil(wait, time.Hour))
	}
	days := ceil(wait, day)
	switch {
	case days >= 365:
		return l.N("prompt.laterYears", int(math.Round(float64(days)/365)))
	case days%30 == 0:
		return l.N("prompt.laterMonths", days/30)
	case days%7 == 0:
		return l.N("prompt.laterWeeks", days/7)
	}
	return l.N("prompt.laterDays", days)
}

// TryAgainIn says when to try again after a refusal that lasts wait, and
// that another method works meanwhile: seconds under two minutes,
// minutes under two hours, else hours, rounded up.
func (l Lang) TryAgainIn(wait time.Duration) string {
	switch {
	case wait < 2*time.Minute:
		return l.N("wait.seconds", max(ceil(wait, time.Second), 1))
	case wait < 2*time.Hour:
		return l.N("wait.minutes", ceil(wait, time.Minute))
	}
	return l.N("wait.hours", ceil(wait, time.Hour))
}

// Expiry says how long something stays valid with the plural messages
// prefix.seconds, prefix.minutes and prefix.hours ("It expires in 10
// minutes."), in the largest whole unit; "" for d <= 0.
func (l Lang) Expiry(prefix string, d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d%time.Hour == 0:
		return l.N(prefix+".hours", int(d/time.Hour))
	case d%time.Minute == 0:
		return l.N(prefix+".minutes", int(d/time.Minute))
	}
	return l.N(prefix+".seconds", ceil(d, time.Second))
}

// ResendIn says when a new code may be asked for: in seconds up to two
// minutes, else in whole minutes, rounded up.
func (l Lang) ResendIn(seconds int) string {
	if seconds > 120 {
		return l.N("code.resendInMinutes", (seconds+59)/60)
	}
	return l.N("code.resendIn", seconds)
}

// DateTime writes t (in UTC) the way the language writes a date and time.
func (l Lang) DateTime(t time.Time) string {
	return t.UTC().Format(l.T("format.dateTime"))
}

// ceil is d in whole units, rounded up.
func ceil(d, unit time.Duration) int {
	return int((d + unit - 1) / unit)
}

// Join puts sentences one after the other as the language does: a space
// between them, none in Japanese.
func (l Lang) Join(sentences ...string) string {
	var out []string
	for _, s := range sentences {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, l.sentenceGap())
}

func (l Lang) sentenceGap() string {
	forms := catalogue.forms[l.Tag()]["format.sentenceGap"]
	return forms["other"] // "" when the message is empty: go-i18n treats an empty message as absent
}
