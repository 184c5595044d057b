package console

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/prompt"
	"github.com/uplift-dev/uplift/internal/uplift"
)

// periodOption is one choice of the dashboard's Period field.
type periodOption struct {
	Days     int
	Label    string
	Selected bool
}

// dashboardPeriods are the periods the dashboard offers; defaultPeriod is
// shown when none is chosen.
var dashboardPeriods = []periodOption{{7, "Last 7 days", false}, {30, "Last 30 days", false}, {90, "Last 90 days", false}}

const defaultPeriod = 30

// errPeriod refuses a period the dashboard does not offer.
var errPeriod = model.Invalid("choose a period of 7, 30 or 90 days")

// parsePeriod reads the period field: a number of days the dashboard
// offers, or nothing for the default.
func parsePeriod(r *http.Request) (int, error) {
	raw := r.URL.Query().Get("period")
	if raw == "" {
		return defaultPeriod, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, errPeriod
	}
	for _, p := range dashboardPeriods {
		if p.Days == n {
			return n, nil
		}
	}
	return 0, errPeriod
}

// Dashboard shows the tenant's passkey adoption over the chosen period:
// coverage of active users, passkey sign-ins and the prompt funnel.
func (c *Console) Dashboard(w http.ResponseWriter, r *http.Request, s *Session) error {
	days, err := parsePeriod(r)
	v := dashboardView{Periods: periodOptions(days)}
	if err != nil {
		v.Periods = periodOptions(defaultPeriod)
		v.PeriodError = "Choose one of the periods listed."
		c.render(w, r, http.StatusBadRequest, "dashboard", s, View{Title: "Dashboard", Section: "dashboard", Data: v})
		return nil
	}
	p, err := c.prompt.LastDays(days)
	if err != nil {
		return err
	}
	an, err := c.prompt.Analytics(r.Context(), s.Tenant.ID, p, prompt.Reports...)
	if err != nil {
		return err
	}
	v.Figures = newDashboardFigures(an.Dashboard, days)
	v.Analytics = newAnalyticsFigures(an)
	trips, err := c.codes.SendCeilingTrips(r.Context(), s.Tenant.ID)
	if err != nil {
		return err
	}
	for _, t := range trips {
		v.CeilingTrips = append(v.CeilingTrips, fmt.Sprintf(
			"%ss reached this app's ceiling of %d an hour at %s: %s sent that hour, %s refused.",
			methodName(t.Method), c.codes.SendCeiling(t.Method), formatTime(t.FirstRefusedAt, "2 Jan 2006 15:04 MST"),
			strconv.Itoa(t.Sends), strconv.Itoa(t.Refused)))
	}
	c.render(w, r, http.StatusOK, "dashboard", s, View{Title: "Dashboard", Section: "dashboard", Data: v})
	return nil
}

// DashboardData answers GET /console/api/dashboard?period=N (N is 7, 30
// or 90 days; 30 when left out) with the dashboard's figures as JSON, for
// scripts:
//
//	{"from": "2026-11-01", "to": "2026-11-30",
//	 "days": [{"date": "2026-11-01", "activeUsers": 0, "activeUsersWithPasskey": 0,
//	           "signIns": 0, "passkeySignIns": 0}, ...],
//	 "funnel": {"evaluated": 0, "eligible": 0, "shown": 0, "accepted": 0, "dismissed": 0, "failed": 0},
//	 "reasons": [{"reason": "eligible", "count": 0}, ...],
//	 "platforms": [{"platform": "macOS", "evaluated": 0, "shown": 0, "accepted": 0,
//	                "dismissed": 0, "failed": 0}, ...]}
//
// from and to are the first and last UTC day of the period, days has
// every day of it (oldest first), reasons the evaluations by reason code
// (most frequent first) and platforms the funnel by device platform
// (busiest first; "" when the platform is not known).
func (c *Console) DashboardData(w http.ResponseWriter, r *http.Request, s *Session) error {
	days, err := parsePeriod(r)
	if err != nil {
		return err
	}
	d, err := c.prompt.AdoptionDashboard(r.Context(), s.Tenant.ID, days)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, toDashboardJSON(d))
}

// dashboardJSON is the JSON form of the dashboard (see DashboardData).
type dashboardJSON struct {
	From      string         `json:"from"`
	To        string         `json:"to"`
	Days      []dayJSON      `json:"days"`
	Funnel    funnelJSON     `json:"funnel"`
	Reasons   []reasonJSON   `json:"reasons"`
	Platforms []platformJSON `json:"platforms"`
}

type dayJSON struct {
	Date                   string `json:"date"`
	ActiveUsers            int    `json:"activeUsers"`
	ActiveUsersWithPasskey int    `json:"activeUsersWithPasskey"`
	SignIns                int    `json:"signIns"`
	PasskeySignIns         int    `json:"passkeySignIns"`
}

type funnelJSON struct {
	Evaluated int `json:"evaluated"`
	Eligible  int `json:"eligible"`
	Shown     int `json:"shown"`
	Accepted  int `json:"accepted"`
	Dismissed int `json:"dismissed"`
	OptedOut  int `json:"optedOut"`
	Failed    int `json:"failed"`
}

type reasonJSON struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

type platformJSON struct {
	Platform  string `json:"platform"`
	Evaluated int    `json:"evaluated"`
	Shown     int    `json:"shown"`
	Accepted  int    `json:"accepted"`
	Dismissed int    `json:"dismissed"`
	Failed    int    `json:"failed"`
}

const isoDate = "2006-01-02"

func toDashboardJSON(d prompt.Dashboard) dashboardJSON {
	f := d.Funnel
	out := dashboardJSON{From: d.From.Format(isoDate), To: d.To.Format(isoDate),
		Days: []dayJSON{}, Reasons: []reasonJSON{}, Platforms: []platformJSON{},
		Funnel: funnelJSON{Evaluated: f.Evaluated, Eligible: f.Eligible, Shown: f.Shown,
			Accepted: f.Accepted, Dismissed: f.Dismissed, OptedOut: f.OptedOut, Failed: f.Failed}}
	for _, day := range d.Days {
		out.Days = append(out.Days, dayJSON{Date: day.Day.Format(isoDate), ActiveUsers: day.ActiveUsers,
			ActiveUsersWithPasskey: day.ActiveUsersWithPasskey, SignIns: day.SignIns, PasskeySignIns: day.PasskeySignIns})
	}
	for _, r := range d.Reasons {
		out.Reasons = append(out.Reasons, reasonJSON{Reason: string(r.Reason), Count: r.Count})
	}
	for _, p := range d.Platforms {
		out.Platforms = append(out.Platforms, platformJSON{Platform: p.Platform, Evaluated: p.Evaluated,
			Shown: p.Shown, Accepted: p.Accepted, Dismissed: p.Dismissed, Failed: p.Failed})
	}
	return out
}

// periodOptions returns the period choices with days selected.
func periodOptions(days int) []periodOption {
	out := make([]periodOption, len(dashboardPeriods))
	for i, p := range dashboardPeriods {
		p.Selected = p.Days == days
		out[i] = p
	}
	return out
}

// dashboardView is what templates/dashboard.html receives.
type dashboardView struct {
	Periods     []periodOption
	PeriodError string
	// Figures and Analytics are nil when the period is not one offered.
	Figures   *dashboardFigures
	Analytics *analyticsFigures
	// CeilingTrips say, for each hour of the last day in which the
	// tenant's ceiling on code sends refused some, when and how many.
	CeilingTrips []string
}

// dashboardFigures are the period's figures ready to show.
type dashboardFigures struct {
	From, To time.Time
	Days     int
	// Coverage and SignIns are the stat cards.
	Coverage, SignIns statCard
	// CoverageChart and SignInChart are nil when there is nothing to draw.
	CoverageChart, SignInChart *chartPair
	// CoverageRows and SignInRows are the charts' numbers, for the tables.
	CoverageRows, SignInRows []shareRow
	Funnel                   *chartPair
	FunnelSteps              []funnelStep
	Reasons                  []reasonRow
	Platforms                []platformRow
}

// statCard is one headline figure with what it is made of.
type statCard struct {
	Value, Detail string
}

// shareRow is one day of a chart: part of whole.
type shareRow struct {
	Day         time.Time
	Part, Whole int
	Share       string
}

// funnelStep is one bar of the funnel, with the step its share is of.
type funnelStep struct {
	Label string
	Count int
	Share string
	Of    string
}

// reasonRow is one line of the "Evaluations by reason" table.
type reasonRow struct {
	Code, Words string
	Count       int
	Share       string
}

// platformRow is one line of the "Funnel by platform" table.
type platformRow struct {
	Name                                          string
	Evaluated, Shown, Accepted, Dismissed, Failed int
	AcceptanceRate                                string
}

// percent formats part of whole as a whole percentage; "—" when whole is 0.
func percent(part, whole int) string {
	if whole == 0 {
		return "—"
	}
	p := float64(part) * 100 / float64(whole)
	// Whole numbers, except where rounding would say all or none of
	// something that is neither (199 of 200 is 99.5 %, not 100 %).
	r := math.Round(p)
	switch {
	case r == 100 && part < whole:
		return fmt.Sprintf("%.1f%%", math.Floor(p*10)/10)
	case r == 0 && part > 0 && p < 0.1:
		return "<0.1%"
	case r == 0 && part > 0:
		return fmt.Sprintf("%.1f%%", p)
	}
	return fmt.Sprintf("%.0f%%", r)
}

// shortDate labels a day on a chart's axis.
func shortDate(t time.Time) string { return t.UTC().Format("2 Jan") }

// longDate names a day in sentences.
func longDate(t time.Time) string { return t.UTC().Format("2 Jan 2006") }

func newDashboardFigures(d prompt.Dashboard, days int) *dashboardFigures {
	f := &dashboardFigures{From: d.From, To: d.To, Days: days}
	span := longDate(d.From) + " to " + longDate(d.To)

	var coverage, signIns []linePoint
	var signInTotal, passkeyTotal int
	for _, day := range d.Days {
		coverage = append(coverage, sharePoint(day.Day, day.ActiveUsersWithPasskey, day.ActiveUsers))
		signIns = append(signIns, sharePoint(day.Day, day.PasskeySignIns, day.SignIns))
		if day.ActiveUsers > 0 {
			f.CoverageRows = append(f.CoverageRows, shareRow{day.Day, day.ActiveUsersWithPasskey, day.ActiveUsers,
				percent(day.ActiveUsersWithPasskey, day.ActiveUsers)})
		}
		if day.SignIns > 0 {
			f.SignInRows = append(f.SignInRows, shareRow{day.Day, day.PasskeySignIns, day.SignIns,
				percent(day.PasskeySignIns, day.SignIns)})
		}
		signInTotal += day.SignIns
		passkeyTotal += day.PasskeySignIns
	}

	f.Coverage = statCard{Value: "—", Detail: "No active users in this period yet."}
	if n := len(f.CoverageRows); n > 0 {
		last := f.CoverageRows[n-1]
		f.Coverage = statCard{Value: last.Share,
			Detail: fmt.Sprintf("%d of %d active users on %s", last.Part, last.Whole, longDate(last.Day))}
		f.CoverageChart = ptr(lineCharts(lineChart{Points: coverage, Summary: seriesSummary(
			"Share of active users with a passkey by day, "+span, f.CoverageRows)}))
	}
	f.SignIns = statCard{Value: "—", Detail: "No sign-ins in this period yet."}
	if signInTotal > 0 {
		f.SignIns = statCard{Value: percent(passkeyTotal, signInTotal),
			Detail: fmt.Sprintf("%d of %d sign-ins in the last %d days", passkeyTotal, signInTotal, days)}
		f.SignInChart = ptr(lineCharts(lineChart{Points: signIns, Summary: seriesSummary(
			"Share of sign-ins with a passkey by day, "+span, f.SignInRows)}))
	}

	fn := d.Funnel
	f.FunnelSteps = []funnelStep{
		{"Evaluated", fn.Evaluated, percent(fn.Evaluated, fn.Evaluated), "evaluated"},
		{"Eligible", fn.Eligible, percent(fn.Eligible, fn.Evaluated), "evaluated"},
		{"Shown", fn.Shown, percent(fn.Shown, fn.Eligible), "eligible"},
		{"Accepted", fn.Accepted, percent(fn.Accepted, fn.Shown), "shown"},
		{"Dismissed", fn.Dismissed, percent(fn.Dismissed, fn.Shown), "shown"},
		{"Opted out", fn.OptedOut, percent(fn.OptedOut, fn.Shown), "shown"},
		{"Failed", fn.Failed, percent(fn.Failed, fn.Shown), "shown"},
	}
	if fn != (prompt.UpliftFunnel{}) {
		chart := barChart{Summary: fmt.Sprintf("Passkey prompt funnel, %s: %d evaluated, %d eligible, %d shown, %d accepted, %d dismissed, %d opted out, %d failed",
			span, fn.Evaluated, fn.Eligible, fn.Shown, fn.Accepted, fn.Dismissed, fn.OptedOut, fn.Failed)}
		for i, s := range f.FunnelSteps {
			note := s.Share
			if i == 0 || s.Share == "—" {
				note = ""
			}
			chart.Bars = append(chart.Bars, bar{Label: s.Label, Count: s.Count, Note: note})
		}
		f.Funnel = ptr(barCharts(chart))
	}

	for _, r := range d.Reasons {
		f.Reasons = append(f.Reasons, reasonRow{Code: string(r.Reason), Words: uplift.Reason(r.Reason).Explain(),
			Count: r.Count, Share: percent(r.Count, fn.Evaluated)})
	}
	for _, p := range d.Platforms {
		name := p.Platform
		if name == "" {
			name = "Unknown"
		}
		f.Platforms = append(f.Platforms, platformRow{Name: name, Evaluated: p.Evaluated, Shown: p.Shown,
			Accepted: p.Accepted, Dismissed: p.Dismissed, Failed: p.Failed, AcceptanceRate: percent(p.Accepted, p.Shown)})
	}
	return f
}

// sharePoint is a day's share as a chart point; a day with nothing to
// divide by is a gap.
func sharePoint(day time.Time, part, whole int) linePoint {
	p := linePoint{Label: shortDate(day)}
	if whole > 0 {
		p.Value, p.Valid = float64(part)*100/float64(whole), true
	}
	return p
}

// seriesSummary names a chart for screen readers: what it shows, its
// latest value and its range.
func seriesSummary(what string, rows []shareRow) string {
	last := rows[len(rows)-1]
	lo, hi := last, last
	for _, r := range rows {
		if r.Part*lo.Whole < lo.Part*r.Whole {
			lo = r
		}
		if r.Part*hi.Whole > hi.Part*r.Whole {
			hi = r
		}
	}
	return fmt.Sprintf("%s. Latest: %s on %s (%d of %d). Lowest %s, highest %s.",
		what, last.Share, longDate(last.Day), last.Part, last.Whole, lo.Share, hi.Share)
}
