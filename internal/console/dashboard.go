package console

import (
	"net/http"

	"github.com/uplift-dev/uplift/internal/model"
)

// Dashboard is not built yet.
func (c *Console) Dashboard(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("not built yet")
}

// DashboardData is not built yet.
func (c *Console) DashboardData(w http.ResponseWriter, r *http.Request, s *Session) error {
	return model.NotFound("not built yet")
}
