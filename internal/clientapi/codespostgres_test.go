package clientapi_test

import (
	"sync"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/notify/notifytest"
	"github.com/uplift-dev/uplift/internal/pgtest"
)

// TestCodesAcrossInstancesOnePostgres sends codes from one instance and
// checks them on another that shares only the database: the throttle and
// the attempt count agree across instances, even for guesses made at the
// same moment on both.
func TestCodesAcrossInstancesOnePostgres(t *testing.T) {
	dbURL := pgtest.URL(t)
	mail := notifytest.StartSMTP(t)
	email, err := notify.NewSMTPSender(mail.URL(), "no-reply@example.com")
	if err != nil {
		t.Fatal(err)
	}
	withEmail := func(o *app.Options) { o.Email = email }
	first := newHarnessOn(t, dbURL, nil, withEmail)
	second := newHarnessOn(t, dbURL, first, withEmail)
	const addr = "ada@example.com"
	first.must(first.do("POST", "/v1/users/ada/authenticators", first.secretAuth(),
		map[string]any{"verificationMethod": "EMAIL_OTP", "email": addr}), 200)

	tok := first.track("ada", "signIn", nil)
	first.must(first.do("POST", "/v1/client/challenge/email-otp", bearer(tok), nil), 200)
	wantError(t, second.do("POST", "/v1/client/challenge/email-otp", bearer(second.track("ada", "signIn", nil)), nil),
		429, "too_many_requests")
	code, err := mail.LastCode(addr)
	if err != nil {
		t.Fatal(err)
	}

	// Ten wrong guesses at once, half on each instance: exactly five count,
	// and exactly one of them is the last allowed.
	reasons := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 10 {
		h := []*harness{first, second}[i%2]
		wg.Go(func() {
			r := h.do("POST", "/v1/client/verify/email-otp", bearer(tok), map[string]any{"verificationCode": wrongCode(code)})
			mu.Lock()
			defer mu.Unlock()
			reasons[r.str("failureReason")+r.str("error")]++
		})
	}
	wg.Wait()
	if reasons["MAX_ATTEMPTS_EXCEEDED"] != 1 || reasons["CODE_INVALID_OR_EXPIRED"] != 9 {
		t.Errorf("failure reasons of ten concurrent wrong guesses = %v, want 1 MAX_ATTEMPTS_EXCEEDED and 9 CODE_INVALID_OR_EXPIRED", reasons)
	}
	r := second.must(second.do("POST", "/v1/client/verify/email-otp", bearer(tok), map[string]any{"verificationCode": code}), 200)
	if r.str("failureReason") != "CODE_INVALID_OR_EXPIRED" {
		t.Errorf("the right code after the challenge ended: %s", r.raw)
	}
	if v := first.validate(tok); v.str("state") != "CHALLENGE_FAILED" {
		t.Errorf("validate = %s", v.raw)
	}

	// Thirty seconds on, the other instance may send, and its code verifies on the first.
	first.clock.Advance(30 * time.Second)
	tok = second.track("ada", "signIn", nil)
	second.must(second.do("POST", "/v1/client/challenge/email-otp", bearer(tok), nil), 200)
	code, _ = mail.LastCode(addr)
	r = first.must(first.do("POST", "/v1/client/verify/email-otp", bearer(tok), map[string]any{"verificationCode": code}), 200)
	if r.body["isVerified"] != true {
		t.Errorf("verify on the other instance = %s", r.raw)
	}
}
