package console

import (
	"net/http"

	"github.com/uplift-dev/uplift/internal/model"
)

// Users is not built yet.
func (c *Console) Users(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("not built yet")
}

// User is not built yet.
func (c *Console) User(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("not built yet")
}
