package flows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/uplift-dev/uplift/internal/devices"
	"github.com/uplift-dev/uplift/internal/model"
)

// maxProviderList caps the size of a fetched AAGUID list; the community
// list with its inline SVG icons is a few megabytes.
const maxProviderList = 32 << 20

// providerEntry is one entry of the community AAGUID list
// (passkeydeveloper/passkey-authenticator-aaguids format).
type providerEntry struct {
	Name      string `json:"name"`
	IconLight string `json:"icon_light"`
	IconDark  string `json:"icon_dark"`
}

// RefreshPasskeyNames fetches the AAGUID → provider list from url (a JSON
// object keyed by AAGUID, as the community list publishes it) and caches
// it in the database, so every instance names passkeys the same way. It
// returns how many names it stored. client may be nil.
func (s *Service) RefreshPasskeyNames(ctx context.Context, url string, client *http.Client) (int, error) {
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, fmt.Errorf("passkey names: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("passkey names: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("passkey names: %s answered %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxProviderList+1))
	if err != nil {
		return 0, fmt.Errorf("passkey names: %w", err)
	}
	if len(body) > maxProviderList {
		return 0, errors.New("passkey names: the list is larger than 32 MiB")
	}
	names, err := parseProviderList(body)
	if err != nil {
		return 0, err
	}
	now := s.Now()
	err = s.store.InTx(ctx, func(q storeQueries) error { return q.SaveProviderNames(ctx, names, now) })
	return len(names), err
}

func parseProviderList(body []byte) ([]model.ProviderName, error) {
	var raw map[string]providerEntry
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("passkey names: the list is not a JSON object of AAGUIDs: %w", err)
	}
	var out []model.ProviderName
	for k, e := range raw {
		id, err := uuid.Parse(k)
		name := strings.TrimSpace(e.Name)
		if err != nil || name == "" || len(name) > 200 {
			continue
		}
		out = append(out, model.ProviderName{AAGUID: id.String(), Name: name,
			SVGIconLight: safeIcon(e.IconLight), SVGIconDark: safeIcon(e.IconDark)})
	}
	if len(out) == 0 {
		return nil, errors.New("passkey names: the list holds no usable entry")
	}
	return out, nil
}

// safeIcon keeps an icon only when it is an inline SVG or PNG data URL of
// reasonable size, so a hostile list cannot point browsers elsewhere.
func safeIcon(s string) string {
	if len(s) > 256<<10 {
		return ""
	}
	if strings.HasPrefix(s, "data:image/svg+xml;") || strings.HasPrefix(s, "data:image/png;") {
		return s
	}
	return ""
}

// LoadPasskeyNamesInBackground refreshes the provider names from url in a
// goroutine, logging the outcome; an empty url turns the feature off. The
// names cached by an earlier run keep serving if the fetch fails.
func (s *Service) LoadPasskeyNamesInBackground(ctx context.Context, url string) {
	if url == "" {
		s.log.InfoContext(ctx, "passkey provider names by AAGUID are off; set UPLIFT_AAGUID_URL to fetch them")
		return
	}
	go func() {
		n, err := s.RefreshPasskeyNames(ctx, url, nil)
		if err != nil {
			s.log.WarnContext(ctx, "could not fetch passkey provider names; names from user agents are used", "err", err)
			return
		}
		s.log.InfoContext(ctx, "passkey provider names loaded", "count", n)
	}()
}

// passkeyName names a new passkey after its provider when its AAGUID is
// known, else after the browser and system it was created with.
func (s *Service) passkeyName(ctx context.Context, aaguid []byte, ua model.UserAgent) string {
	if id, err := uuid.FromBytes(aaguid); err == nil && id != uuid.Nil {
		n, err := s.store.ProviderName(ctx, id.String())
		if err == nil {
			return n.Name
		}
		if !errors.Is(err, model.ErrNotFound) {
			s.log.WarnContext(ctx, "look up passkey provider name", "err", err)
		}
	}
	return devices.PasskeyName(ua)
}

// PasskeyView is a passkey with its provider's name and icons, when its
// AAGUID is known.
type PasskeyView struct {
	Passkey  model.Passkey
	Provider *model.ProviderName
}

// UserPasskeys returns a user's passkeys keyed by authenticator id.
func (s *Service) UserPasskeys(ctx context.Context, tenantID, userID string) (map[string]PasskeyView, error) {
	ps, err := s.store.Passkeys(ctx, tenantID, userID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]PasskeyView, len(ps))
	for _, p := range ps {
		out[p.AuthenticatorID] = s.viewPasskey(ctx, p)
	}
	return out, nil
}

func (s *Service) viewPasskey(ctx context.Context, p model.Passkey) PasskeyView {
	v := PasskeyView{Passkey: p}
	if id, err := uuid.FromBytes(p.AAGUID); err == nil && id != uuid.Nil {
		if n, err := s.store.ProviderName(ctx, id.String()); err == nil {
			v.Provider = &n
		}
	}
	return v
}
