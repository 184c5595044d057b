package managementapi

import (
	"encoding/csv"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/prompt"
)

// Analytics serves the adoption analytics' reports and the message prices
// they use (docs/analytics.md defines every figure).
type Analytics struct {
	prompt *prompt.Service
}

// NewAnalytics returns the analytics endpoints over the prompt's service.
func NewAnalytics(pr *prompt.Service) *Analytics { return &Analytics{prompt: pr} }

// table is a report as rows of text under a header, for CSV.
type table struct {
	header []string
	rows   [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// Report answers GET /v1/management/analytics/{report}?from=&to=&format=:
// one report over whole UTC days from from to to (YYYY-MM-DD, both
// included; by default the last 30 days), as JSON or, with format=csv,
// as CSV.
func (a *Analytics) Report(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	report := prompt.Report(r.PathValue("report"))
	if !slices.Contains(prompt.Reports, report) {
		return model.NotFound("no such report; the reports are funnel, attempts, breakdowns, coverage, fallbacks and savings")
	}
	q := r.URL.Query()
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		return model.Invalid("format must be json or csv")
	}
	p, err := a.prompt.ParsePeriod(q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	an, err := a.prompt.Analytics(r.Context(), t.ID, p, report)
	if err != nil {
		return err
	}
	body, tab := reportJSON(report, an)
	if format != "csv" {
		return jsonapi.Write(w, http.StatusOK, body)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="uplift-`+string(report)+"-"+
		p.From.Format(isoDate)+"-"+p.To.Format(isoDate)+`.csv"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	cw := csv.NewWriter(w)
	if err := cw.Write(tab.header); err != nil {
		return nil // the client went away
	}
	for _, row := range tab.rows {
		if err := cw.Write(row); err != nil {
			return nil
		}
	}
	cw.Flush()
	return nil
}

const isoDate = "2006-01-02"

// cell is text from users or devices made safe for spreadsheets: a cell
// that begins with =, +, -, @, a tab or a carriage return would be read
// as a formula, so it is prefixed with an apostrophe.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

// rate is part of whole from 0 to 1, to four decimals; nil when whole is 0.
func rate(part, whole int) *float64 {
	if whole == 0 {
		return nil
	}
	r := math.Round(float64(part)/float64(whole)*10000) / 10000
	return &r
}

func rateText(r *float64) string {
	if r == nil {
		return ""
	}
	return strconv.FormatFloat(*r, 'f', -1, 64)
}

type periodJSON struct {
	Report string `json:"report"`
	From   string `json:"from"`
	To     string `json:"to"`
}

type funnelReportJSON struct {
	periodJSON
	Funnel  map[string]int    `json:"funnel"`
	Reasons []reasonCountJSON `json:"reasons"`
}

type reasonCountJSON struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

type attemptJSON struct {
	Attempt        int      `json:"attempt"`
	Shown          int      `json:"shown"`
	Accepted       int      `json:"accepted"`
	Dismissed      int      `json:"dismissed"`
	OptedOut       int      `json:"optedOut"`
	Failed         int      `json:"failed"`
	AcceptanceRate *float64 `json:"acceptanceRate"`
}

type breakdownJSON struct {
	Dimension       string `json:"dimension"`
	Value           string `json:"value"`
	Evaluated       int    `json:"evaluated"`
	Eligible        int    `json:"eligible"`
	Shown           int    `json:"shown"`
	Accepted        int    `json:"accepted"`
	Dismissed       int    `json:"dismissed"`
	OptedOut        int    `json:"optedOut"`
	Failed          int    `json:"failed"`
	PasskeysCreated int    `json:"passkeysCreated"`
	PasskeySignIns  int    `json:"passkeySignIns"`
}

type coverageDayJSON struct {
	Date                   string `json:"date"`
	ActiveUsers            int    `json:"activeUsers"`
	ActiveUsersWithPasskey int    `json:"activeUsersWithPasskey"`
	SignIns                int    `json:"signIns"`
	PasskeySignIns         int    `json:"passkeySignIns"`
}

type coverageReportJSON struct {
	periodJSON
	ActiveUsers              int               `json:"activeUsers"`
	ActiveUsersWithPasskey   int               `json:"activeUsersWithPasskey"`
	ActiveDevices            int               `json:"activeDevices"`
	ActiveDevicesWithPasskey int               `json:"activeDevicesWithPasskey"`
	DeviceCoverage           *float64          `json:"deviceCoverage"`
	Days                     []coverageDayJSON `json:"days"`
}

type methodDayJSON struct {
	Date    string `json:"date"`
	Method  string `json:"method"`
	SignIns int    `json:"signIns"`
}

type fallbackDeviceJSON struct {
	OS              string `json:"os"`
	Browser         string `json:"browser"`
	Method          string `json:"method"`
	PasskeyOnDevice bool   `json:"passkeyOnDevice"`
	SignIns         int    `json:"signIns"`
}

type fallbacksReportJSON struct {
	periodJSON
	PasskeyUsers  int                  `json:"passkeyUsers"`
	FallbackUsers int                  `json:"fallbackUsers"`
	FallbackShare *float64             `json:"fallbackShare"`
	SignIns       []methodDayJSON      `json:"signIns"`
	Devices       []fallbackDeviceJSON `json:"devices"`
}

type savingsReportJSON struct {
	periodJSON
	Currency          string `json:"currency"`
	TextMessagePrice  int64  `json:"textMessagePrice"`
	EmailPrice        int64  `json:"emailPrice"`
	TextMessagesSaved int    `json:"textMessagesSaved"`
	EmailsSaved       int    `json:"emailsSaved"`
	TextMessageAmount int64  `json:"textMessageAmount"`
	EmailAmount       int64  `json:"emailAmount"`
	TotalAmount       int64  `json:"totalAmount"`
}

type rowsReportJSON[T any] struct {
	periodJSON
	Rows []T `json:"rows"`
}

// reportJSON is a report as its JSON body and its CSV table.
func reportJSON(report prompt.Report, an prompt.Analytics) (any, table) {
	head := periodJSON{Report: string(report), From: an.From.Format(isoDate), To: an.To.Format(isoDate)}
	var tab table
	switch report {
	case prompt.ReportFunnel:
		f := an.Dashboard.Funnel
		steps := []struct {
			name  string
			count int
		}{{"evaluated", f.Evaluated}, {"eligible", f.Eligible}, {"shown", f.Shown}, {"accepted", f.Accepted},
			{"dismissed", f.Dismissed}, {"optedOut", f.OptedOut}, {"failed", f.Failed}}
		out := funnelReportJSON{periodJSON: head, Funnel: map[string]int{}, Reasons: []reasonCountJSON{}}
		tab.header = []string{"group", "name", "count"}
		for _, s := range steps {
			out.Funnel[s.name] = s.count
			tab.add("step", s.name, itoa(s.count))
		}
		for _, r := range an.Dashboard.Reasons {
			out.Reasons = append(out.Reasons, reasonCountJSON{Reason: string(r.Reason), Count: r.Count})
			tab.add("reason", cell(string(r.Reason)), itoa(r.Count))
		}
		return out, tab
	case prompt.ReportAttempts:
		out := rowsReportJSON[attemptJSON]{periodJSON: head, Rows: []attemptJSON{}}
		tab.header = []string{"attempt", "shown", "accepted", "dismissed", "optedOut", "failed", "acceptanceRate"}
		for _, r := range an.Attempts {
			j := attemptJSON{Attempt: r.Attempt, Shown: r.Shown, Accepted: r.Accepted, Dismissed: r.Dismissed,
				OptedOut: r.OptedOut, Failed: r.Failed, AcceptanceRate: rate(r.Accepted, r.Shown)}
			out.Rows = append(out.Rows, j)
			attempt := itoa(r.Attempt)
			if r.Attempt == model.MaxPromptAttempt {
				attempt += "+"
			}
			tab.add(attempt, itoa(r.Shown), itoa(r.Accepted), itoa(r.Dismissed), itoa(r.OptedOut), itoa(r.Failed), rateText(j.AcceptanceRate))
		}
		return out, tab
	case prompt.ReportBreakdowns:
		out := rowsReportJSON[breakdownJSON]{periodJSON: head, Rows: []breakdownJSON{}}
		tab.header = []string{"dimension", "value", "evaluated", "eligible", "shown", "accepted", "dismissed", "optedOut",
			"failed", "passkeysCreated", "passkeySignIns"}
		for _, r := range an.Breakdowns {
			out.Rows = append(out.Rows, breakdownJSON{Dimension: r.Dimension, Value: r.Value, Evaluated: r.Evaluated,
				Eligible: r.Eligible, Shown: r.Shown, Accepted: r.Accepted, Dismissed: r.Dismissed, OptedOut: r.OptedOut,
				Failed: r.Failed, PasskeysCreated: r.PasskeysCreated, PasskeySignIns: r.PasskeySignIns})
			tab.add(r.Dimension, cell(r.Value), itoa(r.Evaluated), itoa(r.Eligible), itoa(r.Shown), itoa(r.Accepted),
				itoa(r.Dismissed), itoa(r.OptedOut), itoa(r.Failed), itoa(r.PasskeysCreated), itoa(r.PasskeySignIns))
		}
		return out, tab
	case prompt.ReportCoverage:
		c := an.Coverage
		out := coverageReportJSON{periodJSON: head, ActiveUsers: c.ActiveUsers, ActiveUsersWithPasskey: c.ActiveUsersWithPasskey,
			ActiveDevices: c.ActiveDevices, ActiveDevicesWithPasskey: c.ActiveDevicesWithPasskey,
			DeviceCoverage: rate(c.ActiveDevicesWithPasskey, c.ActiveDevices), Days: []coverageDayJSON{}}
		tab.header = []string{"scope", "date", "activeUsers", "activeUsersWithPasskey", "activeDevices", "activeDevicesWithPasskey",
			"signIns", "passkeySignIns"}
		tab.add("period", head.From+"/"+head.To, itoa(c.ActiveUsers), itoa(c.ActiveUsersWithPasskey), itoa(c.ActiveDevices),
			itoa(c.ActiveDevicesWithPasskey), "", "")
		for _, d := range an.Dashboard.Days {
			date := d.Day.Format(isoDate)
			out.Days = append(out.Days, coverageDayJSON{Date: date, ActiveUsers: d.ActiveUsers,
				ActiveUsersWithPasskey: d.ActiveUsersWithPasskey, SignIns: d.SignIns, PasskeySignIns: d.PasskeySignIns})
			tab.add("day", date, itoa(d.ActiveUsers), itoa(d.ActiveUsersWithPasskey), "", "", itoa(d.SignIns), itoa(d.PasskeySignIns))
		}
		return out, tab
	case prompt.ReportFallbacks:
		f := an.Fallbacks
		out := fallbacksReportJSON{periodJSON: head, PasskeyUsers: f.PasskeyUsers, FallbackUsers: f.FallbackUsers,
			FallbackShare: rate(f.FallbackUsers, f.PasskeyUsers), SignIns: []methodDayJSON{}, Devices: []fallbackDeviceJSON{}}
		tab.header = []string{"scope", "date", "method", "os", "browser", "passkeyOnDevice", "signIns", "passkeyUsers", "fallbackUsers"}
		tab.add("period", head.From+"/"+head.To, "", "", "", "", "", itoa(f.PasskeyUsers), itoa(f.FallbackUsers))
		for _, d := range f.Days {
			date := d.Day.Format(isoDate)
			out.SignIns = append(out.SignIns, methodDayJSON{Date: date, Method: string(d.Method), SignIns: d.Count})
			tab.add("day", date, cell(string(d.Method)), "", "", "", itoa(d.Count), "", "")
		}
		for _, d := range f.Devices {
			out.Devices = append(out.Devices, fallbackDeviceJSON{OS: d.OS, Browser: d.Browser, Method: string(d.Method),
				PasskeyOnDevice: d.PasskeyOnDevice, SignIns: d.SignIns})
			tab.add("device", "", cell(string(d.Method)), cell(d.OS), cell(d.Browser), strconv.FormatBool(d.PasskeyOnDevice),
				itoa(d.SignIns), "", "")
		}
		return out, tab
	default: // savings
		s := an.Savings
		out := savingsReportJSON{periodJSON: head, Currency: s.Prices.Currency, TextMessagePrice: s.Prices.TextMessage,
			EmailPrice: s.Prices.Email, TextMessagesSaved: s.TextMessages, EmailsSaved: s.Emails,
			TextMessageAmount: s.TextMessageCost, EmailAmount: s.EmailCost, TotalAmount: s.Total}
		tab.header = []string{"message", "saved", "currency", "price", "amount"}
		p := func(n int64) string { return strconv.FormatInt(n, 10) }
		tab.add("textMessage", itoa(s.TextMessages), cell(s.Prices.Currency), p(s.Prices.TextMessage), p(s.TextMessageCost))
		tab.add("email", itoa(s.Emails), cell(s.Prices.Currency), p(s.Prices.Email), p(s.EmailCost))
		tab.add("total", itoa(s.TextMessages+s.Emails), cell(s.Prices.Currency), "", p(s.Total))
		return out, tab
	}
}

// messagePricesJSON is the tenant's prices per message in minor units
// (cents) of currency.
type messagePricesJSON struct {
	Currency         string `json:"currency"`
	TextMessagePrice int64  `json:"textMessagePrice"`
	EmailPrice       int64  `json:"emailPrice"`
}

type messagePricesInput struct {
	Currency         optional[string] `json:"currency" text:"3"`
	TextMessagePrice optional[int64]  `json:"textMessagePrice"`
	EmailPrice       optional[int64]  `json:"emailPrice"`
}

// GetMessagePrices answers GET /v1/management/message-prices.
func (a *Analytics) GetMessagePrices(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	p, err := a.prompt.MessagePrices(r.Context(), t.ID)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, messagePricesJSON{Currency: p.Currency, TextMessagePrice: p.TextMessage, EmailPrice: p.Email})
}

// UpdateMessagePrices answers PATCH /v1/management/message-prices: the
// fields present replace the stored ones.
func (a *Analytics) UpdateMessagePrices(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	var in messagePricesInput
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	p, err := a.prompt.MessagePrices(r.Context(), t.ID)
	if err != nil {
		return err
	}
	in.Currency.apply(&p.Currency)
	in.TextMessagePrice.apply(&p.TextMessage)
	in.EmailPrice.apply(&p.Email)
	if err := a.prompt.SetMessagePrices(r.Context(), t.ID, p); err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, messagePricesJSON{Currency: p.Currency, TextMessagePrice: p.TextMessage, EmailPrice: p.Email})
}
