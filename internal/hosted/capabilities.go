package hosted

import (
	"encoding/json"
	"net/http"

	"github.com/uplift-dev/uplift/internal/prompt"
)

// Capabilities serves POST /login/capabilities: the page reports, before
// any uplift decision, whether WebAuthn is present, what
// isUserVerifyingPlatformAuthenticatorAvailable() and
// isConditionalMediationAvailable() answered, and the whole
// getClientCapabilities() map where it exists. They replace what the
// device reported before; a key left out means unknown.
func (p *Pages) Capabilities(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Token        string                     `json:"token" text:"4096"`
		Capabilities map[string]json.RawMessage `json:"capabilities"`
	}
	f, err := p.jsonFlow(r, &in, &in.Token)
	if err != nil {
		return err
	}
	caps, err := prompt.ParseCapabilities(in.Capabilities)
	if err != nil {
		return err
	}
	if err := p.touchDevice(r.Context(), f, r.UserAgent()); err != nil {
		return err
	}
	if err := p.svc.SetDeviceCapabilities(r.Context(), f.tenant().ID, f.deviceID, caps); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
