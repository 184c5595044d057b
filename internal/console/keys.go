package console

import (
	"net/http"

	"github.com/uplift-dev/uplift/internal/model"
)

// Keys is not built yet.
func (c *Console) Keys(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("not built yet")
}

// CreateKey is not built yet.
func (c *Console) CreateKey(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("not built yet")
}

// RevokeKey is not built yet.
func (c *Console) RevokeKey(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("not built yet")
}
