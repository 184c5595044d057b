package clientapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/model"
)

// signInWithKey runs a username-less sign-in of action whose action is
// to be tracked under key, and returns the verify reply.
func (h *harness) signInWithKey(action, key string, d *passkeyDevice) reply {
	h.t.Helper()
	ch := h.must(h.do("POST", "/v1/client/challenge", h.tenantAuth(), map[string]any{"action": action, "idempotencyKey": key}), 200)
	o := h.must(h.do("POST", "/v1/client/user-authenticators/passkey/authentication-options", h.tenantAuth(),
		map[string]any{"challengeId": ch.str("challengeId")}), 200)
	return h.do("POST", "/v1/client/verify/passkey", h.tenantAuth(), map[string]any{
		"challengeId": o.str("challengeId"), "authenticationCredential": d.assert(h.t, o.body["options"]),
	})
}

// history returns the states an action of the test tenant went through.
func (h *harness) history(key string) []model.ActionState {
	h.t.Helper()
	changes, err := h.store.ActionHistory(context.Background(), h.tenant.ID, key)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []model.ActionState
	for _, c := range changes {
		out = append(out, c.State)
	}
	return out
}

// TestUsernamelessSignInRecordsTrackedAndCompletedStates: the action a
// sign-in tracks and completes in one step keeps both states in its
// history, as if tracked and then completed.
func TestUsernamelessSignInRecordsTrackedAndCompletedStates(t *testing.T) {
	h := newHarness(t)
	d := newPasskeyDevice(defaultDevice)
	added := h.enrol("ada", d)

	res := h.must(h.signInWithKey("signIn", "key-1", d), 200)
	v := h.validate(res.str("accessToken"))
	if v.body["isValid"] != true || v.str("idempotencyKey") != "key-1" || v.str("verificationMethod") != "PASSKEY" {
		t.Errorf("validate = %s", v.raw)
	}
	a, err := h.store.Action(context.Background(), h.tenant.ID, "key-1")
	if err != nil {
		t.Fatal(err)
	}
	if a.VerifiedAuthenticatorID != added.str("userAuthenticatorId") || a.UserID != "ada" {
		t.Errorf("action verified by %q for %q", a.VerifiedAuthenticatorID, a.UserID)
	}
	want := []model.ActionState{model.StateChallengeRequired, model.StateChallengeSucceeded}
	if diff := cmp.Diff(h.history("key-1"), want); diff != "" {
		t.Errorf("history (-got +want):\n%s", diff)
	}
	p := storedPasskey(t, h, "ada", added.str("userAuthenticatorId"))
	if !p.LastVerifiedAt.Equal(h.clock.Now()) {
		t.Errorf("passkey last verified at %v, want %v", p.LastVerifiedAt, h.clock.Now())
	}

	// The same key again: the action stays as completed the first time.
	h.must(h.signInWithKey("signIn", "key-1", d), 200)
	if diff := cmp.Diff(h.history("key-1"), want); diff != "" {
		t.Errorf("history after the key was used again (-got +want):\n%s", diff)
	}
	// The same key for another action is a conflict.
	wantError(t, h.signInWithKey("withdraw", "key-1", d), 409, "idempotency_key_conflict")
}

// TestSignInTheActionCannotTakeIsRecordedAndRefused: an action its
// configuration blocks, or that does not permit passkeys, is tracked and
// the sign-in refused; its challenge is used.
func TestSignInTheActionCannotTakeIsRecordedAndRefused(t *testing.T) {
	h := newHarness(t)
	d := newPasskeyDevice(defaultDevice)
	added := h.enrol("ada", d)
	before := storedPasskey(t, h, "ada", added.str("userAuthenticatorId"))
	h.must(h.do("POST", "/v1/management/action-configurations", h.secretAuth(),
		map[string]any{"actionCode": "blocked", "defaultUserActionResult": "BLOCK"}), 201)
	h.must(h.do("POST", "/v1/management/action-configurations", h.secretAuth(),
		map[string]any{"actionCode": "appOnly", "verificationMethods": []string{"AUTHENTICATOR_APP"}}), 201)

	for _, tc := range []struct {
		action, key string
		status      int
		code        string
		want        []model.ActionState
	}{
		{"blocked", "key-b", 403, "forbidden", []model.ActionState{model.StateBlock}},
		{"appOnly", "key-a", 403, "method_not_allowed", []model.ActionState{model.StateChallengeRequired}},
	} {
		h.clock.Advance(time.Second)
		ch := h.must(h.do("POST", "/v1/client/challenge", h.tenantAuth(), map[string]any{"action": tc.action, "idempotencyKey": tc.key}), 200)
		o := h.must(h.do("POST", "/v1/client/user-authenticators/passkey/authentication-options", h.tenantAuth(),
			map[string]any{"challengeId": ch.str("challengeId")}), 200)
		body := map[string]any{"challengeId": o.str("challengeId"), "authenticationCredential": d.assert(t, o.body["options"])}
		wantError(t, h.do("POST", "/v1/client/verify/passkey", h.tenantAuth(), body), tc.status, tc.code)
		if diff := cmp.Diff(h.history(tc.key), tc.want); diff != "" {
			t.Errorf("%s: history (-got +want):\n%s", tc.action, diff)
		}
		wantError(t, h.do("POST", "/v1/client/verify/passkey", h.tenantAuth(), body), 400, "invalid_challenge")
	}
	if after := storedPasskey(t, h, "ada", added.str("userAuthenticatorId")); !after.LastVerifiedAt.Equal(before.LastVerifiedAt) {
		t.Errorf("a refused sign-in was recorded on the passkey: last verified %v, was %v", after.LastVerifiedAt, before.LastVerifiedAt)
	}
}

// TestFailedSignInUsesUpItsChallenge: a response that fails verification
// cannot be followed by another for the same challenge.
func TestFailedSignInUsesUpItsChallenge(t *testing.T) {
	h := newHarness(t)
	d := newPasskeyDevice(defaultDevice)
	h.enrol("ada", d)
	lazy := *d
	lazy.auth.Options.UserNotVerified = true

	o := h.signInOptions("signIn")
	wantError(t, h.do("POST", "/v1/client/verify/passkey", h.tenantAuth(), map[string]any{
		"challengeId": o.str("challengeId"), "authenticationCredential": lazy.assert(t, o.body["options"])}), 400, "invalid_credential")
	r := h.do("POST", "/v1/client/verify/passkey", h.tenantAuth(), map[string]any{
		"challengeId": o.str("challengeId"), "authenticationCredential": d.assert(t, o.body["options"])})
	wantError(t, r, 400, "invalid_challenge")
}

// TestOptionsAreIssuedAgainUntilHalfTheTimeIsUp: the options for a
// challenge are read, not made again, while the ceremony is young; later
// the ceremony begins anew with a new WebAuthn challenge.
func TestOptionsAreIssuedAgainUntilHalfTheTimeIsUp(t *testing.T) {
	h := newHarness(t)
	d := newPasskeyDevice(defaultDevice)
	h.enrol("ada", d)

	ch := h.must(h.do("POST", "/v1/client/challenge", h.tenantAuth(), map[string]any{"action": "signIn"}), 200)
	options := func() reply {
		return h.must(h.do("POST", "/v1/client/user-authenticators/passkey/authentication-options", h.tenantAuth(),
			map[string]any{"challengeId": ch.str("challengeId")}), 200)
	}
	webauthnChallenge := func(r reply) string { return r.body["options"].(map[string]any)["challenge"].(string) }
	first := options()
	h.clock.Advance(2 * time.Minute)
	if again := options(); webauthnChallenge(again) != webauthnChallenge(first) {
		t.Errorf("options two minutes in began a new ceremony")
	}
	h.clock.Advance(time.Minute)
	renewed := options()
	if webauthnChallenge(renewed) == webauthnChallenge(first) {
		t.Fatalf("options three minutes in kept the first ceremony")
	}
	c, err := h.store.PasskeyChallenge(context.Background(), h.tenant.ID, ch.str("challengeId"), h.clock.Now())
	if err != nil || !c.ExpiresAt.Equal(h.clock.Now().Add(5*time.Minute)) {
		t.Errorf("renewed challenge expires at %v (%v), want five minutes from now", c.ExpiresAt, err)
	}
	// A response to the first options no longer verifies.
	wantError(t, h.do("POST", "/v1/client/verify/passkey", h.tenantAuth(), map[string]any{
		"challengeId": ch.str("challengeId"), "authenticationCredential": d.assert(t, first.body["options"])}), 400, "invalid_credential")

	ch = h.must(h.do("POST", "/v1/client/challenge", h.tenantAuth(), map[string]any{"action": "signIn"}), 200)
	o := options()
	h.must(h.do("POST", "/v1/client/verify/passkey", h.tenantAuth(), map[string]any{
		"challengeId": o.str("challengeId"), "authenticationCredential": d.assert(t, o.body["options"])}), 200)
}

// TestUsernamelessSignInDecidesOnTheUsersDevices: the action a
// username-less sign-in tracks is decided on the devices of the passkey's
// user, read with the passkey: a rule blocking new devices refuses the
// first sign-in from a device and lets the next one through.
func TestUsernamelessSignInDecidesOnTheUsersDevices(t *testing.T) {
	h := newHarness(t)
	d := newPasskeyDevice(defaultDevice)
	h.enrol("ada", d)
	h.must(h.do("POST", "/v1/management/action-configurations", h.secretAuth(),
		map[string]any{"actionCode": "guarded", "defaultUserActionResult": "CHALLENGE"}), 201)
	h.must(h.do("POST", "/v1/management/action-configurations/guarded/rules", h.secretAuth(), map[string]any{
		"name": "new devices", "priority": 1, "type": "BLOCK", "isActive": true,
		"conditions": map[string]any{"==": []any{map[string]any{"var": "device.isNew"}, true}},
	}), 201)
	signIn := func(key string) reply {
		ch := h.must(h.do("POST", "/v1/client/challenge", h.tenantAuth(), map[string]any{"action": "guarded", "idempotencyKey": key}), 200)
		o := h.must(h.do("POST", "/v1/client/user-authenticators/passkey/authentication-options", h.tenantAuth(),
			map[string]any{"challengeId": ch.str("challengeId")}), 200)
		return h.do("POST", "/v1/client/verify/passkey", h.tenantAuth(), map[string]any{
			"challengeId": o.str("challengeId"), "authenticationCredential": d.assert(t, o.body["options"]), "deviceId": "laptop",
		})
	}
	wantError(t, signIn("key-1"), 403, "forbidden")
	if diff := cmp.Diff(h.history("key-1"), []model.ActionState{model.StateBlock}); diff != "" {
		t.Errorf("first sign-in from the device (-got +want):\n%s", diff)
	}
	h.clock.Advance(time.Second)
	h.must(signIn("key-2"), 200)
	if diff := cmp.Diff(h.history("key-2"), []model.ActionState{model.StateChallengeRequired, model.StateChallengeSucceeded}); diff != "" {
		t.Errorf("second sign-in from the device (-got +want):\n%s", diff)
	}
}
