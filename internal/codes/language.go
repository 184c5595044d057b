package codes

import (
	"context"

	"github.com/uplift-dev/uplift/internal/i18n"
	"github.com/uplift-dev/uplift/internal/model"
)

// language is the language of the message that carries ch's code: the
// one the context carries (the hosted page that asked for it, or the
// locale a Server API challenge named), else the action's locale, else
// the user's, else the tenant's default. A locale that cannot be read is
// skipped: a code is never held back for its words.
func (s *Service) language(ctx context.Context, t model.Tenant, ch model.CodeChallenge) i18n.Lang {
	if l, ok := i18n.FromContext(ctx); ok {
		return l
	}
	var action, user string
	if ch.IdempotencyKey != "" && s.actions != nil {
		if a, err := s.actions.Action(ctx, t.ID, ch.IdempotencyKey); err == nil && a.UserID == ch.UserID {
			action = a.Locale
		}
	}
	if action == "" && ch.UserID != "" && s.actions != nil {
		if u, err := s.actions.User(ctx, t.ID, ch.UserID); err == nil {
			user = u.Locale
		}
	}
	return i18n.Choose(action, user, t.Passkey.DefaultLocale)
}
