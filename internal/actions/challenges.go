package actions

import (
	"context"

	"github.com/uplift-dev/uplift/internal/model"
)

// FindChallenge returns the tenant's code challenge that cq selects (the
// Server API's getChallenge): by its id, or the newest of a user's,
// narrowed by action and method. Another tenant's challenge is not found.
func (s *Service) FindChallenge(ctx context.Context, tenantID string, cq model.ChallengeQuery) (model.CodeChallenge, error) {
	switch {
	case cq.ID == "" && cq.UserID == "":
		return model.CodeChallenge{}, model.Invalid("give challengeId, or userId (with action and verificationMethod to narrow it)")
	case cq.ID != "" && !model.ValidUUID(cq.ID):
		return model.CodeChallenge{}, model.Invalid("challengeId must be a UUID")
	case cq.UserID != "" && !model.ValidUserID(cq.UserID):
		return model.CodeChallenge{}, model.Invalid("userId must be 1 to 255 characters without slashes or control characters")
	case cq.ActionCode != "" && !model.ValidActionCode(cq.ActionCode):
		return model.CodeChallenge{}, model.Invalid("action must match ^[a-zA-Z0-9_-]{1,64}$")
	case cq.Method != "" && !cq.Method.Valid():
		return model.CodeChallenge{}, model.Invalid("verificationMethod must be one of %s", model.JoinMethods(model.Methods))
	}
	return s.store.FindCodeChallenge(ctx, tenantID, cq)
}
