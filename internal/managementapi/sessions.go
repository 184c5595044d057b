package managementapi

import (
	"net/http"
	"time"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/sessions"
)

// SessionConfig serves the tenant's session lifetimes at
// /v1/management/session-configuration.
type SessionConfig struct {
	svc *sessions.Service
}

// NewSessionConfig returns the session configuration endpoints over svc.
func NewSessionConfig(svc *sessions.Service) *SessionConfig { return &SessionConfig{svc: svc} }

// sessionConfigJSON holds the lifetimes in seconds.
type sessionConfigJSON struct {
	AccessTokenDuration  int64 `json:"accessTokenDuration"`
	RefreshTokenDuration int64 `json:"refreshTokenDuration"`
}

func toSessionConfigJSON(st model.SessionSettings) sessionConfigJSON {
	return sessionConfigJSON{AccessTokenDuration: int64(st.AccessTokenTTL / time.Second),
		RefreshTokenDuration: int64(st.RefreshTokenTTL / time.Second)}
}

// Get answers GET /v1/management/session-configuration.
func (c *SessionConfig) Get(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	st, err := c.svc.Settings(r.Context(), t.ID)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, toSessionConfigJSON(st))
}

// Update answers PATCH /v1/management/session-configuration.
func (c *SessionConfig) Update(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	var in struct {
		AccessTokenDuration  optional[int64] `json:"accessTokenDuration"`
		RefreshTokenDuration optional[int64] `json:"refreshTokenDuration"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	// Far out of range, a number of seconds would overflow a duration.
	const most = int64(sessions.MaxRefreshTokenTTL/time.Second) + 1
	for _, f := range []struct {
		name string
		v    optional[int64]
	}{{"accessTokenDuration", in.AccessTokenDuration}, {"refreshTokenDuration", in.RefreshTokenDuration}} {
		if f.v.Set && (f.v.Value <= 0 || f.v.Value > most) {
			return model.Invalid("%s must be a number of seconds between 1 and %d", f.name, most-1)
		}
	}
	st, err := c.svc.UpdateSettings(r.Context(), t.ID, func(st *model.SessionSettings) {
		if in.AccessTokenDuration.Set {
			st.AccessTokenTTL = time.Duration(in.AccessTokenDuration.Value) * time.Second
		}
		if in.RefreshTokenDuration.Set {
			st.RefreshTokenTTL = time.Duration(in.RefreshTokenDuration.Value) * time.Second
		}
	})
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, toSessionConfigJSON(st))
}
