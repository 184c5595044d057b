package clientapi_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/pgtest"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// tenantState is everything of a tenant a Client API call could read or
// change: users, authenticators, passkeys with their counters and last
// use, and actions with their states.
func tenantState(t *testing.T, h *harness) []string {
	t.Helper()
	ctx := context.Background()
	users, err := h.store.QueryUsers(ctx, h.tenant.ID, model.UserQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range users {
		out = append(out, fmt.Sprintf("user %s %s %s", u.ID, u.Email, u.Username))
		auths, err := h.store.Authenticators(ctx, h.tenant.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range auths {
			out = append(out, fmt.Sprintf("authenticator %s %s %s", a.ID, a.Method, a.Email))
		}
		ps, err := h.store.Passkeys(ctx, h.tenant.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			out = append(out, fmt.Sprintf("passkey %s %d %v", p.AuthenticatorID, p.SignCount, p.LastVerifiedAt))
		}
		acts, err := h.store.QueryActions(ctx, h.tenant.ID, u.ID, model.ActionQuery{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range acts {
			out = append(out, fmt.Sprintf("action %s %s", a.IdempotencyKey, a.State))
		}
	}
	return out
}

// credentialIDs lists the credential ids named in WebAuthn options (allow
// or exclude list).
func credentialIDs(options any, list string) []string {
	o, _ := options.(map[string]any)
	if pk, ok := o["publicKey"].(map[string]any); ok {
		o = pk
	}
	var ids []string
	creds, _ := o[list].([]any)
	for _, c := range creds {
		if m, ok := c.(map[string]any); ok {
			id, _ := m["id"].(string)
			ids = append(ids, id)
		}
	}
	return ids
}

// TestTenantIsolation: tenant A's token and tenant A's id (Basic) reach
// none of tenant B's users, passkeys or challenges on the same server,
// though both tenants share the relying party and have a user of the same
// id; afterwards B's data is unchanged and B's open challenges still work.
// It runs on SQLite, and on PostgreSQL when UPLIFT_TEST_POSTGRES is set.
func TestTenantIsolation(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testTenantIsolation(t, newHarness(t)) })
	t.Run("postgres", func(t *testing.T) { testTenantIsolation(t, newHarnessOn(t, pgtest.URL(t), nil)) })
}

func testTenantIsolation(t *testing.T, a *harness) {
	tenantB, secretB, err := a.app.Tenancy.CreateTenant(context.Background(), tenancy.NewTenant{Name: "Beta", RPID: "localhost",
		Origins: []string{appOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	b := *a
	b.tenant, b.secret = tenantB, secretB
	dA, dB := newPasskeyDevice(defaultDevice), newPasskeyDevice(defaultDevice)
	a.enrol("ada", dA)
	b.enrol("ada", dB)
	idA := base64.RawURLEncoding.EncodeToString(dA.cred.ID)
	idB := base64.RawURLEncoding.EncodeToString(dB.cred.ID)
	tokA := a.track("ada", "signIn", map[string]any{"scope": "add:authenticators"})

	// B's open ceremonies: a username-less sign-in with its options, and a
	// registration for B's ada.
	chB := b.must(b.do("POST", "/v1/client/challenge", b.tenantAuth(), map[string]any{"action": "signIn"}), 200).str("challengeId")
	signInB := b.must(b.do("POST", "/v1/client/user-authenticators/passkey/authentication-options", b.tenantAuth(),
		map[string]any{"challengeId": chB}), 200)
	tokB := b.track("ada", "addPasskey", map[string]any{"scope": "add:authenticators"})
	regB := b.must(b.do("POST", "/v1/client/user-authenticators/passkey/registration-options", bearer(tokB),
		map[string]any{"username": "ada"}), 200)

	before := tenantState(t, &b)
	find := func(auth string) reply {
		return a.do("GET", "/v1/client/user-authenticators/passkey?"+url.Values{"credentialIds": {idB}}.Encode(), auth, nil)
	}
	attacks := []struct {
		name   string
		send   func() reply
		status int
		code   string
	}{
		{"find B's passkey by A's id", func() reply { return find(a.tenantAuth()) }, 404, "credential_not_found"},
		{"find B's passkey with A's token", func() reply { return find(bearer(tokA)) }, 404, "credential_not_found"},
		{"options for B's sign-in challenge by A's id", func() reply {
			return a.do("POST", "/v1/client/user-authenticators/passkey/authentication-options", a.tenantAuth(),
				map[string]any{"challengeId": chB})
		}, 400, "invalid_challenge"},
		{"options for B's sign-in challenge with A's token", func() reply {
			return a.do("POST", "/v1/client/user-authenticators/passkey/authentication-options", bearer(tokA),
				map[string]any{"challengeId": chB})
		}, 400, "invalid_challenge"},
		{"answer B's sign-in challenge by A's id", func() reply {
			return a.do("POST", "/v1/client/verify/passkey", a.tenantAuth(), map[string]any{
				"challengeId": signInB.str("challengeId"), "authenticationCredential": dB.assert(t, signInB.body["options"])})
		}, 400, "invalid_challenge"},
		// Refused, but not as unknown_credential, which would have the
		// browser forget a passkey B still accepts: both tenants' relying
		// party id is localhost, so the browser offers B's passkey to A.
		{"sign in to A with B's passkey", func() reply {
			o := a.signInOptions("signIn")
			return a.do("POST", "/v1/client/verify/passkey", a.tenantAuth(), map[string]any{
				"challengeId": o.str("challengeId"), "authenticationCredential": dB.assert(t, o.body["options"])})
		}, 403, "invalid_credential"},
		{"add a passkey on B's registration challenge with A's token", func() reply {
			return a.do("POST", "/v1/client/user-authenticators/passkey", bearer(tokA), map[string]any{
				"challengeId": regB.str("challengeId"), "registrationCredential": newPasskeyDevice(defaultDevice).attest(t, regB.body["options"])})
		}, 400, "invalid_challenge"},
	}
	for _, tt := range attacks {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, tt.send(), tt.status, tt.code)
		})
	}

	// What A's token reads of its own user names A's passkey, never B's.
	signInA := a.must(a.do("POST", "/v1/client/user-authenticators/passkey/authentication-options", bearer(tokA),
		map[string]any{}), 200)
	if got := credentialIDs(signInA.body["options"], "allowCredentials"); !slices.Equal(got, []string{idA}) {
		t.Errorf("A's sign-in options allow %q, want only A's passkey %s", got, idA)
	}
	regA := a.must(a.do("POST", "/v1/client/user-authenticators/passkey/registration-options", bearer(tokA),
		map[string]any{"username": "ada"}), 200)
	if got := credentialIDs(regA.body["options"], "excludeCredentials"); !slices.Equal(got, []string{idA}) {
		t.Errorf("A's registration options exclude %q, want only A's passkey %s", got, idA)
	}
	if strings.Contains(string(signInA.raw)+string(regA.raw), idB) {
		t.Error("A's options name B's passkey")
	}

	if diff := cmp.Diff(tenantState(t, &b), before); diff != "" {
		t.Errorf("tenant B changed (-after +before):\n%s", diff)
	}
	// B's ceremonies were neither used up nor changed.
	b.must(b.do("POST", "/v1/client/verify/passkey", b.tenantAuth(), map[string]any{
		"challengeId": signInB.str("challengeId"), "authenticationCredential": dB.assert(t, signInB.body["options"])}), 200)
	b.must(b.do("POST", "/v1/client/user-authenticators/passkey", bearer(tokB), map[string]any{
		"challengeId": regB.str("challengeId"), "registrationCredential": newPasskeyDevice(defaultDevice).attest(t, regB.body["options"])}), 200)
}
