package console

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/prompt"
)

// analyticsFigures are the dashboard's analytics ready to show: the
// prompt attempt curve, the breakdowns, device coverage, fallbacks and
// savings (docs/analytics.md defines each).
type analyticsFigures struct {
	From, To time.Time

	DeviceCoverage statCard
	Attempts       []attemptRow
	// AttemptChart is nil when no prompt was shown in the period.
	AttemptChart *chartPair
	Breakdowns   []breakdownTable

	Fallback statCard
	// MethodChart is nil when there was no sign-in.
	MethodChart     *chartPair
	MethodTotals    []methodTotal
	MethodDays      []methodDayRow
	Methods         []string
	FallbackDevices []fallbackRow

	Savings     statCard
	SavingsRows []savingsRow
	PricesSet   bool
}

// attemptRow is one line of the attempt table.
type attemptRow struct {
	Label                              string
	Shown, Accepted, Dismissed, Failed int
	Rate                               string
}

// breakdownTable is one dimension of the breakdowns.
type breakdownTable struct {
	ID, Title, Column string
	// Passkeys is set for the dimensions that count passkeys (provider,
	// synced) rather than the prompt's steps.
	Passkeys bool
	Rows     []prompt.BreakdownRow
	Rates    []string
}

// methodTotal is one method's sign-ins over the period.
type methodTotal struct {
	Name  string
	Count int
	Share string
}

// methodDayRow is one day of the sign-ins by method table, one count per
// method of analyticsFigures.Methods.
type methodDayRow struct {
	Day    time.Time
	Counts []int
}

// fallbackRow is one line of the fallback devices table.
type fallbackRow struct {
	Device, Method, PasskeyOnDevice string
	SignIns                         int
}

// savingsRow is one line of the savings table.
type savingsRow struct {
	Message      string
	Saved        int
	Price, Total string
}

// attemptLabels name the attempts 1 to model.MaxPromptAttempt.
var attemptLabels = [model.MaxPromptAttempt]string{"1st", "2nd", "3rd", "4th or later"}

// breakdownTitles name the breakdowns' dimensions, in the page's order.
var breakdownTitles = []struct{ dim, id, title, column string }{
	{prompt.DimensionOS, "by-os", "By operating system", "Operating system"},
	{prompt.DimensionBrowser, "by-browser", "By browser", "Browser"},
	{prompt.DimensionAction, "by-action", "By action", "Action"},
	{prompt.DimensionVariant, "by-variant", "By experiment variant", "Variant"},
	{prompt.DimensionSurface, "by-surface", "By where shown", "Where shown"},
	{prompt.DimensionProvider, "by-provider", "New passkeys by provider", "Provider"},
	{prompt.DimensionSynced, "by-synced", "New passkeys: synced or device-bound", "Kind"},
}

func newAnalyticsFigures(an prompt.Analytics) *analyticsFigures {
	f := &analyticsFigures{From: an.From, To: an.To}
	span := longDate(an.From) + " to " + longDate(an.To)

	c := an.Coverage
	f.DeviceCoverage = statCard{Value: "—", Detail: "No active devices in this period yet."}
	if c.ActiveDevices > 0 {
		f.DeviceCoverage = statCard{Value: percent(c.ActiveDevicesWithPasskey, c.ActiveDevices),
			Detail: fmt.Sprintf("%d of %d active devices hold a passkey of their user; %d of %d active users have a passkey",
				c.ActiveDevicesWithPasskey, c.ActiveDevices, c.ActiveUsersWithPasskey, c.ActiveUsers)}
	}

	// The attempt curve: acceptance as a share of prompts shown, by attempt.
	var points []linePoint
	shown := 0
	for _, r := range an.Attempts {
		label := attemptLabels[r.Attempt-1]
		f.Attempts = append(f.Attempts, attemptRow{Label: label, Shown: r.Shown, Accepted: r.Accepted,
			Dismissed: r.Dismissed + r.OptedOut, Failed: r.Failed, Rate: percent(r.Accepted, r.Shown)})
		points = append(points, sharePoint(time.Time{}, r.Accepted, r.Shown))
		points[len(points)-1].Label = label
		shown += r.Shown
	}
	if shown > 0 {
		summary := "Acceptance of the passkey prompt by attempt on a device, " + span + ":"
		for _, r := range f.Attempts {
			summary += fmt.Sprintf(" %s %s (%d of %d);", r.Label, r.Rate, r.Accepted, r.Shown)
		}
		f.AttemptChart = ptr(lineCharts(lineChart{Summary: summary[:len(summary)-1] + ".", Points: points}))
	}

	byDim := map[string][]prompt.BreakdownRow{}
	for _, r := range an.Breakdowns {
		byDim[r.Dimension] = append(byDim[r.Dimension], r)
	}
	for _, t := range breakdownTitles {
		rows := byDim[t.dim]
		if len(rows) == 0 {
			continue
		}
		bt := breakdownTable{ID: t.id, Title: t.title, Column: t.column, Rows: rows,
			Passkeys: t.dim == prompt.DimensionProvider || t.dim == prompt.DimensionSynced}
		for _, r := range rows {
			bt.Rates = append(bt.Rates, percent(r.Accepted, r.Shown))
		}
		f.Breakdowns = append(f.Breakdowns, bt)
	}

	newFallbacks(f, an.Fallbacks, span)
	newSavings(f, an.Savings)
	return f
}

// newFallbacks fills the sign-ins by method and the fallbacks.
func newFallbacks(f *analyticsFigures, fb prompt.FallbackReport, span string) {
	totals := map[model.VerificationMethod]int{}
	days := map[int64]map[model.VerificationMethod]int{}
	all := 0
	for _, d := range fb.Days {
		totals[d.Method] += d.Count
		all += d.Count
		if days[d.Day.Unix()] == nil {
			days[d.Day.Unix()] = map[model.VerificationMethod]int{}
		}
		days[d.Day.Unix()][d.Method] += d.Count
	}
	var methods []model.VerificationMethod
	for m := range totals {
		methods = append(methods, m)
	}
	slices.SortFunc(methods, func(a, b model.VerificationMethod) int {
		return cmp.Or(cmp.Compare(totals[b], totals[a]), cmp.Compare(a, b))
	})
	chart := barChart{Summary: "Sign-ins by method, " + span + ":"}
	for _, m := range methods {
		name := signInMethodName(m)
		f.Methods = append(f.Methods, name)
		f.MethodTotals = append(f.MethodTotals, methodTotal{Name: name, Count: totals[m], Share: percent(totals[m], all)})
		chart.Bars = append(chart.Bars, bar{Label: shortMethodName(m), Count: totals[m], Note: percent(totals[m], all)})
		chart.Summary += fmt.Sprintf(" %s %d (%s);", name, totals[m], percent(totals[m], all))
	}
	if all > 0 {
		chart.Summary = chart.Summary[:len(chart.Summary)-1] + "."
		f.MethodChart = ptr(barCharts(chart))
	}
	for day := f.From; !day.After(f.To); day = day.AddDate(0, 0, 1) {
		counts := days[day.Unix()]
		if counts == nil {
			continue
		}
		row := methodDayRow{Day: day}
		for _, m := range methods {
			row.Counts = append(row.Counts, counts[m])
		}
		f.MethodDays = append(f.MethodDays, row)
	}

	f.Fallback = statCard{Value: "—", Detail: "No user with a passkey signed in during this period."}
	if fb.PasskeyUsers > 0 {
		f.Fallback = statCard{Value: percent(fb.FallbackUsers, fb.PasskeyUsers),
			Detail: fmt.Sprintf("%d of %d users with a passkey still signed in another way", fb.FallbackUsers, fb.PasskeyUsers)}
	}
	for _, d := range fb.Devices {
		held := "No"
		if d.PasskeyOnDevice {
			held = "Yes"
		}
		f.FallbackDevices = append(f.FallbackDevices, fallbackRow{Device: d.Browser + " on " + d.OS,
			Method: signInMethodName(d.Method), PasskeyOnDevice: held, SignIns: d.SignIns})
	}
}

// newSavings fills what passkeys saved.
func newSavings(f *analyticsFigures, s prompt.Savings) {
	f.PricesSet = s.Prices.Currency != ""
	money := func(n int64) string {
		if !f.PricesSet {
			return "—"
		}
		return prompt.FormatMoney(n, s.Prices.Currency)
	}
	f.SavingsRows = []savingsRow{
		{"Text messages", s.TextMessages, money(s.Prices.TextMessage), money(s.TextMessageCost)},
		{"Emails", s.Emails, money(s.Prices.Email), money(s.EmailCost)},
	}
	messages := s.TextMessages + s.Emails
	f.Savings = statCard{Value: money(s.Total), Detail: fmt.Sprintf("%s not sent because a passkey was used",
		plural(int64(messages), "message", "messages"))}
	if !f.PricesSet {
		f.Savings.Value = strconv.Itoa(messages)
		f.Savings.Detail = "messages not sent because a passkey was used; set message prices in Settings to see what that saved"
	}
}

// signInMethodName names a verification method in tables.
func signInMethodName(m model.VerificationMethod) string {
	if m == "" {
		return "Not recorded"
	}
	return methodName(m)
}

// shortMethodName names a method on a chart's axis, which has room for
// about ten characters.
func shortMethodName(m model.VerificationMethod) string {
	switch m {
	case model.MethodPasskey:
		return "Passkey"
	case model.MethodEmailOTP:
		return "Email code"
	case model.MethodSMS:
		return "Text"
	case model.MethodEmailMagicLink:
		return "Email link"
	case model.MethodAuthenticatorApp:
		return "App code"
	case model.MethodSecurityKey:
		return "Sec. key"
	case model.MethodRecoveryCode:
		return "Recovery"
	case "":
		return "Unknown"
	}
	return string(m)
}

func ptr[T any](v T) *T { return &v }
