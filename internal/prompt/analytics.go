package prompt

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/providers"
	"github.com/uplift-dev/uplift/internal/uplift"
)

// The adoption analytics: the reports behind the console's dashboard and
// GET /v1/management/analytics/{report}. docs/analytics.md defines every
// figure.

// Report names one of the analytics' reports.
type Report string

// The reports.
const (
	ReportFunnel     Report = "funnel"
	ReportAttempts   Report = "attempts"
	ReportBreakdowns Report = "breakdowns"
	ReportCoverage   Report = "coverage"
	ReportFallbacks  Report = "fallbacks"
	ReportSavings    Report = "savings"
)

// Reports lists every report in the dashboard's order.
var Reports = []Report{ReportFunnel, ReportAttempts, ReportBreakdowns, ReportCoverage, ReportFallbacks, ReportSavings}

// Period is a span of whole UTC days: From and To are midnight UTC of its
// first and last day.
type Period struct {
	From, To time.Time
}

// end is the instant after the period's last day.
func (p Period) end() time.Time { return p.To.AddDate(0, 0, 1) }

// Days is how many days the period has.
func (p Period) Days() int { return int(p.end().Sub(p.From).Hours()+0.5) / 24 }

// LastDays is the period of the last days UTC days, today (by the service
// clock) included.
func (s *Service) LastDays(days int) (Period, error) {
	if days < 1 || days > MaxDashboardDays {
		return Period{}, model.Invalid("the period must be 1 to %d days", MaxDashboardDays)
	}
	now := s.Now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	return Period{From: today.AddDate(0, 0, 1-days), To: today}, nil
}

// ParsePeriod reads a period from its first and last day as YYYY-MM-DD;
// an empty to is today, an empty from the 30 days that end on to.
func (s *Service) ParsePeriod(from, to string) (Period, error) {
	p, err := s.LastDays(30)
	if err != nil {
		return p, err
	}
	if to != "" {
		t, err := time.Parse(time.DateOnly, to)
		if err != nil {
			return p, model.Invalid("to must be a date such as 2026-11-30")
		}
		p.To, p.From = t, t.AddDate(0, 0, -29)
	}
	if from != "" {
		f, err := time.Parse(time.DateOnly, from)
		if err != nil {
			return p, model.Invalid("from must be a date such as 2026-11-01")
		}
		p.From = f
	}
	if p.From.After(p.To) {
		return p, model.Invalid("from must not be after to")
	}
	if p.Days() > MaxDashboardDays {
		return p, model.Invalid("the period must be at most %d days", MaxDashboardDays)
	}
	return p, nil
}

// Analytics holds the reports asked for; the others stay empty.
type Analytics struct {
	Period
	// Dashboard has the funnel, its reasons and platforms (funnel) and the
	// days (coverage).
	Dashboard  Dashboard
	Attempts   []AttemptRow
	Breakdowns []BreakdownRow
	Coverage   model.DeviceCoverage
	Fallbacks  FallbackReport
	Savings    Savings
}

// AttemptRow is the prompt's outcome at one attempt on a device: Attempt
// is 1 to model.MaxPromptAttempt, the last standing for that many or more.
type AttemptRow struct {
	Attempt                                      int
	Shown, Accepted, Dismissed, OptedOut, Failed int
}

// Breakdown dimensions.
const (
	DimensionOS       = "os"
	DimensionBrowser  = "browser"
	DimensionProvider = "provider"
	DimensionSynced   = "synced"
	DimensionAction   = "action"
	DimensionVariant  = "variant"
)

// BreakdownRow is the funnel of one value of one dimension. The provider
// and synced dimensions exist only once a passkey does: their rows count
// PasskeysCreated and PasskeySignIns, the others the prompt's steps.
type BreakdownRow struct {
	Dimension, Value                                                  string
	Evaluated, Eligible, Shown, Accepted, Dismissed, OptedOut, Failed int
	PasskeysCreated, PasskeySignIns                                   int
}

// FallbackReport is the period's sign-ins by method and day, and the
// sign-ins without a passkey of users who had one.
type FallbackReport struct {
	Days                        []MethodDay
	PasskeyUsers, FallbackUsers int
	Devices                     []FallbackRow
}

// MethodDay is one day's sign-ins with one method ("" when none was
// recorded).
type MethodDay struct {
	Day    time.Time
	Method model.VerificationMethod
	Count  int
}

// FallbackRow is the fallback sign-ins on one kind of device with one
// method.
type FallbackRow struct {
	OS, Browser     string
	Method          model.VerificationMethod
	PasskeyOnDevice bool
	SignIns         int
}

// Savings is what the period's passkey sign-ins saved in messages not
// sent, at the tenant's prices (minor units of Prices.Currency).
type Savings struct {
	Prices                            model.MessagePrices
	TextMessages, Emails              int
	TextMessageCost, EmailCost, Total int64
}

// Analytics returns the tenant's reports over the period; only those
// named are filled. It first counts the tenant's writes still waiting for
// the folder, so that the reports include everything written before the
// call. The reports' queries are independent reads, so they run side by
// side on the store's readers.
func (s *Service) Analytics(ctx context.Context, tenantID string, p Period, reports ...Report) (Analytics, error) {
	a := Analytics{Period: p, Dashboard: Dashboard{From: p.From, To: p.To}}
	if _, err := s.store.FoldAnalytics(ctx, tenantID); err != nil {
		return a, err
	}
	from, end := p.From, p.end()
	var parts []func() error
	if slices.Contains(reports, ReportFunnel) || slices.Contains(reports, ReportBreakdowns) {
		parts = append(parts, func() error {
			groups, err := s.store.UpliftEventGroups(ctx, tenantID, from, end)
			if err != nil {
				return err
			}
			a.Dashboard.Funnel, a.Dashboard.Reasons, a.Dashboard.Platforms = funnelOf(groups)
			if slices.Contains(reports, ReportBreakdowns) {
				a.Breakdowns, err = s.breakdowns(ctx, tenantID, p, groups)
			}
			return err
		})
	}
	if slices.Contains(reports, ReportAttempts) {
		parts = append(parts, func() (err error) { a.Attempts, err = s.attempts(ctx, tenantID, p); return err })
	}
	if slices.Contains(reports, ReportCoverage) {
		parts = append(parts,
			func() (err error) { a.Dashboard.Days, err = s.days(ctx, tenantID, p); return err },
			func() (err error) { a.Coverage, err = s.store.DeviceCoverage(ctx, tenantID, from, end); return err })
	}
	if slices.Contains(reports, ReportFallbacks) {
		parts = append(parts, func() (err error) { a.Fallbacks, err = s.fallbacks(ctx, tenantID, p); return err })
	}
	if slices.Contains(reports, ReportSavings) {
		parts = append(parts, func() (err error) { a.Savings, err = s.savings(ctx, tenantID, p); return err })
	}
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Go(func() { errs[i] = part() })
	}
	wg.Wait()
	return a, errors.Join(errs...)
}

// days is every day of the period with its adoption, zero on quiet days.
func (s *Service) days(ctx context.Context, tenantID string, p Period) ([]DashboardDay, error) {
	active, err := s.store.AdoptionByDay(ctx, tenantID, p.From, p.end())
	if err != nil {
		return nil, err
	}
	byDay := map[int64]DashboardDay{}
	for _, a := range active {
		byDay[a.Day.Unix()] = DashboardDay{Day: a.Day, ActiveUsers: a.ActiveUsers, ActiveUsersWithPasskey: a.ActiveUsersWithPasskey,
			SignIns: a.SignIns, PasskeySignIns: a.PasskeySignIns}
	}
	var out []DashboardDay
	for day := p.From; day.Before(p.end()); day = day.AddDate(0, 0, 1) {
		dd, ok := byDay[day.Unix()]
		if !ok {
			dd.Day = day
		}
		out = append(out, dd)
	}
	return out, nil
}

// funnelOf sums event groups into the funnel, its reasons (most frequent
// first) and its platforms (busiest first).
func funnelOf(groups []model.UpliftEventGroup) (UpliftFunnel, []ReasonCount, []PlatformFunnel) {
	var f UpliftFunnel
	reasons := map[uplift.Reason]int{}
	platforms := map[string]*PlatformFunnel{}
	for _, g := range groups {
		p := platforms[g.Platform]
		if p == nil {
			p = &PlatformFunnel{Platform: g.Platform}
			platforms[g.Platform] = p
		}
		switch g.Kind {
		case model.UpliftEvaluated:
			f.Evaluated += g.Count
			p.Evaluated += g.Count
			reasons[uplift.Reason(g.Reason)] += g.Count
			if uplift.Reason(g.Reason) == uplift.ReasonEligible {
				f.Eligible += g.Count
			}
		case model.UpliftShown:
			f.Shown += g.Count
			p.Shown += g.Count
		case model.UpliftAccepted:
			f.Accepted += g.Count
			p.Accepted += g.Count
		case model.UpliftDismissed:
			f.Dismissed += g.Count
			p.Dismissed += g.Count
		case model.UpliftOptedOut:
			f.OptedOut += g.Count
			p.OptedOut += g.Count
		case model.UpliftFailed:
			f.Failed += g.Count
			p.Failed += g.Count
		}
	}
	var rs []ReasonCount
	for r, n := range reasons {
		rs = append(rs, ReasonCount{Reason: r, Count: n})
	}
	slices.SortFunc(rs, func(a, b ReasonCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(string(a.Reason), string(b.Reason)))
	})
	var ps []PlatformFunnel
	for _, p := range platforms {
		ps = append(ps, *p)
	}
	slices.SortFunc(ps, func(a, b PlatformFunnel) int {
		return cmp.Or(cmp.Compare(b.Evaluated, a.Evaluated), cmp.Compare(b.Shown, a.Shown),
			strings.Compare(a.Platform, b.Platform))
	})
	return f, rs, ps
}

// attempts is one row per attempt, 1 to model.MaxPromptAttempt.
func (s *Service) attempts(ctx context.Context, tenantID string, p Period) ([]AttemptRow, error) {
	counts, err := s.store.PromptAttempts(ctx, tenantID, p.From, p.end())
	if err != nil {
		return nil, err
	}
	rows := make([]AttemptRow, model.MaxPromptAttempt)
	for i := range rows {
		rows[i].Attempt = i + 1
	}
	for _, c := range counts {
		if c.Attempt < 1 || c.Attempt > model.MaxPromptAttempt {
			continue
		}
		r := &rows[c.Attempt-1]
		switch c.Kind {
		case model.UpliftShown:
			r.Shown += c.Count
		case model.UpliftAccepted:
			r.Accepted += c.Count
		case model.UpliftDismissed:
			r.Dismissed += c.Count
		case model.UpliftOptedOut:
			r.OptedOut += c.Count
		case model.UpliftFailed:
			r.Failed += c.Count
		}
	}
	return rows, nil
}

// Names of values that are not known.
const (
	unknownValue    = "Unknown"
	noExperiment    = "No experiment"
	unknownProvider = "Unknown provider"
)

// breakdowns splits the funnel by OS, browser, action and variant, and
// the passkeys by provider and by synced or device-bound. Within a
// dimension, rows come busiest first.
func (s *Service) breakdowns(ctx context.Context, tenantID string, p Period, groups []model.UpliftEventGroup) ([]BreakdownRow, error) {
	labels, err := s.store.VariantLabels(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	variantName := map[string]string{"": noExperiment}
	for _, l := range labels {
		variantName[l.ID] = l.Experiment + ": " + l.Label
	}
	rows := map[[2]string]*BreakdownRow{}
	row := func(dim, value string) *BreakdownRow {
		if value == "" {
			value = unknownValue
		}
		k := [2]string{dim, value}
		if rows[k] == nil {
			rows[k] = &BreakdownRow{Dimension: dim, Value: value}
		}
		return rows[k]
	}
	for _, g := range groups {
		variant, ok := variantName[g.Variant]
		if !ok {
			variant = g.Variant
		}
		for _, r := range []*BreakdownRow{row(DimensionOS, g.Platform), row(DimensionBrowser, g.Browser),
			row(DimensionAction, g.ActionCode), row(DimensionVariant, variant)} {
			r.add(g.Kind, g.Reason, g.Count)
		}
	}
	passkeys, err := s.store.PasskeyGroups(ctx, tenantID, p.From, p.end())
	if err != nil {
		return nil, err
	}
	for _, g := range passkeys {
		synced := "Device-bound"
		if g.Synced {
			synced = "Synced"
		}
		for _, r := range []*BreakdownRow{row(DimensionProvider, s.providerName(ctx, g.AAGUID)), row(DimensionSynced, synced)} {
			r.PasskeysCreated += g.Created
			r.PasskeySignIns += g.SignIns
		}
	}
	order := map[string]int{DimensionOS: 0, DimensionBrowser: 1, DimensionProvider: 2, DimensionSynced: 3,
		DimensionAction: 4, DimensionVariant: 5, DimensionSurface: 6}
	out, err := s.surfaceRows(ctx, tenantID, p)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b BreakdownRow) int {
		return cmp.Or(cmp.Compare(order[a.Dimension], order[b.Dimension]), cmp.Compare(b.Evaluated, a.Evaluated),
			cmp.Compare(b.Shown, a.Shown), cmp.Compare(b.PasskeysCreated+b.PasskeySignIns, a.PasskeysCreated+a.PasskeySignIns),
			strings.Compare(a.Value, b.Value))
	})
	return out, nil
}

// providerName names the provider of an AAGUID: from the list the server
// fetched, else the built-in one, else the AAGUID itself.
func (s *Service) providerName(ctx context.Context, aaguid string) string {
	if aaguid == "" {
		return unknownProvider
	}
	n, err := s.store.ProviderName(ctx, aaguid)
	if err == nil {
		return n.Name
	}
	if !errors.Is(err, model.ErrNotFound) {
		s.log.WarnContext(ctx, "look up passkey provider name", "err", err)
	}
	if n, ok := providers.Builtin().Lookup(aaguid); ok {
		return n.Name
	}
	return aaguid
}

// fallbacks is the sign-ins by method and day and the fallback devices,
// most sign-ins first.
func (s *Service) fallbacks(ctx context.Context, tenantID string, p Period) (FallbackReport, error) {
	var r FallbackReport
	methods, err := s.store.SignInsByMethod(ctx, tenantID, p.From, p.end())
	if err != nil {
		return r, err
	}
	for _, m := range methods {
		r.Days = append(r.Days, MethodDay{Day: m.Day, Method: m.Method, Count: m.Count})
	}
	f, err := s.store.FallbackSignIns(ctx, tenantID, p.From, p.end())
	if err != nil {
		return r, err
	}
	r.PasskeyUsers, r.FallbackUsers = f.PasskeyUsers, f.FallbackUsers
	type key struct {
		os, browser string
		method      model.VerificationMethod
		held        bool
	}
	rows := map[key]int{}
	for _, d := range f.Devices {
		rows[key{cmp.Or(d.OS, unknownValue), cmp.Or(d.Browser, unknownValue), d.Method, d.PasskeyOnDevice}] += d.SignIns
	}
	for k, n := range rows {
		r.Devices = append(r.Devices, FallbackRow{OS: k.os, Browser: k.browser, Method: k.method, PasskeyOnDevice: k.held, SignIns: n})
	}
	slices.SortFunc(r.Devices, func(a, b FallbackRow) int {
		return cmp.Or(cmp.Compare(b.SignIns, a.SignIns), strings.Compare(a.OS, b.OS), strings.Compare(a.Browser, b.Browser),
			strings.Compare(string(a.Method), string(b.Method)), cmp.Compare(btoi(a.PasskeyOnDevice), btoi(b.PasskeyOnDevice)))
	})
	return r, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// savings prices the messages the period's passkey sign-ins made
// unnecessary.
func (s *Service) savings(ctx context.Context, tenantID string, p Period) (Savings, error) {
	prices, err := s.store.MessagePrices(ctx, tenantID)
	if err != nil {
		return Savings{}, err
	}
	saved, err := s.store.SavedMessages(ctx, tenantID, p.From, p.end())
	if err != nil {
		return Savings{}, err
	}
	sv := Savings{Prices: prices, TextMessages: saved.TextMessages, Emails: saved.Emails,
		TextMessageCost: int64(saved.TextMessages) * prices.TextMessage, EmailCost: int64(saved.Emails) * prices.Email}
	sv.Total = sv.TextMessageCost + sv.EmailCost
	return sv, nil
}

// add counts n uplift events of kind (and, for an evaluation, reason)
// in the row's funnel.
func (r *BreakdownRow) add(kind model.UpliftEventKind, reason string, n int) {
	switch kind {
	case model.UpliftEvaluated:
		r.Evaluated += n
		if uplift.Reason(reason) == uplift.ReasonEligible {
			r.Eligible += n
		}
	case model.UpliftShown:
		r.Shown += n
	case model.UpliftAccepted:
		r.Accepted += n
	case model.UpliftDismissed:
		r.Dismissed += n
	case model.UpliftOptedOut:
		r.OptedOut += n
	case model.UpliftFailed:
		r.Failed += n
	}
}

// FoldAnalytics counts every tenant's writes still waiting to be counted
// into the analytics' totals; the server calls it every
// AnalyticsFoldInterval.
func (s *Service) FoldAnalytics(ctx context.Context) (int, error) {
	return s.store.FoldAnalytics(ctx, "")
}

// AnalyticsFoldInterval is how often a running server folds the waiting
// writes: the totals lag the writes by about this much, except in the
// reports, which fold their tenant's first.
const AnalyticsFoldInterval = time.Second
