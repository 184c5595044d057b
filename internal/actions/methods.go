package actions

import (
	"slices"

	"github.com/uplift-dev/uplift/internal/model"
)

// MethodOffered reports whether this server can challenge users with m.
func (s *Service) MethodOffered(m model.VerificationMethod) bool { return s.offered(m) }

// offeredOf returns the methods of ms this server can challenge users with.
func (s *Service) offeredOf(ms []model.VerificationMethod) []model.VerificationMethod {
	return slices.DeleteFunc(slices.Clone(ms), func(m model.VerificationMethod) bool { return !s.offered(m) })
}
