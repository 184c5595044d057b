package clientapi_test

import (
	"io"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/metrics"
)

// TestSignInsCounted: a passkey sign-in is counted by method and result,
// as is one signed by a passkey the tenant does not know, and each
// sign-in's options as a passkey challenge.
func TestSignInsCounted(t *testing.T) {
	m := metrics.New(metrics.Sources{})
	h := newHarnessOn(t, "sqlite://"+filepath.Join(t.TempDir(), "uplift.db"), nil, func(o *app.Options) { o.Events = m })
	d := newPasskeyDevice(defaultDevice)
	h.register(h.track("ada", "signUp", nil), d, false)
	h.must(h.signIn("signIn", d), 200)
	h.must(h.signIn("signIn", d), 200)
	if r := h.signIn("signIn", newPasskeyDevice(defaultDevice)); r.status < 400 {
		t.Fatalf("a sign-in with an unknown passkey = %d", r.status)
	}

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	text, _ := io.ReadAll(rec.Body)
	for series, want := range map[string]float64{
		`uplift_sign_ins_total{method="PASSKEY",result="succeeded"}`:   2,
		`uplift_sign_ins_total{method="PASSKEY",result="failed"}`:      1,
		`uplift_challenges_total{method="PASSKEY",result="succeeded"}`: 3,
	} {
		got := 0.0
		if m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindSubmatch(text); m != nil {
			got, _ = strconv.ParseFloat(string(m[1]), 64)
		}
		if got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
}
