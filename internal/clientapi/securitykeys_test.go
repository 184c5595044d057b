package clientapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/uplift-dev/uplift/internal/pgtest"
	"github.com/uplift-dev/uplift/internal/policy"
	"github.com/uplift-dev/uplift/internal/prompt"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// securityKey is a roaming authenticator without backup, as USB keys are.
var securityKey = virtualwebauthn.AuthenticatorOptions{}

// securityKeyOptions asks for registration options for the token's user
// as the browser SDK does: an empty object, options back bare.
func (h *harness) securityKeyOptions(tok string) reply {
	h.t.Helper()
	return h.must(h.do("POST", "/v1/client/user-authenticators/security-key/registration-options", bearer(tok),
		map[string]any{}), 200)
}

// addSecurityKey registers d as a security key for the token's user and
// returns the reply.
func (h *harness) addSecurityKey(tok string, d *passkeyDevice) reply {
	h.t.Helper()
	o := h.securityKeyOptions(tok)
	return h.do("POST", "/v1/client/user-authenticators/security-key", bearer(tok), d.attest(h.t, o.body),
		"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36")
}

// securityKeyAssertion asks for sign-in options for the token and answers
// them with d, without sending the answer.
func (h *harness) securityKeyAssertion(tok string, d *passkeyDevice) (reply, json.RawMessage) {
	h.t.Helper()
	o := h.must(h.do("POST", "/v1/client/user-authenticators/security-key/authentication-options", bearer(tok),
		map[string]any{}), 200)
	return o, d.assert(h.t, o.body)
}

func (h *harness) verifySecurityKey(tok string, assertion json.RawMessage) reply {
	h.t.Helper()
	return h.do("POST", "/v1/client/verify/security-key", bearer(tok), assertion)
}

// diagnosis is the Server API's uplift diagnosis for a user's device.
func (h *harness) diagnosis(userID, deviceID string) reply {
	h.t.Helper()
	return h.must(h.do("GET", "/v1/users/"+userID+"/uplift?deviceId="+deviceID+"&action=signIn", h.secretAuth(), nil), 200)
}

// platformDevice records that a device has a user-verifying platform
// authenticator, as the hosted pages report it.
func (h *harness) platformDevice(deviceID string) {
	h.t.Helper()
	caps := map[string]any{prompt.CapPublicKeyCredential: true, prompt.CapPlatformAuthenticator: true}
	if err := h.store.SetDeviceCapabilities(context.Background(), h.tenant.ID, deviceID, caps, h.clock.Now()); err != nil {
		h.t.Fatal(err)
	}
}

func TestSecurityKeyEnrolThenSignIn(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testSecurityKeyEnrolThenSignIn(t, newHarness(t)) })
	t.Run("postgres", func(t *testing.T) { testSecurityKeyEnrolThenSignIn(t, newHarnessOn(t, pgtest.URL(t), nil)) })
}

func testSecurityKeyEnrolThenSignIn(t *testing.T, h *harness) {
	key := newPasskeyDevice(securityKey)
	tok := h.track("ada", "signUp", nil)

	o := h.securityKeyOptions(tok)
	sel, _ := o.body["authenticatorSelection"].(map[string]any)
	if sel["authenticatorAttachment"] != "cross-platform" || sel["residentKey"] != "discouraged" ||
		!slices.Equal(o.body["hints"].([]any), []any{"security-key"}) || o.body["challenge"] == nil {
		t.Fatalf("registration options = %s", o.raw)
	}
	added := h.must(h.do("POST", "/v1/client/user-authenticators/security-key", bearer(tok), key.attest(t, o.body)), 200)
	au, _ := added.body["userAuthenticator"].(map[string]any)
	if added.body["isVerified"] != true || au["verificationMethod"] != "SECURITY_KEY" || added.str("userId") != "ada" {
		t.Fatalf("add security key = %s", added.raw)
	}
	// The first authenticator completes the action, by security key.
	if v := h.validate(added.str("accessToken")); v.str("state") != "CHALLENGE_SUCCEEDED" || v.str("verificationMethod") != "SECURITY_KEY" {
		t.Fatalf("validate after enrolment = %s", v.raw)
	}

	tok = h.track("ada", "signIn", nil)
	opts, assertion := h.securityKeyAssertion(tok, key)
	id := base64.RawURLEncoding.EncodeToString(key.cred.ID)
	if got := credentialIDs(opts.body, "allowCredentials"); !slices.Equal(got, []string{id}) {
		t.Errorf("sign-in options allow %q, want the security key %s", got, id)
	}
	h.clock.Advance(time.Second)
	res := h.must(h.verifySecurityKey(tok, assertion), 200)
	if res.body["isVerified"] != true || res.str("userId") != "ada" || res.str("userAuthenticatorId") != added.str("userAuthenticatorId") {
		t.Fatalf("verify = %s", res.raw)
	}
	v := h.validate(res.str("accessToken"))
	if v.str("state") != "CHALLENGE_SUCCEEDED" || v.str("verificationMethod") != "SECURITY_KEY" || v.str("action") != "signIn" {
		t.Fatalf("validate after sign-in = %s", v.raw)
	}

	// Listed as a security key with its credential, not as a passkey.
	list := h.do("GET", "/v1/users/ada/authenticators", h.secretAuth(), nil)
	var auths []map[string]any
	if err := json.Unmarshal(list.raw, &auths); err != nil || len(auths) != 1 {
		t.Fatalf("authenticators = %s", list.raw)
	}
	cred, _ := auths[0]["webauthnCredential"].(map[string]any)
	if auths[0]["verificationMethod"] != "SECURITY_KEY" || cred["credentialId"] != id ||
		auths[0]["lastVerifiedAt"] == auths[0]["createdAt"] {
		t.Errorf("listed authenticator = %v", auths[0])
	}
	if ps, err := h.store.Passkeys(t.Context(), h.tenant.ID, "ada"); err != nil || len(ps) != 0 {
		t.Errorf("passkeys = %v, %v; want none", ps, err)
	}
}

// TestSecurityKeyIsNeverThePasskeyOnTheDevice: a user who enrols and
// signs in with a security key on a device with a platform authenticator
// is still offered a passkey there; a passkey made there hides the prompt.
func TestSecurityKeyIsNeverThePasskeyOnTheDevice(t *testing.T) {
	h := newHarness(t)
	key := newPasskeyDevice(securityKey)
	h.must(h.addSecurityKey(h.track("ada", "signUp", nil), key), 200)
	h.platformDevice("device-ada")
	// No recovery method is required (a security key is not one).
	if _, err := h.app.Policy.UpdatePasskeySettings(t.Context(), h.tenant.ID, func(ps *policy.PasskeySettings) {
		ps.Passkey.RecoveryMethods = nil
	}); err != nil {
		t.Fatal(err)
	}
	tok := h.track("ada", "signIn", nil)
	_, assertion := h.securityKeyAssertion(tok, key)
	h.must(h.verifySecurityKey(tok, assertion), 200)
	if d := h.diagnosis("ada", "device-ada"); d.body["show"] != true || d.str("reason") != "eligible" {
		t.Fatalf("after a security key sign-in: %s", d.raw)
	}

	h.must(h.register(h.track("ada", "addPasskey", map[string]any{"scope": "add:authenticators"}),
		newPasskeyDevice(defaultDevice), false), 200)
	if d := h.diagnosis("ada", "device-ada"); d.str("reason") != "passkey_on_device" {
		t.Fatalf("after a passkey made on the device: %s", d.raw)
	}
}

// TestWhoMayAddASecurityKey: the rule of adding a passkey.
func TestWhoMayAddASecurityKey(t *testing.T) {
	h := newHarness(t)
	key := newPasskeyDevice(securityKey)
	h.must(h.addSecurityKey(h.track("ada", "signUp", nil), key), 200)

	plain := h.track("ada", "signIn", nil)
	wantError(t, h.do("POST", "/v1/client/user-authenticators/security-key/registration-options", bearer(plain),
		map[string]any{}), 403, "forbidden")

	scoped := h.track("ada", "addKey", map[string]any{"scope": "add:authenticators"})
	o := h.securityKeyOptions(scoped)
	if got := credentialIDs(o.body, "excludeCredentials"); !slices.Equal(got, []string{base64.RawURLEncoding.EncodeToString(key.cred.ID)}) {
		t.Errorf("options exclude %q, want the user's security key", got)
	}
	h.must(h.do("POST", "/v1/client/user-authenticators/security-key", bearer(scoped),
		newPasskeyDevice(securityKey).attest(t, o.body)), 200)
	if v := h.validate(scoped); v.str("state") != "CHALLENGE_REQUIRED" {
		t.Errorf("adding with a scope changed the action: %s", v.raw)
	}

	// After a challenge in the same action, a plain token may add one.
	_, assertion := h.securityKeyAssertion(plain, key)
	signedIn := h.must(h.verifySecurityKey(plain, assertion), 200)
	h.must(h.addSecurityKey(signedIn.str("accessToken"), newPasskeyDevice(securityKey)), 200)

	// A tenant id alone (Basic) names no user.
	wantError(t, h.do("POST", "/v1/client/user-authenticators/security-key/registration-options", h.tenantAuth(),
		map[string]any{}), 401, "token_not_set")
}

// TestSecurityKeyAttacks: what another tenant, another user, a replay or
// the wrong endpoint gets.
func TestSecurityKeyAttacks(t *testing.T) {
	h := newHarness(t)
	key, pk := newPasskeyDevice(securityKey), newPasskeyDevice(defaultDevice)
	h.must(h.addSecurityKey(h.track("ada", "signUp", nil), key), 200)
	h.must(h.register(h.track("ada", "addPasskey", map[string]any{"scope": "add:authenticators"}), pk, false), 200)
	h.enrol("bob", newPasskeyDevice(defaultDevice))

	other, otherSecret, err := h.app.Tenancy.CreateTenant(context.Background(), tenancy.NewTenant{Name: "Beta", RPID: "localhost",
		Origins: []string{appOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	b := *h
	b.tenant, b.secret = other, otherSecret
	otherTok := b.track("ada", "signIn", nil)

	t.Run("replayed assertion", func(t *testing.T) {
		tok := h.track("ada", "signIn", nil)
		_, assertion := h.securityKeyAssertion(tok, key)
		h.must(h.verifySecurityKey(tok, assertion), 200)
		wantError(t, h.verifySecurityKey(tok, assertion), 400, "invalid_challenge")
		wantError(t, h.verifySecurityKey(h.track("ada", "signIn", nil), assertion), 400, "invalid_challenge")
	})
	t.Run("another tenant's token", func(t *testing.T) {
		tok := h.track("ada", "signIn", nil)
		_, assertion := h.securityKeyAssertion(tok, key)
		wantError(t, h.verifySecurityKey(otherTok, assertion), 400, "invalid_challenge")
		h.must(h.verifySecurityKey(tok, assertion), 200) // the ceremony was left as it was
	})
	t.Run("another user's token", func(t *testing.T) {
		tok := h.track("ada", "signIn", nil)
		_, assertion := h.securityKeyAssertion(tok, key)
		wantError(t, h.verifySecurityKey(h.track("bob", "signIn", nil), assertion), 403, "invalid_challenge")
		h.must(h.verifySecurityKey(tok, assertion), 200)
	})
	t.Run("registration answered with another tenant's token", func(t *testing.T) {
		tok := h.track("ada", "addKey", map[string]any{"scope": "add:authenticators"})
		att := newPasskeyDevice(securityKey).attest(t, h.securityKeyOptions(tok).body)
		wantError(t, h.do("POST", "/v1/client/user-authenticators/security-key", bearer(otherTok), att), 400, "invalid_challenge")
		h.must(h.do("POST", "/v1/client/user-authenticators/security-key", bearer(tok), att), 200)
	})
	t.Run("security key through the passkey endpoint", func(t *testing.T) {
		wantError(t, h.signIn("signIn", key), 403, "invalid_credential")
	})
	t.Run("passkey through the security key endpoint", func(t *testing.T) {
		tok := h.track("ada", "signIn", nil)
		_, assertion := h.securityKeyAssertion(tok, pk)
		wantError(t, h.verifySecurityKey(tok, assertion), 403, "invalid_credential")
		if v := h.validate(tok); v.str("state") != "CHALLENGE_REQUIRED" {
			t.Errorf("action after a refused passkey = %s", v.raw)
		}
	})
	t.Run("passkey registered again as a security key", func(t *testing.T) {
		tok := h.track("ada", "addKey", map[string]any{"scope": "add:authenticators"})
		wantError(t, h.addSecurityKey(tok, pk), 409, "credential_exists")
	})
	t.Run("security key registered again as a passkey", func(t *testing.T) {
		tok := h.track("ada", "addPasskey", map[string]any{"scope": "add:authenticators"})
		wantError(t, h.register(tok, key, false), 409, "credential_exists")
	})
	t.Run("passkey options for a user with only a security key", func(t *testing.T) {
		c := newPasskeyDevice(securityKey)
		h.must(h.addSecurityKey(h.track("cy", "signUp", nil), c), 200)
		wantError(t, h.do("POST", "/v1/client/user-authenticators/passkey/authentication-options",
			bearer(h.track("cy", "signIn", nil)), map[string]any{}), 400, "credential_not_found")
	})
	t.Run("security key options for a user without one", func(t *testing.T) {
		wantError(t, h.do("POST", "/v1/client/user-authenticators/security-key/authentication-options",
			bearer(h.track("bob", "signIn", nil)), map[string]any{}), 400, "credential_not_found")
	})
}

func TestSecurityKeyInputChecks(t *testing.T) {
	h := newHarness(t)
	key := newPasskeyDevice(securityKey)
	h.must(h.addSecurityKey(h.track("ada", "signUp", nil), key), 200)
	tok := h.track("ada", "signIn", nil)
	_, assertion := h.securityKeyAssertion(tok, key)
	var good map[string]any
	if err := json.Unmarshal(assertion, &good); err != nil {
		t.Fatal(err)
	}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for k, v := range good {
			m[k] = v
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name, path string
		body       any
		field      string
	}{
		{"NUL in id", "/v1/client/verify/security-key", with("id", "a\x00b"), "id"},
		{"control character in type", "/v1/client/verify/security-key", with("type", "public-key\x1b"), "type"},
		{"line break in the response", "/v1/client/verify/security-key", with("response", map[string]any{"clientDataJSON": "a\nb"}), "response"},
		{"unknown field", "/v1/client/verify/security-key", with("challengeId", "x"), "challengeId"},
		{"options with a field", "/v1/client/user-authenticators/security-key/authentication-options", map[string]any{"x": 1}, "x"},
		{"registration without a response", "/v1/client/user-authenticators/security-key", map[string]any{}, ""},
		{"verification without a response", "/v1/client/verify/security-key", map[string]any{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do("POST", tt.path, bearer(tok), tt.body)
			if r.status != 400 || !strings.Contains(r.str("errorDescription"), tt.field) {
				t.Errorf("got %d %s, want 400 naming %q", r.status, r.raw, tt.field)
			}
		})
	}
	// Nothing above used up the ceremony.
	h.must(h.verifySecurityKey(tok, assertion), 200)

	r := h.do("POST", "/v1/client/verify/security-key", bearer(tok), with("id", strings.Repeat("a", 70<<10)))
	wantError(t, r, 413, "request_too_large")
}

func TestSecurityKeyCORS(t *testing.T) {
	h := newHarness(t)
	tok := h.track("ada", "signUp", nil)
	r := h.do("POST", "/v1/client/user-authenticators/security-key/registration-options", bearer(tok), map[string]any{},
		"Origin", appOrigin)
	if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != appOrigin {
		t.Errorf("from the tenant's origin: %d %v", r.status, r.header)
	}
	r = h.do("POST", "/v1/client/user-authenticators/security-key/registration-options", bearer(tok), map[string]any{},
		"Origin", "https://evil.example")
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("another origin may read the reply: %v", r.header)
	}
	pre := h.do("OPTIONS", "/v1/client/verify/security-key", "", nil, "Origin", appOrigin,
		"Access-Control-Request-Method", "POST")
	if pre.status != 204 || pre.header.Get("Access-Control-Allow-Origin") != appOrigin {
		t.Errorf("preflight: %d %v", pre.status, pre.header)
	}
}
