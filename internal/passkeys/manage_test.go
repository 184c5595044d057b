package passkeys_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/passkeys"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/webauthntest"
)

// settingsWorld is a tenant whose users enrol passkeys from software
// authenticators, in actions tracked with redirectToSettings.
type settingsWorld struct {
	t      *testing.T
	env    *apitest.Env
	tenant model.Tenant
	keys   *passkeys.Service
}

func newSettingsWorld(t *testing.T, o apitest.Options) *settingsWorld {
	env := apitest.NewWith(t, o)
	tn, _, err := env.App.Tenancy.CreateTenant(context.Background(), tenancy.NewTenant{Name: "Acme", RPID: "localhost",
		Origins: []string{origin}})
	if err != nil {
		t.Fatal(err)
	}
	return &settingsWorld{t: t, env: env, tenant: tn, keys: env.App.Passkeys}
}

// track tracks an action for the user and returns its token's caller.
func (w *settingsWorld) track(userID, action string, toSettings bool) tenancy.ClientCaller {
	w.t.Helper()
	ctx := context.Background()
	w.env.Clock.Advance(time.Second)
	tr, err := w.env.App.Actions.Track(ctx, w.tenant, actions.TrackInput{UserID: userID, ActionCode: action,
		DeviceID: "dev-1", RedirectToSettings: toSettings})
	if err != nil {
		w.t.Fatal(err)
	}
	c, err := w.env.App.Tenancy.ClientByToken(ctx, tr.Token)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// enrolFirst enrols the user's first authenticator, a passkey, in an
// action tracked with redirectToSettings, which it completes; it returns
// the passkey's authenticator id and the action's caller.
func (w *settingsWorld) enrolFirst(userID string) (string, tenancy.ClientCaller) {
	w.t.Helper()
	ctx := context.Background()
	c := w.track(userID, "settings", true)
	o, err := w.keys.PasskeyRegistrationOptions(ctx, c, passkeys.PasskeyRegistrationInput{})
	if err != nil {
		w.t.Fatal(err)
	}
	ao, err := virtualwebauthn.ParseAttestationOptions(string(o.Options))
	if err != nil {
		w.t.Fatal(err)
	}
	auth := virtualwebauthn.NewAuthenticator()
	auth.Options.UserHandle = []byte(ao.UserID)
	resp := virtualwebauthn.CreateAttestationResponse(rp, auth, webauthntest.MustCredential(), *ao)
	res, err := w.keys.AddPasskey(ctx, c, passkeys.AddPasskeyInput{ChallengeID: o.ChallengeID, Response: json.RawMessage(resp)})
	if err != nil {
		w.t.Fatal(err)
	}
	return res.Authenticator.ID, c
}

func (w *settingsWorld) names(userID string) []string {
	w.t.Helper()
	ps, err := w.keys.Passkeys(context.Background(), w.tenant.ID, userID)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func errCode(err error) string {
	var me *model.Error
	if errors.As(err, &me) {
		return me.Code
	}
	return ""
}

func TestRenamePasskey(t *testing.T) {
	w := newSettingsWorld(t, apitest.Options{})
	ctx := context.Background()
	id, c := w.enrolFirst("ada")
	before := w.names("ada")

	refused := []struct {
		name, value, want string
	}{
		{"empty", "", "name is empty"},
		{"only spaces", "   ", "name is empty"},
		{"overlong", strings.Repeat("é", passkeys.MaxPasskeyName+1), "name is longer than 64 characters"},
		{"NUL", "Ada\x00phone", "name holds a NUL character"},
		{"line break", "Ada\nphone", "name"},
		{"escape", "Ada\x1b[31m", "name"},
		{"invalid UTF-8", "Ada\xffphone", "name"},
	}
	for _, tt := range refused {
		_, err := w.keys.RenamePasskey(ctx, c, id, tt.value)
		if !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("rename to %s: error = %v, want invalid naming %q", tt.name, err, tt.want)
		}
	}
	if got := w.names("ada"); strings.Join(got, ",") != strings.Join(before, ",") {
		t.Errorf("names after refused renames = %q, want %q unchanged", got, before)
	}

	longest := strings.Repeat("é", passkeys.MaxPasskeyName)
	for _, name := range []string{"  Ada's laptop  ", longest} {
		if _, err := w.keys.RenamePasskey(ctx, c, id, name); err != nil {
			t.Fatalf("rename to %q: %v", name, err)
		}
		if got := w.names("ada"); len(got) != 1 || got[0] != strings.TrimSpace(name) {
			t.Errorf("names = %q, want [%q]", got, strings.TrimSpace(name))
		}
	}
}

// TestManagePasskeysOfAnotherUser: a passkey id of another user, or of
// the same user id in another tenant, is not found, and stays as it is.
func TestManagePasskeysOfAnotherUser(t *testing.T) {
	w := newSettingsWorld(t, apitest.Options{})
	ctx := context.Background()
	_, ada := w.enrolFirst("ada")
	bobID, _ := w.enrolFirst("bob")
	if _, err := w.env.App.Actions.EnrollVerified(ctx, w.tenant.ID, "ada",
		model.Authenticator{Method: model.MethodSMS, PhoneNumber: "+15555550100"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.keys.RenamePasskey(ctx, ada, bobID, "Mine"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("rename bob's passkey as ada: error = %v, want not found", err)
	}
	if _, err := w.keys.RemovePasskey(ctx, ada, bobID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("remove bob's passkey as ada: error = %v, want not found", err)
	}
	if got := w.names("bob"); len(got) != 1 || got[0] == "Mine" {
		t.Errorf("bob's passkeys = %q, want his one, as it was", got)
	}
}

// TestRemovePasskeyKeepsAWayIn: the user's only way in cannot be removed;
// what counts is another verified authenticator of a method the server
// can challenge with.
func TestRemovePasskeyKeepsAWayIn(t *testing.T) {
	t.Run("no email sender", func(t *testing.T) {
		w := newSettingsWorld(t, apitest.Options{})
		ctx := context.Background()
		id, c := w.enrolFirst("ada")
		if _, err := w.keys.RemovePasskey(ctx, c, id); !errors.Is(err, model.ErrConflict) || errCode(err) != "last_method" {
			t.Fatalf("remove the only passkey: error = %v, want last_method", err)
		}
		// Email codes are off on this server: a verified address gets
		// nobody in.
		if _, err := w.env.App.Actions.EnrollVerified(ctx, w.tenant.ID, "ada",
			model.Authenticator{Method: model.MethodEmailOTP, Email: "ada@example.com"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.keys.RemovePasskey(ctx, c, id); errCode(err) != "last_method" {
			t.Fatalf("remove the passkey beside an email no code can reach: error = %v, want last_method", err)
		}
		if got := w.names("ada"); len(got) != 1 {
			t.Errorf("passkeys after refused removals = %q, want the one", got)
		}
	})
	t.Run("email sender", func(t *testing.T) {
		w := newSettingsWorld(t, apitest.Options{Email: notify.NewInbox(nil, 0, time.Now)})
		ctx := context.Background()
		id, c := w.enrolFirst("ada")
		if err := w.env.Store.CreateAuthenticator(ctx, model.Authenticator{ID: "unconfirmed", TenantID: w.tenant.ID,
			UserID: "ada", Method: model.MethodEmailOTP, Email: "ada@example.com", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.keys.RemovePasskey(ctx, c, id); errCode(err) != "last_method" {
			t.Fatalf("remove the passkey beside an unconfirmed email: error = %v, want last_method", err)
		}
		if err := w.env.Store.DeleteAuthenticator(ctx, w.tenant.ID, "ada", "unconfirmed"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.env.App.Actions.EnrollVerified(ctx, w.tenant.ID, "ada",
			model.Authenticator{Method: model.MethodEmailOTP, Email: "ada@example.com"}); err != nil {
			t.Fatal(err)
		}
		p, err := w.keys.RemovePasskey(ctx, c, id)
		if err != nil {
			t.Fatalf("remove the passkey beside a verified email: %v", err)
		}
		if len(p.CredentialID) == 0 {
			t.Error("the removed passkey carries no credential id to signal")
		}
		if got := w.names("ada"); len(got) != 0 {
			t.Errorf("passkeys after the removal = %q, want none", got)
		}
		if _, err := w.keys.RemovePasskey(ctx, c, id); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("remove it again: error = %v, want not found", err)
		}
	})
}

// TestManagePasskeysNeedsProofInTheAction: only an action tracked with
// redirectToSettings whose challenge the user completed opens the way;
// a state the app's backend set does not count.
func TestManagePasskeysNeedsProofInTheAction(t *testing.T) {
	w := newSettingsWorld(t, apitest.Options{})
	ctx := context.Background()
	id, _ := w.enrolFirst("ada")
	if _, err := w.env.App.Actions.EnrollVerified(ctx, w.tenant.ID, "ada",
		model.Authenticator{Method: model.MethodSMS, PhoneNumber: "+15555550100"}); err != nil {
		t.Fatal(err)
	}

	pending := w.track("ada", "settings", true) // a challenge is required: ada has authenticators
	moved := w.track("ada", "settings", true)
	if _, err := w.env.App.Actions.MoveAction(ctx, w.tenant.ID, "ada", "settings", moved.Claims.IdempotencyKey,
		model.StateChallengeSucceeded, model.SourceServerAPI); err != nil {
		t.Fatal(err)
	}
	plain := w.track("ada", "signIn", false)
	if _, err := w.env.App.Actions.MoveAction(ctx, w.tenant.ID, "ada", "signIn", plain.Claims.IdempotencyKey,
		model.StateChallengeSucceeded, model.SourceServerAPI); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		c    tenancy.ClientCaller
		code string
	}{
		{"challenge not completed", pending, "not_verified"},
		{"succeeded by the app's backend", moved, "not_verified"},
		{"not tracked with redirectToSettings", plain, "settings_not_requested"},
	} {
		if _, err := w.keys.RenamePasskey(ctx, tt.c, id, "Renamed"); !errors.Is(err, model.ErrForbidden) || errCode(err) != tt.code {
			t.Errorf("rename, %s: error = %v, want %s", tt.name, err, tt.code)
		}
		if _, err := w.keys.RemovePasskey(ctx, tt.c, id); !errors.Is(err, model.ErrForbidden) || errCode(err) != tt.code {
			t.Errorf("remove, %s: error = %v, want %s", tt.name, err, tt.code)
		}
	}
	if got := w.names("ada"); len(got) != 1 || got[0] == "Renamed" {
		t.Errorf("passkeys = %q, want the one as it was", got)
	}
}
