package tenancy

import (
	"errors"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/token"
)

// ParseToken checks a token issued for tenant t.
func (s *Service) ParseToken(t model.Tenant, raw string) (token.Claims, error) {
	return token.Parse(raw, s.Clock(), func(tenantID string) ([]byte, error) {
		if tenantID != t.ID {
			return nil, errors.New("token belongs to another tenant")
		}
		return t.TokenKey, nil
	})
}
