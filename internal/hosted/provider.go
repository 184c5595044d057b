package hosted

import (
	"context"
	"html/template"

	"github.com/uplift-dev/uplift/internal/providers"
)

// providerView names the passkey provider a passkey was saved in, such as
// Google Password Manager, with its icon when it has one.
type providerView struct {
	Name string
	Icon template.URL
}

// savedIn names the provider of the passkey this device made last for
// the flow's user, when its AAGUID names one; nil otherwise.
func (p *Pages) savedIn(ctx context.Context, f *flow) *providerView {
	ps, err := p.keys.UserPasskeys(ctx, f.tenant().ID, f.claims().UserID)
	if err != nil {
		p.log.WarnContext(ctx, "list the user's passkeys", "err", err)
		return nil
	}
	var newest *providerView
	var at int64
	for _, pv := range ps {
		if pv.Provider == nil || pv.Passkey.DeviceID != f.deviceID || pv.Passkey.CreatedAt.UnixMicro() < at {
			continue
		}
		at = pv.Passkey.CreatedAt.UnixMicro()
		newest = &providerView{Name: pv.Provider.Name, Icon: providers.IconURL(pv.Provider.SVGIconLight)}
	}
	return newest
}
