package passkeys_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/passkeys"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/webauthntest"
)

const origin = "http://localhost:3000"

// keyWorld is a tenant on a fresh database with a software security key.
type keyWorld struct {
	t      *testing.T
	env    *apitest.Env
	tenant model.Tenant
	keys   *passkeys.Service
	auth   virtualwebauthn.Authenticator
	cred   virtualwebauthn.Credential
}

func newKeyWorld(t *testing.T) *keyWorld {
	env := apitest.New(t)
	tn, _, err := env.App.Tenancy.CreateTenant(context.Background(), tenancy.NewTenant{Name: "Acme", RPID: "localhost",
		Origins: []string{origin}})
	if err != nil {
		t.Fatal(err)
	}
	return &keyWorld{t: t, env: env, tenant: tn, keys: env.App.Passkeys,
		auth: virtualwebauthn.NewAuthenticator(), cred: webauthntest.MustCredential()}
}

var rp = virtualwebauthn.RelyingParty{ID: "localhost", Name: "Acme", Origin: origin}

// caller tracks an action for ada on dev-1 and returns its token's caller.
func (w *keyWorld) caller(action string) tenancy.ClientCaller {
	w.t.Helper()
	ctx := context.Background()
	tr, err := w.env.App.Actions.Track(ctx, w.tenant, actions.TrackInput{UserID: "ada", ActionCode: action, DeviceID: "dev-1"})
	if err != nil {
		w.t.Fatal(err)
	}
	c, err := w.env.App.Tenancy.ClientByToken(ctx, tr.Token)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func (w *keyWorld) enrol() {
	w.t.Helper()
	ctx := context.Background()
	c := w.caller("signUp")
	opts, err := w.keys.SecurityKeyRegistrationOptions(ctx, c)
	if err != nil {
		w.t.Fatal(err)
	}
	o, err := virtualwebauthn.ParseAttestationOptions(string(opts))
	if err != nil {
		w.t.Fatal(err)
	}
	w.auth.Options.UserHandle = []byte(o.UserID)
	resp := virtualwebauthn.CreateAttestationResponse(rp, w.auth, w.cred, *o)
	if _, err := w.keys.AddSecurityKey(ctx, c, passkeys.AddSecurityKeyInput{Response: json.RawMessage(resp)}); err != nil {
		w.t.Fatal(err)
	}
}

// assertion begins a security key sign-in for c and answers it, with the
// attachment the browser is made to report.
func (w *keyWorld) assertion(c tenancy.ClientCaller, attachment string) json.RawMessage {
	w.t.Helper()
	opts, err := w.keys.SecurityKeyAuthenticationOptions(context.Background(), c)
	if err != nil {
		w.t.Fatal(err)
	}
	o, err := virtualwebauthn.ParseAssertionOptions(string(opts))
	if err != nil {
		w.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(virtualwebauthn.CreateAssertionResponse(rp, w.auth, w.cred, *o)), &m); err != nil {
		w.t.Fatal(err)
	}
	m["authenticatorAttachment"] = attachment
	out, _ := json.Marshal(m)
	return out
}

// TestSecurityKeyIsNotKnownOnTheDevice: neither enrolling a security key
// nor signing in with one, even when the browser calls it a platform
// authenticator, makes it a passkey known on the device, or a passkey.
func TestSecurityKeyIsNotKnownOnTheDevice(t *testing.T) {
	w := newKeyWorld(t)
	ctx := context.Background()
	w.enrol()
	w.env.Clock.Advance(time.Minute)
	c := w.caller("signIn")
	res, err := w.keys.VerifySecurityKey(ctx, c, passkeys.VerifySecurityKeyInput{Response: w.assertion(c, "platform")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action.State != model.StateChallengeSucceeded || res.Action.VerificationMethod != model.MethodSecurityKey {
		t.Errorf("action after the sign-in = %s by %s", res.Action.State, res.Action.VerificationMethod)
	}
	if on, err := w.keys.OnDevice(ctx, w.tenant.ID, "ada", "dev-1"); err != nil || on {
		t.Errorf("OnDevice = %v, %v; want false", on, err)
	}
	if dps, err := w.keys.DevicePasskeys(ctx, w.tenant.ID, "ada", "dev-1"); err != nil || len(dps) != 0 {
		t.Errorf("DevicePasskeys = %v, %v; want none", dps, err)
	}
	if ps, err := w.keys.Passkeys(ctx, w.tenant.ID, "ada"); err != nil || len(ps) != 0 {
		t.Errorf("Passkeys = %v, %v; want none", ps, err)
	}
	keys, err := w.keys.UserSecurityKeys(ctx, w.tenant.ID, "ada")
	if err != nil || len(keys) != 1 {
		t.Fatalf("UserSecurityKeys = %v, %v; want one", keys, err)
	}
	for _, k := range keys {
		if k.Passkey.Name != "Security key" || k.Passkey.DeviceID != "dev-1" || !k.Passkey.LastVerifiedAt.Equal(w.env.Clock.Now().Truncate(time.Microsecond)) {
			t.Errorf("security key = %+v", k.Passkey)
		}
	}
}

// TestSecurityKeyCeremoniesAreTheirOwn: a security key's ceremony cannot
// be continued as a passkey's, and a counter that goes back is refused
// and recorded on the key.
func TestSecurityKeyCeremoniesAreTheirOwn(t *testing.T) {
	w := newKeyWorld(t)
	ctx := context.Background()
	w.cred.Counter = 5
	w.enrol()

	c := w.caller("signIn")
	opts, err := w.keys.SecurityKeyAuthenticationOptions(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	var o struct{ Challenge string }
	if err := json.Unmarshal(opts, &o); err != nil || o.Challenge == "" {
		t.Fatalf("options %s: %v", opts, err)
	}
	_, err = w.keys.PasskeyAuthenticationOptions(ctx, c, o.Challenge)
	if me := (*model.Error)(nil); !errors.As(err, &me) || me.Code != "invalid_challenge" {
		t.Errorf("passkey options for a security key's challenge: err = %v, want invalid_challenge", err)
	}

	w.cred.Counter = 3
	_, err = w.keys.VerifySecurityKey(ctx, c, passkeys.VerifySecurityKeyInput{Response: w.assertion(c, "cross-platform")})
	if me := (*model.Error)(nil); !errors.As(err, &me) || me.Code != "invalid_credential" {
		t.Errorf("counter gone back: err = %v, want invalid_credential", err)
	}
	keys, _ := w.keys.UserSecurityKeys(ctx, w.tenant.ID, "ada")
	for _, k := range keys {
		if k.Passkey.CounterRegressions != 1 || k.Passkey.SignCount != 5 {
			t.Errorf("after the regression: %d regressions, sign count %d; want 1 and 5", k.Passkey.CounterRegressions, k.Passkey.SignCount)
		}
	}
}
