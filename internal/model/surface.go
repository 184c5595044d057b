package model

// PromptSurface names where the uplift prompt was shown: the "where
// shown" of the funnel.
type PromptSurface string

// The prompt's surfaces.
const (
	// SurfaceHosted is the prompt of Uplift's hosted pages; every event
	// recorded before surfaces existed counts here.
	SurfaceHosted PromptSurface = "hosted"
	// SurfaceComponent is the <uplift-passkey-prompt> web component an app
	// embeds in its own pages.
	SurfaceComponent PromptSurface = "component"
	// SurfaceAPI is an app's own prompt, drawn from the Client API's
	// decision.
	SurfaceAPI PromptSurface = "api"
)

// PromptSurfaces lists the surfaces in the order reports show them.
var PromptSurfaces = []PromptSurface{SurfaceHosted, SurfaceComponent, SurfaceAPI}

// ValidClientSurface reports whether a Client API caller may name s as
// where it shows the prompt: the component or the app's own UI. The
// hosted pages do not use the Client API.
func ValidClientSurface(s PromptSurface) bool {
	return s == SurfaceComponent || s == SurfaceAPI
}

// SurfaceEventCount counts a tenant's uplift events of one kind (and, for
// evaluated events, one reason) on one surface.
type SurfaceEventCount struct {
	Surface PromptSurface
	Kind    UpliftEventKind
	// Reason is the decision's reason code on evaluated events, else empty.
	Reason string
	Count  int
}
