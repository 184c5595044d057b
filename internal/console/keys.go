package console

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/uplift-dev/uplift/internal/admin"
	"github.com/uplift-dev/uplift/internal/model"
)

// keysView is the API keys page. NewSecret is set only on the answer that
// created the key: it is shown once and never stored.
type keysView struct {
	Keys      []keyRow
	NewSecret string
	NewPrefix string
	newKeyID  string
}

// keyRow is one secret key, by its prefix only.
type keyRow struct {
	Prefix, RevokeURL string
	Created, Revoked  time.Time
	// New marks the key just created.
	New bool
}

// Keys lists the tenant's API secret keys.
func (c *Console) Keys(w http.ResponseWriter, r *http.Request, s *Session) error {
	return c.renderKeys(w, r, s, http.StatusOK, View{}, keysView{})
}

// CreateKey issues a new secret key and shows it once, on this answer
// (not after a redirect, so it never sits in a URL or in history).
func (c *Console) CreateKey(w http.ResponseWriter, r *http.Request, s *Session) error {
	keyID, secret, err := c.tenancy.IssueKey(r.Context(), s.Tenant.ID)
	if err != nil {
		return err
	}
	c.log.InfoContext(r.Context(), "console: API key created", "tenant", s.Tenant.ID, "key", keyID, "admin", s.Admin.ID)
	w.Header().Set("Cache-Control", "no-store")
	return c.renderKeys(w, r, s, http.StatusOK, View{Notice: "API key created."}, keysView{NewSecret: secret, newKeyID: keyID})
}

// RevokeKey revokes one of the tenant's keys; the tenant's last active
// key is refused, so the app's backend is never cut off by accident.
func (c *Console) RevokeKey(w http.ResponseWriter, r *http.Request, s *Session) error {
	keyID := r.PathValue("keyId")
	err := c.tenancy.RevokeKeyKeepingOne(r.Context(), s.Tenant.ID, keyID)
	if errors.Is(err, model.ErrConflict) {
		var me *model.Error
		msg := "This key cannot be revoked now."
		if errors.As(err, &me) {
			msg = me.Description
		}
		return c.renderKeys(w, r, s, http.StatusConflict, View{Error: msg}, keysView{})
	}
	if err != nil {
		return err
	}
	c.log.InfoContext(r.Context(), "console: API key revoked", "tenant", s.Tenant.ID, "key", keyID, "admin", s.Admin.ID)
	redirect(w, r, admin.ConsolePath+"/keys", "key-revoked")
	return nil
}

// renderKeys shows the keys page with the tenant's keys, as of now.
func (c *Console) renderKeys(w http.ResponseWriter, r *http.Request, s *Session, status int, v View, kv keysView) error {
	keys, err := c.tenancy.APIKeys(r.Context(), s.Tenant.ID)
	if err != nil {
		return err
	}
	for i := len(keys) - 1; i >= 0; i-- { // newest first
		k := keys[i]
		row := keyRow{Prefix: k.Prefix + "…", Created: k.CreatedAt, Revoked: k.RevokedAt}
		if k.RevokedAt.IsZero() {
			row.RevokeURL = admin.ConsolePath + "/keys/" + url.PathEscape(k.ID) + "/revoke"
		}
		if k.ID == kv.newKeyID {
			kv.NewPrefix, row.New = row.Prefix, true
		}
		kv.Keys = append(kv.Keys, row)
	}
	v.Title, v.Section, v.Data = "API keys", "keys", kv
	c.render(w, r, status, "keys", s, v)
	return nil
}
