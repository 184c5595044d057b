package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/notify/notifytest"
)

// TestAuthsignalNodeSDK runs the Node suite in e2e/sdk, which drives every
// Server API call through the official @authsignal/node SDK. The server
// sends email over SMTP and texts to a webhook, both run by this test,
// which lets the suite read the codes they received. It skips without
// Node or without e2e/sdk/node_modules, unless UPLIFT_REQUIRE_SDK=1.
func TestAuthsignalNodeSDK(t *testing.T) {
	required := os.Getenv("UPLIFT_REQUIRE_SDK") == "1"
	unavailable := func(reason string) {
		t.Helper()
		if required {
			t.Fatalf("%s (UPLIFT_REQUIRE_SDK=1): install Node.js and run npm ci in e2e/sdk", reason)
		}
		t.Skipf("%s; install Node.js and run npm ci in e2e/sdk to run this test", reason)
	}

	node, err := exec.LookPath("node")
	if err != nil {
		unavailable("node is not on PATH")
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	sdkDir := filepath.Join(root, "e2e", "sdk")
	if _, err := os.Stat(filepath.Join(sdkDir, "node_modules", "@authsignal", "node")); err != nil {
		unavailable("e2e/sdk/node_modules/@authsignal/node is missing")
	}
	// Test files are named explicitly: how `node --test` expands a directory
	// differs between Node versions.
	files, err := filepath.Glob(filepath.Join(sdkDir, "*.test.mjs"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no *.test.mjs files in %s (%v)", sdkDir, err)
	}

	mail, sms := notifytest.StartSMTP(t), notifytest.StartSMS(t)
	srv := startServer(t, "UPLIFT_SMTP_URL="+mail.URL(), "UPLIFT_SMS_URL="+sms.URL)
	codes := startCodeReader(t, mail, sms)
	ctx := withTimeout(t, 3*time.Minute)
	args := append([]string{"--test", "--test-reporter=spec"}, files...)
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = sdkDir
	cmd.Env = append(cleanEnv(),
		"NO_COLOR=1",
		"UPLIFT_API_URL="+srv.APIURL(),
		"UPLIFT_PUBLIC_URL="+srv.PublicURL,
		"UPLIFT_SECRET_KEY="+srv.SecretKey,
		"UPLIFT_TENANT_ID="+srv.TenantID,
		"UPLIFT_TEST_CODES_URL="+codes,
	)
	out, err := cmd.CombinedOutput()
	t.Logf("node --test output:\n%s", out)
	if err != nil {
		t.Fatalf("node --test: %v", err)
	}
}
