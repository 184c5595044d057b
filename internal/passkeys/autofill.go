package passkeys

import (
	"context"

	"github.com/uplift-dev/uplift/internal/ceremony"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// PasskeyAutofillOptions issues sign-in options for the token's user to be
// requested with conditional mediation (passkey autofill). Their
// allowCredentials is empty, so the browser offers every passkey it holds
// for the relying party, as autofill lists them; the challenge stays bound
// to the token's user and action, so VerifyPasskey accepts only that
// user's passkeys: another user's is refused (invalid_credential), and
// one the server no longer has answers unknown_credential, which the page
// passes on to the browser (signalUnknownCredential).
func (s *Service) PasskeyAutofillOptions(ctx context.Context, c tenancy.ClientCaller) (_ PasskeyOptions, err error) {
	claims, err := c.RequireToken()
	if err != nil {
		return PasskeyOptions{}, err
	}
	defer func() { s.events.Challenge(model.MethodPasskey, model.ResultOf(err)) }()
	ch := s.challengeFor(c.Tenant, model.ChallengeAuthentication, &claims)
	ch.Options, ch.Session, err = ceremony.BeginLogin(ceremony.ForTenant(c.Tenant), nil, c.Tenant.Passkey.UserVerification)
	if err != nil {
		return PasskeyOptions{}, err
	}
	if ch, err = s.newChallenge(ctx, ch); err != nil {
		return PasskeyOptions{}, err
	}
	return PasskeyOptions{ChallengeID: ch.ID, Options: ch.Options}, nil
}
