package prompt

import (
	"context"
	"time"

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
	p, err := s.LastDays(days)
	if err != nil {
		return Dashboard{}, err
	}
	a, err := s.Analytics(ctx, tenantID, p, ReportFunnel, ReportCoverage)
	return a.Dashboard, err
}
