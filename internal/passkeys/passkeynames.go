package passkeys

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/uplift-dev/uplift/internal/devices"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/providers"
)

// maxProviderList caps the size of a fetched AAGUID list; the community
// list with its inline SVG icons is a few hundred kilobytes.
const maxProviderList = 32 << 20

// RefreshPasskeyNames fetches a passkey provider list (AAGUID → name and
// icons, a JSON object in the format of the community list the binary
// embeds) from url and stores it in the database, where its names take
// precedence over the built-in ones; a failed fetch keeps the names an
// earlier one stored. It returns how many names it stored. client may be
// nil.
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
	list, err := providers.Parse(body)
	if err != nil {
		return 0, fmt.Errorf("passkey names: %w", err)
	}
	names := list.All()
	now := s.Now()
	err = s.store.InTx(ctx, func(q Queries) error { return q.SaveProviderNames(ctx, names, now) })
	return len(names), err
}

// LoadPasskeyNamesInBackground sets up passkey provider names at start.
// The list built into the binary always names passkeys; with url, a list
// fetched from there in a goroutine overrides it, stored in the database
// so that a failed fetch at a later start keeps the names of the last
// good one. Without url, the names an earlier override stored are
// dropped, so that the built-in list is the one used.
func (s *Service) LoadPasskeyNamesInBackground(ctx context.Context, url string) {
	builtin := providers.Builtin()
	if url == "" {
		n, err := s.store.DeleteProviderNames(ctx)
		if err != nil {
			s.log.WarnContext(ctx, "could not drop the passkey provider names fetched earlier", "err", err)
		}
		if n > 0 {
			s.log.InfoContext(ctx, "dropped the passkey provider names fetched earlier, as UPLIFT_AAGUID_URL is no longer set", "count", n)
		}
		s.log.InfoContext(ctx, "passkey provider names from the list built in", "count", builtin.Len(),
			"list_date", providers.SnapshotDate)
		return
	}
	go func() {
		n, err := s.RefreshPasskeyNames(ctx, url, nil)
		if err != nil {
			s.log.WarnContext(ctx, "could not fetch passkey provider names from UPLIFT_AAGUID_URL; those fetched before, if any, and the built-in list name passkeys", "err", err)
			return
		}
		s.log.InfoContext(ctx, "passkey provider names loaded from UPLIFT_AAGUID_URL, over the built-in list", "count", n)
	}()
}

// providerOf returns the provider of an AAGUID: the one a fetched list
// stored in the database, else the built-in one.
func (s *Service) providerOf(ctx context.Context, aaguid []byte) (model.ProviderName, bool) {
	id, err := uuid.FromBytes(aaguid)
	if err != nil || id == uuid.Nil {
		return model.ProviderName{}, false
	}
	n, err := s.store.ProviderName(ctx, id.String())
	if err == nil {
		return n, true
	}
	if !errors.Is(err, model.ErrNotFound) {
		s.log.WarnContext(ctx, "look up passkey provider name", "err", err)
	}
	return providers.Builtin().Lookup(id.String())
}

// passkeyName names a new passkey after its provider when its AAGUID is
// known, else after the browser and system it was created with.
func (s *Service) passkeyName(ctx context.Context, aaguid []byte, ua model.UserAgent) string {
	if p, ok := s.providerOf(ctx, aaguid); ok {
		return p.Name
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

// PasskeyViews returns the user's passkeys with their providers, oldest
// first.
func (s *Service) PasskeyViews(ctx context.Context, tenantID, userID string) ([]PasskeyView, error) {
	ps, err := s.store.Passkeys(ctx, tenantID, userID)
	if err != nil {
		return nil, err
	}
	out := make([]PasskeyView, len(ps))
	for i, p := range ps {
		out[i] = s.viewPasskey(ctx, p)
	}
	return out, nil
}

func (s *Service) viewPasskey(ctx context.Context, p model.Passkey) PasskeyView {
	v := PasskeyView{Passkey: p}
	if n, ok := s.providerOf(ctx, p.AAGUID); ok {
		v.Provider = &n
	}
	return v
}
