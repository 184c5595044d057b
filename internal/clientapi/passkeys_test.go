package clientapi_test

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/webauthntest"
)

var defaultDevice = virtualwebauthn.AuthenticatorOptions{BackupEligible: true, BackupState: true}

func TestSignUpThenSignIn(t *testing.T) {
	h := newHarness(t)
	d := newPasskeyDevice(defaultDevice)

	tok := h.track("ada", "signUp", nil)
	o := h.must(h.do("POST", "/v1/client/user-authenticators/passkey/registration-options", bearer(tok),
		map[string]any{"username": "ada@example.com", "authenticatorAttachment": "platform"}), 200)
	opts := o.body["options"].(map[string]any)
	sel := opts["authenticatorSelection"].(map[string]any)
	if sel["residentKey"] != "required" || sel["userVerification"] != "required" || sel["authenticatorAttachment"] != "platform" {
		t.Errorf("authenticatorSelection = %v, want resident key and UV required, platform", sel)
	}
	if ex, ok := opts["excludeCredentials"].([]any); !ok || len(ex) != 0 {
		t.Errorf("excludeCredentials = %v, want an empty list", opts["excludeCredentials"])
	}
	if opts["rp"].(map[string]any)["id"] != "localhost" {
		t.Errorf("rp = %v", opts["rp"])
	}
	added := h.must(h.do("POST", "/v1/client/user-authenticators/passkey", bearer(tok), map[string]any{
		"challengeId": o.str("challengeId"), "registrationCredential": d.attest(t, o.body["options"]),
	}, "User-Agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36"), 200)
	if added.body["isVerified"] != true || added.str("userId") != "ada" || added.str("accessToken") == "" {
		t.Fatalf("add passkey reply = %s", added.raw)
	}
	ua := added.body["userAuthenticator"].(map[string]any)
	cred := ua["webauthnCredential"].(map[string]any)
	if cred["name"] != "Chrome on macOS" || cred["deviceId"] != "device-ada" || cred["credentialDeviceType"] != "multiDevice" ||
		cred["credentialId"] != base64.RawURLEncoding.EncodeToString(d.cred.ID) {
		t.Errorf("webauthnCredential = %v", cred)
	}
	// The first authenticator completes the sign-up action.
	if v := h.validate(added.str("accessToken")); v.body["isValid"] != true || v.str("verificationMethod") != "PASSKEY" {
		t.Errorf("validate after sign-up = %s", v.raw)
	}

	// Username-less sign-in for an action.
	res := h.must(h.signIn("signIn", d), 200)
	if res.str("userId") != "ada" || res.str("userAuthenticatorId") != added.str("userAuthenticatorId") || res.str("username") != "" {
		t.Errorf("verify reply = %s", res.raw)
	}
	v := h.validate(res.str("accessToken"))
	if v.body["isValid"] != true || v.str("state") != "CHALLENGE_SUCCEEDED" || v.str("action") != "signIn" ||
		v.str("verificationMethod") != "PASSKEY" || v.str("userId") != "ada" {
		t.Errorf("validate after sign-in = %s", v.raw)
	}

	// Sign-in with a token: allowCredentials lists the user's passkeys.
	tok2 := h.track("ada", "withdraw", nil)
	if v := h.validate(tok2); v.str("state") != "CHALLENGE_REQUIRED" {
		t.Fatalf("tracked state = %s", v.raw)
	}
	o2 := h.must(h.do("POST", "/v1/client/user-authenticators/passkey/authentication-options", bearer(tok2), map[string]any{}), 200)
	allow := o2.body["options"].(map[string]any)["allowCredentials"].([]any)
	if len(allow) != 1 || allow[0].(map[string]any)["id"] != cred["credentialId"] {
		t.Errorf("allowCredentials = %v", allow)
	}
	res2 := h.must(h.do("POST", "/v1/client/verify/passkey", bearer(tok2), map[string]any{
		"challengeId": o2.str("challengeId"), "authenticationCredential": d.assert(t, o2.body["options"]),
	}), 200)
	for _, tk := range []string{tok2, res2.str("accessToken")} {
		if v := h.validate(tk); v.body["isValid"] != true || v.str("action") != "withdraw" {
			t.Errorf("validate after token sign-in = %s", v.raw)
		}
	}

	// The Server API lists the passkey with its credential.
	list := h.must(h.do("GET", "/v1/users/ada/authenticators", h.secretAuth(), nil), 200)
	if !strings.Contains(string(list.raw), `"webauthnCredential":{"credentialId":"`+cred["credentialId"].(string)) {
		t.Errorf("authenticators = %s", list.raw)
	}
}

func TestEnrolmentRule(t *testing.T) {
	h := newHarness(t)
	h.enrol("ada", newPasskeyDevice(defaultDevice))
	second := newPasskeyDevice(defaultDevice)

	t.Run("plain token refused once enrolled", func(t *testing.T) {
		tok := h.track("ada", "addDevice", nil)
		r := h.do("POST", "/v1/client/user-authenticators/passkey/registration-options", bearer(tok), map[string]any{})
		wantError(t, r, 403, "forbidden")
	})
	t.Run("add:authenticators scope", func(t *testing.T) {
		tok := h.track("ada", "addDevice", map[string]any{"scope": "add:authenticators"})
		h.must(h.register(tok, second, false), 200)
		if v := h.validate(tok); v.str("state") != "CHALLENGE_REQUIRED" {
			t.Errorf("adding with a scope changed the action: %s", v.raw)
		}
	})
	t.Run("after a challenge in the action", func(t *testing.T) {
		tok := h.track("ada", "addDevice", nil)
		signed := h.must(h.signInWithToken(tok, second), 200)
		third := newPasskeyDevice(defaultDevice)
		o := h.must(h.do("POST", "/v1/client/user-authenticators/passkey/registration-options",
			bearer(signed.str("accessToken")), map[string]any{}), 200)
		ex := o.body["options"].(map[string]any)["excludeCredentials"].([]any)
		if len(ex) != 2 {
			t.Errorf("excludeCredentials lists %d passkeys, want 2", len(ex))
		}
		h.must(h.do("POST", "/v1/client/user-authenticators/passkey", bearer(signed.str("accessToken")), map[string]any{
			"challengeId": o.str("challengeId"), "registrationCredential": third.attest(t, o.body["options"]),
		}), 200)
	})
}

func TestSignInFailures(t *testing.T) {
	h := newHarness(t)
	d := newPasskeyDevice(defaultDevice)
	added := h.enrol("ada", d)

	t.Run("replayed challenge", func(t *testing.T) {
		o := h.signInOptions("signIn")
		body := map[string]any{"challengeId": o.str("challengeId"), "authenticationCredential": d.assert(t, o.body["options"])}
		h.must(h.do("POST", "/v1/client/verify/passkey", h.tenantAuth(), body), 200)
		r := h.do("POST", "/v1/client/verify/passkey", h.tenantAuth(), body)
		wantError(t, r, 400, "invalid_challenge")
		if !strings.Contains(r.str("errorDescription"), "already used") {
			t.Errorf("description = %q", r.str("errorDescription"))
		}
	})
	t.Run("expired challenge", func(t *testing.T) {
		o := h.signInOptions("signIn")
		h.clock.Advance(6 * 60e9)
		r := h.do("POST", "/v1/client/verify/passkey", h.tenantAuth(), map[string]any{
			"challengeId": o.str("challengeId"), "authenticationCredential": d.assert(t, o.body["options"])})
		wantError(t, r, 400, "invalid_challenge")
		if !strings.Contains(r.str("errorDescription"), "expired") {
			t.Errorf("description = %q", r.str("errorDescription"))
		}
	})
	t.Run("wrong origin", func(t *testing.T) {
		evil := *d
		evil.rp.Origin = "https://evil.example"
		r := h.signIn("signIn", &evil)
		wantError(t, r, 400, "invalid_credential")
		if !strings.Contains(r.str("errorDescription"), "origin") {
			t.Errorf("description = %q", r.str("errorDescription"))
		}
	})
	t.Run("user verification missing", func(t *testing.T) {
		lazy := *d
		lazy.auth.Options.UserNotVerified = true
		r := h.signIn("signIn", &lazy)
		wantError(t, r, 400, "invalid_credential")
		if !strings.Contains(r.str("errorDescription"), "verify the user") {
			t.Errorf("description = %q", r.str("errorDescription"))
		}
	})
	t.Run("another key signs", func(t *testing.T) {
		forged := *d
		forged.cred.Key = webauthntest.MustCredential().Key
		r := h.signIn("signIn", &forged)
		wantError(t, r, 400, "invalid_credential")
		if !strings.Contains(r.str("errorDescription"), "signature") {
			t.Errorf("description = %q", r.str("errorDescription"))
		}
	})
	t.Run("deleted passkey is unknown_credential", func(t *testing.T) {
		h.must(h.do("DELETE", "/v1/users/ada/authenticators/"+added.str("userAuthenticatorId"), h.secretAuth(), nil), 200)
		wantError(t, h.signIn("signIn", d), 400, "unknown_credential")
		q := url.Values{"credentialIds": {base64.RawURLEncoding.EncodeToString(d.cred.ID)}}
		wantError(t, h.do("GET", "/v1/client/user-authenticators/passkey?"+q.Encode(), h.tenantAuth(), nil), 404, "credential_not_found")
	})
}

func TestFindPasskey(t *testing.T) {
	h := newHarness(t)
	d := newPasskeyDevice(defaultDevice)
	h.enrol("ada", d)
	id := base64.RawURLEncoding.EncodeToString(d.cred.ID)
	r := h.must(h.do("GET", "/v1/client/user-authenticators/passkey?credentialIds=AAAA,"+id, h.tenantAuth(), nil), 200)
	if r.str("credentialId") != id || r.str("verifiedAt") == "" {
		t.Errorf("reply = %s", r.raw)
	}
	wantError(t, h.do("GET", "/v1/client/user-authenticators/passkey?credentialIds=%25%25", h.tenantAuth(), nil), 400, "invalid_request")
}

func TestCounterRegressionIsRefusedAndRecorded(t *testing.T) {
	h := newHarness(t)
	d := newPasskeyDevice(defaultDevice)
	d.cred.Counter = 5
	added := h.enrol("ada", d)

	d.cred.Counter = 3
	wantError(t, h.signIn("signIn", d), 403, "invalid_credential")
	d.cred.Counter = 5
	wantError(t, h.signIn("signIn", d), 403, "invalid_credential")
	p := storedPasskey(t, h, "ada", added.str("userAuthenticatorId"))
	if p.CounterRegressions != 2 || p.LastCounterRegressionAt.IsZero() || p.SignCount != 5 {
		t.Errorf("after regressions: count %d at %v, sign count %d; want 2, set, 5",
			p.CounterRegressions, p.LastCounterRegressionAt, p.SignCount)
	}
	d.cred.Counter = 6
	h.must(h.signIn("signIn", d), 200)
	if p := storedPasskey(t, h, "ada", added.str("userAuthenticatorId")); p.SignCount != 6 {
		t.Errorf("sign count = %d, want 6", p.SignCount)
	}
}

func TestZeroCountersAreNormal(t *testing.T) {
	h := newHarness(t)
	d := newPasskeyDevice(defaultDevice)
	h.enrol("ada", d)
	for range 3 {
		h.must(h.signIn("signIn", d), 200)
	}
}

func TestBackupEligibleFlipIsAcceptedAndRecorded(t *testing.T) {
	h := newHarness(t)
	d := newPasskeyDevice(virtualwebauthn.AuthenticatorOptions{})
	added := h.enrol("ada", d)
	if p := storedPasskey(t, h, "ada", added.str("userAuthenticatorId")); p.Flags.BackupEligible || p.Flags.BackupState {
		t.Fatalf("stored flags %+v, want BE and BS false", p.Flags)
	}

	d.auth.Options.BackupEligible, d.auth.Options.BackupState = true, true
	h.must(h.signIn("signIn", d), 200)
	p := storedPasskey(t, h, "ada", added.str("userAuthenticatorId"))
	if !p.Flags.BackupEligible || !p.Flags.BackupState || p.BackupEligibleChanges != 1 || p.BackupEligibleChangedAt.IsZero() {
		t.Errorf("after flip: flags %+v, changes %d at %v", p.Flags, p.BackupEligibleChanges, p.BackupEligibleChangedAt)
	}
	h.must(h.signIn("signIn", d), 200)
	if p := storedPasskey(t, h, "ada", added.str("userAuthenticatorId")); p.BackupEligibleChanges != 1 {
		t.Errorf("changes = %d after a sign-in without a flip, want 1", p.BackupEligibleChanges)
	}

	t.Run("BS without BE stays refused", func(t *testing.T) {
		d.auth.Options.BackupEligible, d.auth.Options.BackupState = false, true
		wantError(t, h.signIn("signIn", d), 400, "invalid_credential")
	})
	t.Run("a flip with a bad signature stays refused", func(t *testing.T) {
		forged := *d
		forged.auth.Options.BackupEligible, forged.auth.Options.BackupState = false, false
		forged.cred.Key = webauthntest.MustCredential().Key
		wantError(t, h.signIn("signIn", &forged), 400, "invalid_credential")
		if p := storedPasskey(t, h, "ada", added.str("userAuthenticatorId")); !p.Flags.BackupEligible {
			t.Errorf("a refused sign-in changed the stored BE flag")
		}
	})
}

func TestConditionalCreateWithoutPresenceOrVerification(t *testing.T) {
	h := newHarness(t)
	d := newPasskeyDevice(virtualwebauthn.AuthenticatorOptions{UserNotPresent: true, UserNotVerified: true})

	r := h.register(h.track("ada", "signUp", nil), d, false)
	wantError(t, r, 400, "invalid_credential")

	added := h.must(h.register(h.track("ada", "signUp", nil), d, true), 200)
	p := storedPasskey(t, h, "ada", added.str("userAuthenticatorId"))
	if p.Flags.UserPresent || p.Flags.UserVerified {
		t.Errorf("stored flags %+v, want UP and UV false", p.Flags)
	}
}

func TestMalformedRegistrations(t *testing.T) {
	h := newHarness(t)
	d := newPasskeyDevice(defaultDevice)
	id := base64.RawURLEncoding.EncodeToString(d.cred.ID)
	cdj := base64.RawURLEncoding.EncodeToString([]byte(`{"type":"webauthn.create","challenge":"x","origin":"` + appOrigin + `"}`))
	bodies := map[string]any{
		"not an object":       "nope",
		"bad base64url id":    map[string]any{"id": "!!", "rawId": "!!", "type": "public-key", "response": map[string]any{}},
		"standard base64":     map[string]any{"id": id, "rawId": id, "type": "public-key", "response": map[string]any{"clientDataJSON": "a+b/c==", "attestationObject": "oA"}},
		"malformed CBOR":      map[string]any{"id": id, "rawId": id, "type": "public-key", "response": map[string]any{"clientDataJSON": cdj, "attestationObject": "__-_"}},
		"CBOR not an object":  map[string]any{"id": id, "rawId": id, "type": "public-key", "response": map[string]any{"clientDataJSON": cdj, "attestationObject": "gQE"}},
		"empty attestation":   map[string]any{"id": id, "rawId": id, "type": "public-key", "response": map[string]any{"clientDataJSON": cdj, "attestationObject": "oA"}},
		"missing clientData":  map[string]any{"id": id, "rawId": id, "type": "public-key", "response": map[string]any{"attestationObject": "oA"}},
		"wrong type":          map[string]any{"id": id, "rawId": id, "type": "password", "response": map[string]any{}},
		"id differs from raw": map[string]any{"id": id, "rawId": "AAAA", "type": "public-key", "response": map[string]any{}},
	}
	for name, cred := range bodies {
		t.Run(name, func(t *testing.T) {
			tok := h.track("ada", "signUp", nil)
			o := h.must(h.do("POST", "/v1/client/user-authenticators/passkey/registration-options", bearer(tok), map[string]any{}), 200)
			r := h.do("POST", "/v1/client/user-authenticators/passkey", bearer(tok), map[string]any{
				"challengeId": o.str("challengeId"), "registrationCredential": cred})
			if r.status < 400 || r.status >= 500 || r.str("errorDescription") == "" {
				t.Errorf("got %d %s, want a 4xx with a description", r.status, r.raw)
			}
		})
	}
}

func TestClientAuth(t *testing.T) {
	h := newHarness(t)
	colon := "Basic " + base64.StdEncoding.EncodeToString([]byte(h.tenant.ID+":"))
	tests := []struct {
		name, auth string
		status     int
	}{
		{"SDK form", h.tenantAuth(), 200},
		{"with colon", colon, 200},
		{"none", "", 401},
		{"unknown tenant", "Basic " + base64.StdEncoding.EncodeToString([]byte("00000000-0000-4000-8000-000000000000")), 401},
		{"not base64", "Basic %%%", 401},
		{"bad token", "Bearer abc.def.ghi", 401},
		{"secret key scheme", "Digest x", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do("POST", "/v1/client/challenge", tt.auth, map[string]any{"action": "signIn"})
			if r.status != tt.status {
				t.Errorf("status %d, want %d: %s", r.status, tt.status, r.raw)
			}
		})
	}
}

func TestCORS(t *testing.T) {
	h := newHarness(t)
	pre := func(origin string) reply {
		return h.do("OPTIONS", "/v1/client/challenge", "", nil, "Origin", origin,
			"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type")
	}
	r := pre(appOrigin)
	if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != appOrigin ||
		!strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight from the tenant's origin: %d %v", r.status, r.header)
	}
	if r := pre("https://evil.example"); r.status != 403 || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d %v", r.status, r.header)
	}
	got := h.do("POST", "/v1/client/challenge", h.tenantAuth(), map[string]any{"action": "signIn"}, "Origin", appOrigin)
	if got.header.Get("Access-Control-Allow-Origin") != appOrigin || got.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("request from the tenant's origin: %v", got.header)
	}
	if _, _, err := h.app.Tenancy.CreateTenant(t.Context(), tenancy.NewTenant{Name: "Other", RPID: "other.example",
		Origins: []string{"https://other.example"}}); err != nil {
		t.Fatal(err)
	}
	got = h.do("POST", "/v1/client/challenge", h.tenantAuth(), map[string]any{"action": "signIn"}, "Origin", "https://other.example")
	if got.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("another tenant's origin may read this tenant's reply: %v", got.header)
	}
}

// storedPasskey reads a passkey straight from the store.
func storedPasskey(t *testing.T, h *harness, userID, authID string) model.Passkey {
	t.Helper()
	ps, err := h.store.Passkeys(t.Context(), h.tenant.ID, userID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.AuthenticatorID == authID {
			return p
		}
	}
	t.Fatalf("passkey %s not stored", authID)
	return model.Passkey{}
}
