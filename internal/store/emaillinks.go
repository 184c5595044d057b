package store

import (
	"context"

	"github.com/uplift-dev/uplift/internal/model"
)

// EmailLinkChallenge returns one of the tenant's email link challenges
// (method EMAIL_MAGIC_LINK, to enrol or to sign in) by id, or a not-found
// error: another tenant's challenge, or a code challenge, is not found.
func (q Queries) EmailLinkChallenge(ctx context.Context, tenantID, id string) (model.CodeChallenge, error) {
	c, err := scanCodeChallenge(q.r.QueryRowContext(ctx, `SELECT `+codeChallengeColumns+` FROM code_challenges
		WHERE tenant_id = $1 AND id = $2 AND method = $3 AND kind IN ($4, $5)`,
		tenantID, id, string(model.MethodEmailMagicLink), string(model.CodeEnrol), string(model.CodeSignIn)))
	return c, notFound(err, "no such email link")
}
