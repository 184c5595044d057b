// Package providers names passkey providers (Google Password Manager,
// iCloud Keychain, 1Password, ...) by the AAGUID their passkeys report,
// from a snapshot of the community-maintained list at
// https://github.com/passkeydeveloper/passkey-authenticator-aaguids
// embedded in the binary, so that naming passkeys needs no network.
//
// The snapshot is aaguid.json, the list of passkey providers, refreshed
// by `go generate ./internal/providers` (see gen.go). The repository's
// combined_aaguid.json, which merges in the FIDO Alliance's Metadata
// Service, is not embedded: the Metadata Service's terms do not allow
// redistributing its data.
package providers

//go:generate go run gen.go

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/uplift-dev/uplift/internal/model"
)

//go:embed aaguid.json
var snapshot []byte

// MaxIconBytes bounds an icon's data URL; a larger one is dropped.
const MaxIconBytes = 256 << 10

// List maps AAGUIDs to their providers' names and icons.
type List struct {
	byAAGUID map[string]model.ProviderName
}

// entry is one provider of the community list's format.
type entry struct {
	Name      string `json:"name"`
	IconLight string `json:"icon_light"`
	IconDark  string `json:"icon_dark"`
}

// Parse reads a list in the community format: a JSON object keyed by
// AAGUID, each with a name and optional light and dark icons as SVG or
// PNG data URLs. Entries without a usable AAGUID or name are skipped and
// icons of another kind dropped, so that a hostile list cannot point
// browsers elsewhere; a list with no usable entry is an error (the
// community list is to become an empty object when it is retired).
func Parse(body []byte) (*List, error) {
	var raw map[string]entry
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&raw); err != nil {
		return nil, fmt.Errorf("the passkey provider list is not a JSON object of AAGUIDs: %w", err)
	}
	l := &List{byAAGUID: make(map[string]model.ProviderName, len(raw))}
	for k, e := range raw {
		id, err := uuid.Parse(k)
		name := strings.TrimSpace(e.Name)
		if err != nil || id == uuid.Nil || name == "" || len(name) > 200 || !model.ValidText(name, false) {
			continue
		}
		l.byAAGUID[id.String()] = model.ProviderName{AAGUID: id.String(), Name: name,
			SVGIconLight: SafeIcon(e.IconLight), SVGIconDark: SafeIcon(e.IconDark)}
	}
	if len(l.byAAGUID) == 0 {
		return nil, errors.New("the passkey provider list holds no usable entry")
	}
	return l, nil
}

// SafeIcon returns s when it is an SVG or PNG data URL of reasonable
// size, else "".
func SafeIcon(s string) string {
	if len(s) > MaxIconBytes {
		return ""
	}
	if strings.HasPrefix(s, "data:image/svg+xml;base64,") || strings.HasPrefix(s, "data:image/png;base64,") {
		return s
	}
	return ""
}

// IconURL returns icon, a provider's icon, as a URL that html/template
// writes into an img element's src as it is, or "" when it is not an
// image data URL SafeIcon lets through. Pages show it with alt="" beside
// the provider's name; their Content-Security-Policy allows data: images.
func IconURL(icon string) template.URL {
	return template.URL(SafeIcon(icon)) // only image data URLs pass SafeIcon
}

// builtin is the embedded snapshot, parsed on first use.
var builtin = sync.OnceValue(func() *List {
	l, err := Parse(snapshot)
	if err != nil {
		panic("providers: the embedded list does not parse: " + err.Error()) // a test guards the snapshot
	}
	return l
})

// Builtin returns the list embedded in the binary.
func Builtin() *List { return builtin() }

// Lookup returns the provider of an AAGUID, in any UUID form.
func (l *List) Lookup(aaguid string) (model.ProviderName, bool) {
	id, err := uuid.Parse(aaguid)
	if err != nil {
		return model.ProviderName{}, false
	}
	p, ok := l.byAAGUID[id.String()]
	return p, ok
}

// Len reports how many providers the list names.
func (l *List) Len() int { return len(l.byAAGUID) }

// All returns every provider of the list, in no particular order.
func (l *List) All() []model.ProviderName {
	out := make([]model.ProviderName, 0, len(l.byAAGUID))
	for _, p := range l.byAAGUID {
		out = append(out, p)
	}
	return out
}
