package passkeys

import (
	"context"
	"errors"

	"github.com/uplift-dev/uplift/internal/ceremony"
	"github.com/uplift-dev/uplift/internal/model"
)

// errOtherTenantsCredential refuses a passkey that another tenant with
// the same relying party id has: it is not this app's, but it is no
// stranger to the browser either.
var errOtherTenantsCredential = model.Errorf(model.ErrForbidden, "invalid_credential",
	"this passkey is not one of this app's")

// unknownHere refines a credential the tenant does not have (err is
// ceremony.ErrUnknownCredential) when another tenant with the same
// relying party id has it. unknown_credential tells the page to have the
// browser forget the passkey (signalUnknownCredential); that must never
// happen to a passkey another app on the same domain still accepts.
func (s *Service) unknownHere(ctx context.Context, t model.Tenant, credentialID []byte, err error) error {
	if !errors.Is(err, ceremony.ErrUnknownCredential) {
		return err
	}
	elsewhere, qerr := s.store.CredentialOnRelyingParty(ctx, t.RPID, t.ID, credentialID)
	switch {
	case qerr != nil:
		return qerr
	case elsewhere:
		return errOtherTenantsCredential
	}
	return err
}
