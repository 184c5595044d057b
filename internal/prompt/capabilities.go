package prompt

import (
	"encoding/json"

	"github.com/uplift-dev/uplift/internal/model"
)

// maxClientCapabilities bounds the getClientCapabilities() map a device
// may report (browsers report about a dozen).
const maxClientCapabilities = 64

// ParseCapabilities checks a device's capability report, as the hosted
// pages and the Client API's decision receive it: the three answers are
// booleans, the client capabilities a map of names to booleans; a key
// left out means unknown, and an unknown key is refused.
func ParseCapabilities(raw map[string]json.RawMessage) (map[string]any, error) {
	caps := map[string]any{}
	for k, v := range raw {
		switch k {
		case CapPublicKeyCredential, CapPlatformAuthenticator, CapConditionalMediation:
			var b bool
			if err := json.Unmarshal(v, &b); err != nil {
				return nil, model.Invalid("capabilities.%s must be true or false", k)
			}
			caps[k] = b
		case CapClientCapabilities:
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
