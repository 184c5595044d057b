package sessions

import (
	"context"
	"errors"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// Session lifetimes: the defaults of a tenant that set none, and the
// ranges a tenant may set.
const (
	DefaultAccessTokenTTL  = 10 * time.Minute
	DefaultRefreshTokenTTL = 30 * 24 * time.Hour
	MinAccessTokenTTL      = time.Minute
	MaxAccessTokenTTL      = 24 * time.Hour
	MaxRefreshTokenTTL     = 365 * 24 * time.Hour
)

// ReuseWindow is how long a used refresh token is kept: presented again
// within it, it revokes its session; after it, it is merely refused.
const ReuseWindow = 24 * time.Hour

// Settings returns a tenant's session lifetimes.
func (s *Service) Settings(ctx context.Context, tenantID string) (model.SessionSettings, error) {
	st, err := s.store.SessionSettings(ctx, tenantID)
	if errors.Is(err, model.ErrNotFound) {
		return model.SessionSettings{TenantID: tenantID, AccessTokenTTL: DefaultAccessTokenTTL,
			RefreshTokenTTL: DefaultRefreshTokenTTL}, nil
	}
	return st, err
}

// UpdateSettings applies change to a tenant's session lifetimes, checks
// them and stores them. Lifetimes are whole seconds; the access token's
// lies between MinAccessTokenTTL and MaxAccessTokenTTL, the refresh
// token's between the access token's and MaxRefreshTokenTTL. They apply
// to tokens issued from then on.
func (s *Service) UpdateSettings(ctx context.Context, tenantID string, change func(*model.SessionSettings)) (model.SessionSettings, error) {
	st, err := s.Settings(ctx, tenantID)
	if err != nil {
		return st, err
	}
	change(&st)
	st.TenantID, st.UpdatedAt = tenantID, s.Now()
	switch {
	case st.AccessTokenTTL%time.Second != 0 || st.RefreshTokenTTL%time.Second != 0:
		return st, model.Invalid("session lifetimes are whole seconds")
	case st.AccessTokenTTL < MinAccessTokenTTL || st.AccessTokenTTL > MaxAccessTokenTTL:
		return st, model.Invalid("accessTokenDuration must be between %d and %d seconds",
			int64(MinAccessTokenTTL/time.Second), int64(MaxAccessTokenTTL/time.Second))
	case st.RefreshTokenTTL < st.AccessTokenTTL || st.RefreshTokenTTL > MaxRefreshTokenTTL:
		return st, model.Invalid("refreshTokenDuration must be between accessTokenDuration and %d seconds",
			int64(MaxRefreshTokenTTL/time.Second))
	}
	return st, s.store.SetSessionSettings(ctx, st)
}

// PurgeExpired deletes the sessions that ended before cutoff, with their
// refresh tokens, and the refresh tokens used ReuseWindow before cutoff
// or earlier, and reports how many of each.
func (s *Service) PurgeExpired(ctx context.Context, cutoff time.Time) (sessions, refreshTokens int64, err error) {
	if sessions, err = s.store.PurgeSessions(ctx, cutoff); err != nil {
		return sessions, 0, err
	}
	refreshTokens, err = s.store.PurgeUsedRefreshTokens(ctx, cutoff.Add(-ReuseWindow))
	return sessions, refreshTokens, err
}
