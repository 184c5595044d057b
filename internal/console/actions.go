package console

import (
	"net/http"

	"github.com/uplift-dev/uplift/internal/model"
)

// Actions is not built yet.
func (c *Console) Actions(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("not built yet")
}

// CreateAction is not built yet.
func (c *Console) CreateAction(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("not built yet")
}

// Action is not built yet.
func (c *Console) Action(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("not built yet")
}

// SaveAction is not built yet.
func (c *Console) SaveAction(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("not built yet")
}
