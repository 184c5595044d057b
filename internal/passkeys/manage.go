package passkeys

import (
	"context"
	"strings"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// MaxPasskeyName is the most characters a passkey's name may hold.
const MaxPasskeyName = 64

// CheckPasskeyName returns the name a user gave a passkey with the spaces
// around it trimmed, or an error naming the field when it is empty, too
// long, or holds control characters, NUL or invalid UTF-8. It never cuts
// or cleans a name: what is stored is what the user typed.
func CheckPasskeyName(name string) (string, error) {
	if prob := (model.TextRule{Max: -1}).Problem(name); prob != "" {
		return "", model.Errorf(model.ErrInvalid, "invalid_text", "name %s", prob)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return "", model.Errorf(model.ErrInvalid, "invalid_name", "name is empty")
	}
	if prob := (model.TextRule{Max: MaxPasskeyName}).Problem(name); prob != "" {
		return "", model.Errorf(model.ErrInvalid, "invalid_name", "name %s", prob)
	}
	return name, nil
}

// RenamePasskey gives one of the token's user's passkeys a name of their
// choosing, in an action where they may manage their authenticators
// (actions.MayManageAuthenticators). A passkey of anyone else is not
// found.
func (s *Service) RenamePasskey(ctx context.Context, c tenancy.ClientCaller, authID, name string) (model.Passkey, error) {
	claims, err := c.RequireToken()
	if err != nil {
		return model.Passkey{}, err
	}
	if name, err = CheckPasskeyName(name); err != nil {
		return model.Passkey{}, err
	}
	var p model.Passkey
	err = s.store.InTx(ctx, func(q Queries) error {
		if _, err := s.actions.MayManageAuthenticators(ctx, q, claims); err != nil {
			return err
		}
		if p, err = userPasskey(ctx, q, c.Tenant.ID, claims.UserID, authID); err != nil {
			return err
		}
		p.Name = name
		if err := q.RenamePasskey(ctx, c.Tenant.ID, claims.UserID, authID, name); err != nil {
			return err
		}
		return webhooks.AuthenticatorEvent(ctx, q, s.Source, webhooks.AuthenticatorUpdated,
			passkeyAuthenticator(p, model.MethodPasskey), &p)
	})
	if err == nil {
		s.log.InfoContext(ctx, "passkey renamed", "tenant", c.Tenant.ID, "authenticator", authID)
	}
	return p, err
}

// RemovePasskey deletes one of the token's user's passkeys, in an action
// where they may manage their authenticators, and returns it so that the
// page can tell the credential manager to forget it. It refuses to remove
// the user's last way in: some other verified authenticator of a method
// this server can challenge with must remain (an email address while no
// email is sent, or one never confirmed, gets nobody in). The check and
// the deletion run in one transaction that holds the user's row, so two
// removals at once cannot leave the user locked out together.
func (s *Service) RemovePasskey(ctx context.Context, c tenancy.ClientCaller, authID string) (model.Passkey, error) {
	claims, err := c.RequireToken()
	if err != nil {
		return model.Passkey{}, err
	}
	var p model.Passkey
	err = s.store.InTx(ctx, func(q Queries) error {
		if err := q.LockUser(ctx, c.Tenant.ID, claims.UserID); err != nil {
			return err
		}
		if _, err := s.actions.MayManageAuthenticators(ctx, q, claims); err != nil {
			return err
		}
		if p, err = userPasskey(ctx, q, c.Tenant.ID, claims.UserID, authID); err != nil {
			return err
		}
		auths, err := q.Authenticators(ctx, c.Tenant.ID, claims.UserID)
		if err != nil {
			return err
		}
		if !s.otherWayIn(auths, authID) {
			return model.Errorf(model.ErrConflict, "last_method",
				"this passkey is the user's only way to sign in; add another method before removing it")
		}
		if err := q.DeleteAuthenticator(ctx, c.Tenant.ID, claims.UserID, authID); err != nil {
			return err
		}
		return webhooks.AuthenticatorEvent(ctx, q, s.Source, webhooks.AuthenticatorDeleted,
			passkeyAuthenticator(p, model.MethodPasskey), s.namedPasskey(ctx, p))
	})
	if err == nil {
		s.log.InfoContext(ctx, "passkey removed", "tenant", c.Tenant.ID, "authenticator", authID)
	}
	return p, err
}

// otherWayIn reports whether auths, without the authenticator except,
// still hold one the user can sign in with: verified, of a method this
// server can challenge with.
func (s *Service) otherWayIn(auths []model.Authenticator, except string) bool {
	for _, a := range auths {
		if a.ID != except && !a.VerifiedAt.IsZero() && s.actions.MethodOffered(a.Method) {
			return true
		}
	}
	return false
}

// userPasskey finds the passkey authID among the user's own; any other
// id, another user's passkey's included, is not found.
func userPasskey(ctx context.Context, q Queries, tenantID, userID, authID string) (model.Passkey, error) {
	ps, err := q.Passkeys(ctx, tenantID, userID)
	if err != nil {
		return model.Passkey{}, err
	}
	for _, p := range ps {
		if p.AuthenticatorID == authID {
			return p, nil
		}
	}
	return model.Passkey{}, model.NotFound("passkey not found")
}

// LastUses returns where each of the user's passkeys was last used to
// sign in, keyed by authenticator id; a passkey not used since this was
// recorded has no entry.
func (s *Service) LastUses(ctx context.Context, tenantID, userID string) (map[string]model.PasskeyUse, error) {
	uses, err := s.store.PasskeyUses(ctx, tenantID, userID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]model.PasskeyUse, len(uses))
	for _, u := range uses {
		out[u.AuthenticatorID] = u
	}
	return out, nil
}
