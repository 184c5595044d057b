package clientapi_test

import (
	"testing"
)

// BenchmarkPasskeySignIn measures a full username-less passkey sign-in over
// HTTP on SQLite: challenge, authentication options and verify (which
// tracks the action, checks the signature and records the sign-in).
// sign-ins/s is the figure to compare; the software authenticator's own
// signing happens outside the timer.
func BenchmarkPasskeySignIn(b *testing.B) {
	h := newHarness(b)
	d := newPasskeyDevice(defaultDevice)
	h.enrol("ada", d)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		o := h.signInOptions("signIn")
		b.StopTimer()
		cred := d.assert(b, o.body["options"])
		b.StartTimer()
		h.must(h.do("POST", "/v1/client/verify/passkey", h.tenantAuth(), map[string]any{
			"challengeId": o.str("challengeId"), "authenticationCredential": cred,
		}), 200)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sign-ins/s")
}
