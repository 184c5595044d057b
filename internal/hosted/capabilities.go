package hosted

import (
	"encoding/json"
	"net/http"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/prompt"
)

// maxClientCapabilities bounds the getClientCapabilities() map a device
// may report (browsers report about a dozen).
const maxClientCapabilities = 64

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
	caps, err := parseCapabilities(in.Capabilities)
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

// parseCapabilities checks a report: the three answers are booleans, the
// client capabilities a map of names to booleans.
func parseCapabilities(raw map[string]json.RawMessage) (map[string]any, error) {
	caps := map[string]any{}
	for k, v := range raw {
		switch k {
		case prompt.CapPublicKeyCredential, prompt.CapPlatformAuthenticator, prompt.CapConditionalMediation:
			var b bool
			if err := json.Unmarshal(v, &b); err != nil {
				return nil, model.Invalid("capabilities.%s must be true or false", k)
			}
			caps[k] = b
		case prompt.CapClientCapabilities:
			var m map[string]bool
			if err := json.Unmarshal(v, &m); err != nil {
				return nil, model.Invalid("capabilities.%s must map names to true or false", k)
			}
			if len(m) > maxClientCapabilities {
				return nil, model.Invalid("capabilities.%s lists more than %d names", k, maxClientCapabilities)
			}
			for name := range m {
				if name == "" || len(name) > 64 {
					return nil, model.Invalid("capabilities.%s has a name that is empty or too long", k)
				}
			}
			caps[k] = m
		default:
			return nil, model.Invalid("unknown capability %q", k)
		}
	}
	return caps, nil
}
