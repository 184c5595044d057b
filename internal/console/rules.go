package console

import (
	"net/http"

	"github.com/uplift-dev/uplift/internal/model"
)

// NewRule is not built yet.
func (c *Console) NewRule(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("not built yet")
}

// CreateRule is not built yet.
func (c *Console) CreateRule(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("not built yet")
}

// Rule is not built yet.
func (c *Console) Rule(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("not built yet")
}

// SaveRule is not built yet.
func (c *Console) SaveRule(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("not built yet")
}

// DeleteRule is not built yet.
func (c *Console) DeleteRule(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("not built yet")
}

// CheckCondition is not built yet.
func (c *Console) CheckCondition(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("not built yet")
}
