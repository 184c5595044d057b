package prompt

import (
	"context"

	"github.com/uplift-dev/uplift/internal/model"
)

// DimensionSurface splits the funnel by where the prompt was shown: the
// hosted pages, the web component or an app's own UI over the API.
const DimensionSurface = "surface"

// SurfaceNames are the values of DimensionSurface.
var SurfaceNames = map[model.PromptSurface]string{
	model.SurfaceHosted:    "Hosted pages",
	model.SurfaceComponent: "Web component",
	model.SurfaceAPI:       "API",
}

// surfaceRows is the funnel of each surface the prompt was decided or
// shown on in the period, as breakdown rows.
func (s *Service) surfaceRows(ctx context.Context, tenantID string, p Period) ([]BreakdownRow, error) {
	counts, err := s.store.UpliftSurfaceCounts(ctx, tenantID, p.From, p.end())
	if err != nil {
		return nil, err
	}
	rows := map[model.PromptSurface]*BreakdownRow{}
	for _, c := range counts {
		r := rows[c.Surface]
		if r == nil {
			name, ok := SurfaceNames[c.Surface]
			if !ok {
				name = string(c.Surface)
			}
			r = &BreakdownRow{Dimension: DimensionSurface, Value: name}
			rows[c.Surface] = r
		}
		r.add(c.Kind, c.Reason, c.Count)
	}
	out := make([]BreakdownRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	return out, nil
}
