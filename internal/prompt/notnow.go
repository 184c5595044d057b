package prompt

import (
	"context"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/uplift"
)

// AfterNotNow says what the decision would do if the user chose "Not
// now" on the device now, so the prompt can tell them: never ask there
// again (the tenant's dismissal limit would be reached), or hide the
// prompt for wait — the interval, doubled per earlier dismissal with
// back-off — where a wait of 0 means the next sign-in.
func (s *Service) AfterNotNow(ctx context.Context, t model.Tenant, userID, deviceID string) (never bool, wait time.Duration, err error) {
	n := 0
	if deviceID != "" {
		if n, _, err = s.store.UpliftDismissals(ctx, t.ID, userID, deviceID); err != nil {
			return false, 0, err
		}
	}
	p := t.Passkey
	if p.EnrollmentPromptMaxDismissals > 0 && n+1 >= p.EnrollmentPromptMaxDismissals {
		return true, 0, nil
	}
	interval := time.Duration(p.EnrollmentPromptInterval) * time.Second
	return false, uplift.Wait(interval, p.EnrollmentPromptBackoff, n+1), nil
}
