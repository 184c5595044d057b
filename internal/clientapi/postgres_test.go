package clientapi_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"
)

// postgresURL creates a database of its own for the test on the server
// UPLIFT_TEST_POSTGRES names and drops it when the test ends. It skips the
// test without that variable, and fails it when UPLIFT_REQUIRE_POSTGRES=1.
func postgresURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("UPLIFT_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("UPLIFT_REQUIRE_POSTGRES") == "1" {
			t.Fatal("UPLIFT_REQUIRE_POSTGRES=1 but UPLIFT_TEST_POSTGRES is empty")
		}
		t.Skip("UPLIFT_TEST_POSTGRES is not set")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("UPLIFT_TEST_POSTGRES is not a URL: %v", err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("connect to UPLIFT_TEST_POSTGRES: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 8)
	rand.Read(b)
	name := "uplift_clientapi_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(t.Context(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// TestTwoInstancesOnePostgres begins every ceremony on one instance and
// finishes it on another that shares only the database.
func TestTwoInstancesOnePostgres(t *testing.T) {
	dbURL := postgresURL(t)
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
