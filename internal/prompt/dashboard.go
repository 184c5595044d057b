package prompt

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/uplift"
)

// MaxDashboardDays is the longest period the adoption dashboard covers.
const MaxDashboardDays = 366

// Dashboard is a tenant's passkey adoption over a period of whole UTC days
// ending today by the service clock.
type Dashboard struct {
	// From and To are midnight UTC of the period's first and last day.
	From, To time.Time
	// Days has one entry per day of the period, oldest first, zero on
	// days without activity.
	Days []DashboardDay
	// Funnel counts the period's uplift events.
	Funnel UpliftFunnel
	// Reasons counts the period's evaluations by reason, most frequent first.
	Reasons []ReasonCount
	// Platforms is the funnel by device platform, busiest first; the
	// platform is empty when it is not known.
	Platforms []PlatformFunnel
}

// DashboardDay is one day's adoption: its active users (users with an
// action that day) and how many of them had a passkey by the end of it,
// and its sign-ins (actions whose challenge succeeded) and how many of
// them a passkey verified.
type DashboardDay struct {
	Day                    time.Time
	ActiveUsers            int
	ActiveUsersWithPasskey int
	SignIns                int
	PasskeySignIns         int
}

// UpliftFunnel counts the steps of the passkey prompt: decisions made
// (evaluated), decisions to show it (eligible), prompts shown, and what
// the users did with them ("Don't ask again" is OptedOut).
type UpliftFunnel struct {
	Evaluated, Eligible, Shown, Accepted, Dismissed, OptedOut, Failed int
}

// ReasonCount is how many evaluations had one reason.
type ReasonCount struct {
	Reason uplift.Reason
	Count  int
}

// PlatformFunnel is the prompt funnel of one device platform.
type PlatformFunnel struct {
	Platform                                                string
	Evaluated, Shown, Accepted, Dismissed, OptedOut, Failed int
}

// AdoptionDashboard returns the tenant's adoption figures for the last
// days UTC days, today included.
func (s *Service) AdoptionDashboard(ctx context.Context, tenantID string, days int) (Dashboard, error) {
	if days < 1 || days > MaxDashboardDays {
		return Dashboard{}, model.Invalid("the period must be 1 to %d days", MaxDashboardDays)
	}
	now := s.Now()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	d := Dashboard{From: today.AddDate(0, 0, 1-days), To: today}
	end := today.AddDate(0, 0, 1)

	active, err := s.store.AdoptionByDay(ctx, tenantID, d.From, end)
	if err != nil {
		return d, err
	}
	byDay := map[int64]DashboardDay{} // by Unix time of the day
	for _, a := range active {
		byDay[a.Day.Unix()] = DashboardDay{Day: a.Day, ActiveUsers: a.ActiveUsers, ActiveUsersWithPasskey: a.ActiveUsersWithPasskey,
			SignIns: a.SignIns, PasskeySignIns: a.PasskeySignIns}
	}
	for day := d.From; day.Before(end); day = day.AddDate(0, 0, 1) {
		dd, ok := byDay[day.Unix()]
		if !ok {
			dd.Day = day
		}
		d.Days = append(d.Days, dd)
	}

	counts, err := s.store.UpliftEventCounts(ctx, tenantID, d.From, end)
	if err != nil {
		return d, err
	}
	reasons := map[uplift.Reason]int{}
	platforms := map[string]*PlatformFunnel{}
	for _, c := range counts {
		p := platforms[c.Platform]
		if p == nil {
			p = &PlatformFunnel{Platform: c.Platform}
			platforms[c.Platform] = p
		}
		switch c.Kind {
		case model.UpliftEvaluated:
			d.Funnel.Evaluated += c.Count
			p.Evaluated += c.Count
			reasons[uplift.Reason(c.Reason)] += c.Count
			if uplift.Reason(c.Reason) == uplift.ReasonEligible {
				d.Funnel.Eligible += c.Count
			}
		case model.UpliftShown:
			d.Funnel.Shown += c.Count
			p.Shown += c.Count
		case model.UpliftAccepted:
			d.Funnel.Accepted += c.Count
			p.Accepted += c.Count
		case model.UpliftDismissed:
			d.Funnel.Dismissed += c.Count
			p.Dismissed += c.Count
		case model.UpliftOptedOut:
			d.Funnel.OptedOut += c.Count
			p.OptedOut += c.Count
		case model.UpliftFailed:
			d.Funnel.Failed += c.Count
			p.Failed += c.Count
		}
	}
	for r, n := range reasons {
		d.Reasons = append(d.Reasons, ReasonCount{Reason: r, Count: n})
	}
	slices.SortFunc(d.Reasons, func(a, b ReasonCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(string(a.Reason), string(b.Reason)))
	})
	for _, p := range platforms {
		d.Platforms = append(d.Platforms, *p)
	}
	slices.SortFunc(d.Platforms, func(a, b PlatformFunnel) int {
		return cmp.Or(cmp.Compare(b.Evaluated, a.Evaluated), cmp.Compare(b.Shown, a.Shown),
			strings.Compare(a.Platform, b.Platform))
	})
	return d, nil
}
