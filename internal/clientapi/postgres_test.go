package clientapi_test

import (
	"testing"

	"github.com/uplift-dev/uplift/internal/pgtest"
)

// TestTwoInstancesOnePostgres begins every ceremony on one instance and
// finishes it on another that shares only the database.
func TestTwoInstancesOnePostgres(t *testing.T) {
	dbURL := pgtest.URL(t)
	first := newHarnessOn(t, dbURL, nil)
	second := newHarnessOn(t, dbURL, first)
	d := newPasskeyDevice(defaultDevice)

	tok := first.track("ada", "signUp", nil)
	o := first.must(first.do("POST", "/v1/client/user-authenticators/passkey/registration-options", bearer(tok), map[string]any{}), 200)
	added := second.must(second.do("POST", "/v1/client/user-authenticators/passkey", bearer(tok), map[string]any{
		"challengeId": o.str("challengeId"), "registrationCredential": d.attest(t, o.body["options"]),
	}), 200)
	if v := first.validate(added.str("accessToken")); v.body["isValid"] != true {
		t.Errorf("validate on the first instance after sign-up on the second: %s", v.raw)
	}

	opts := first.signInOptions("signIn")
	body := map[string]any{"challengeId": opts.str("challengeId"), "authenticationCredential": d.assert(t, opts.body["options"])}
	res := second.must(second.do("POST", "/v1/client/verify/passkey", second.tenantAuth(), body), 200)
	if v := first.validate(res.str("accessToken")); v.str("state") != "CHALLENGE_SUCCEEDED" {
		t.Errorf("validate = %s", v.raw)
	}
	// The challenge is single use across instances too.
	wantError(t, first.do("POST", "/v1/client/verify/passkey", first.tenantAuth(), body), 400, "invalid_challenge")
}
