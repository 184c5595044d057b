package console

import (
	"net/http"

	"github.com/uplift-dev/uplift/internal/model"
)

// Settings is not built yet.
func (c *Console) Settings(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("not built yet")
}

// SaveSettings is not built yet.
func (c *Console) SaveSettings(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("not built yet")
}
