package hosted_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/model"
)

// A user with no method confirms an email address; entering the code
// enrols it and completes the action's challenge by EMAIL_OTP.
func TestEnrolmentCompletesTheChallenge(t *testing.T) {
	e := newEnv(t)
	path, res := e.track("grace")
	if res.Action.State != model.StateAllow {
		t.Fatalf("a user without methods tracked as %s, want ALLOW", res.Action.State)
	}
	b := e.browser()
	enrol := b.get(path)
	if !enrol.has("Confirm your email") || !enrol.has("Email address") {
		t.Fatalf("no enrolment page: %s", enrol.body)
	}
	fields := enrol.fields(t)
	bad := b.postForm("/login/enroll/email", with(fields, "email", "not an address"))
	if bad.StatusCode != http.StatusBadRequest || !bad.has("Enter an email address such as name@example.com.") {
		t.Errorf("a bad address: status %d: %s", bad.StatusCode, bad.body)
	}
	code := b.follow(b.postForm("/login/enroll/email", with(fields, "email", "grace@example.com")))
	if !code.has("We sent a 6-digit code to g•••@example.com.") {
		t.Fatalf("code page: %s", code.body)
	}
	done := b.follow(b.postForm("/login/verify", with(fields, "method", "EMAIL_OTP", "code", e.lastCode("grace@example.com"))))
	loc, _ := url.Parse(done.Header.Get("Location"))
	v, err := e.svc.Validate(context.Background(), e.tenant, loc.Query().Get("token"), "grace", "signIn")
	if err != nil || !v.IsValid || v.Action.VerificationMethod != model.MethodEmailOTP {
		t.Errorf("validate after enrolment = %+v, %v; want valid by EMAIL_OTP", v, err)
	}
}

// Five wrong codes end the challenge: the page says so and offers the way
// back to the app, which learns CHALLENGE_FAILED from validate.
func TestTooManyWrongCodes(t *testing.T) {
	e := newEnv(t)
	e.emailUser("ada")
	path, res := e.track("ada")
	b := e.browser()
	fields := b.get(path).fields(t)
	b.follow(b.postForm("/login/email", fields))
	var last page
	for range 5 {
		last = b.postForm("/login/verify", with(fields, "method", "EMAIL_OTP", "code", "000000"))
	}
	if last.StatusCode != http.StatusForbidden || !last.has("Too many wrong codes") || !last.has("Return to the app") {
		t.Fatalf("after five wrong codes: status %d: %s", last.StatusCode, last.body)
	}
	a, err := e.st.Action(context.Background(), e.tenant.ID, res.Action.IdempotencyKey)
	if err != nil || a.State != model.StateChallengeFailed {
		t.Errorf("action state %s, %v; want CHALLENGE_FAILED", a.State, err)
	}
	back := b.get(strings.Replace(path, "/login?", "/login/finish?", 1))
	if !strings.HasPrefix(back.Header.Get("Location"), appURL+"?token=") {
		t.Errorf("Return to the app: status %d, Location %q", back.StatusCode, back.Header.Get("Location"))
	}
}

// Asking for a code again too soon keeps the code already sent; a new one
// comes once the wait is over.
func TestResendWaitsAndSends(t *testing.T) {
	e := newEnv(t)
	email := e.emailUser("ada")
	path, _ := e.track("ada")
	b := e.browser()
	fields := b.get(path).fields(t)
	b.follow(b.postForm("/login/email", fields))
	first := e.lastCode(email)

	soon := b.follow(b.postForm("/login/resend", with(fields, "method", "EMAIL_OTP")))
	if !soon.has("You can ask for a new code in 30 seconds.") {
		t.Errorf("resend at once: %s", soon.body)
	}
	if e.lastCode(email) != first {
		t.Errorf("a code was sent although the last one was just sent")
	}
	e.clock.Advance(31 * time.Second)
	later := b.follow(b.postForm("/login/resend", with(fields, "method", "EMAIL_OTP")))
	if !later.has("We sent you a new code.") {
		t.Errorf("resend after the wait: %s", later.body)
	}
	if d := e.inbox.List(); len(d) != 2 {
		t.Errorf("%d emails sent, want 2", len(d))
	}
}

// A user with a phone number is offered "Text me a code" and signs in
// with it.
func TestTextMessageCode(t *testing.T) {
	e := newEnv(t)
	const phone = "+14155550142"
	if _, err := e.svc.EnrollVerified(context.Background(), e.tenant.ID, "ada",
		model.Authenticator{Method: model.MethodSMS, PhoneNumber: phone}); err != nil {
		t.Fatal(err)
	}
	path, _ := e.track("ada")
	b := e.browser()
	challenge := b.get(path)
	if !challenge.has("Text me a code") || !challenge.has("the number ending 42") {
		t.Fatalf("challenge page: %s", challenge.body)
	}
	fields := challenge.fields(t)
	code := b.follow(b.postForm("/login/sms", fields))
	if !code.has("We sent a 6-digit code to the number ending 42.") {
		t.Fatalf("code page: %s", code.body)
	}
	done := b.follow(b.postForm("/login/verify", with(fields, "method", "SMS", "code", e.lastCode(phone))))
	loc, _ := url.Parse(done.Header.Get("Location"))
	v, err := e.svc.Validate(context.Background(), e.tenant, loc.Query().Get("token"), "ada", "signIn")
	if err != nil || !v.IsValid || v.Action.VerificationMethod != model.MethodSMS {
		t.Errorf("validate = %+v, %v; want valid by SMS", v, err)
	}
}

// The page offers only the methods the action permits.
func TestOnlyPermittedMethodsOffered(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.emailUser("ada")
	if _, err := e.svc.EnrollVerified(ctx, e.tenant.ID, "ada",
		model.Authenticator{Method: model.MethodSMS, PhoneNumber: "+14155550142"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.policy.CreateActionConfig(ctx, e.tenant, model.ActionConfig{Code: "signIn",
		VerificationMethods: []model.VerificationMethod{model.MethodEmailOTP}}); err != nil {
		t.Fatal(err)
	}
	path, _ := e.track("ada")
	b := e.browser()
	page := b.get(path)
	methods := b.get(strings.Replace(path, "/login?", "/login/methods?", 1))
	if !page.has("Email me a code") || page.has("Text me a code") || page.has(">Use another method</a>") || methods.has("Text me a code") {
		t.Errorf("an action permitting only EMAIL_OTP offers:\n%s\n%s", page.body, methods.body)
	}
	fields := page.fields(t)
	if p := b.postForm("/login/sms", fields); p.StatusCode == http.StatusSeeOther {
		t.Errorf("a text code was sent for an action that does not permit SMS")
	}
}

// Ten wrong codes in a row, over two sign-ins, lock email codes for the
// user: the page says so in words, with when to try again, refuses even
// the right code, and sends none until the lock ends.
func TestLockedMethodSaysWhenToTryAgain(t *testing.T) {
	e := newEnv(t)
	email := e.emailUser("ada")
	wrongSignIn := func() {
		t.Helper()
		path, _ := e.track("ada")
		b := e.browser()
		fields := b.get(path).fields(t)
		b.follow(b.postForm("/login/email", fields))
		for range 5 {
			b.postForm("/login/verify", with(fields, "method", "EMAIL_OTP", "code", "000000"))
		}
		e.clock.Advance(31 * time.Second)
	}
	// A sign-in whose code went out before the lock.
	path, _ := e.track("ada")
	b := e.browser()
	fields := b.get(path).fields(t)
	b.follow(b.postForm("/login/email", fields))
	code := e.lastCode(email)
	e.clock.Advance(31 * time.Second)
	wrongSignIn()
	wrongSignIn()

	const words = "Too many wrong codes were entered. For your security, email codes are paused for your account. Try again in"
	right := b.postForm("/login/verify", with(fields, "method", "EMAIL_OTP", "code", code))
	if right.StatusCode != http.StatusTooManyRequests || !right.has(words) || !right.has("15 minutes, or use another method.") {
		t.Fatalf("the right code during the lock: status %d: %s", right.StatusCode, right.body)
	}
	sends := len(e.inbox.List())
	again := b.follow(b.postForm("/login/resend", with(fields, "method", "EMAIL_OTP")))
	if !again.has(words) {
		t.Errorf("asking for a new code during the lock: %s", again.body)
	}
	if n := len(e.inbox.List()); n != sends {
		t.Errorf("%d emails sent during the lock", n-sends)
	}
	e.clock.Advance(15 * time.Minute)
	path, _ = e.track("ada")
	b = e.browser()
	fields = b.get(path).fields(t)
	b.follow(b.postForm("/login/email", fields))
	done := b.postForm("/login/verify", with(fields, "method", "EMAIL_OTP", "code", e.lastCode(email)))
	if done.StatusCode != http.StatusSeeOther {
		t.Errorf("the right code after the lock: status %d: %s", done.StatusCode, done.body)
	}
}

// A user with nothing enrolled whose app gave their email confirms that
// address: whoever holds the sign-in link cannot make another mailbox the
// user's way in.
func TestEnrolmentConfirmsTheAddressTheAppGave(t *testing.T) {
	e := newEnv(t)
	res, err := e.svc.Track(context.Background(), e.tenant, actions.TrackInput{UserID: "pre", ActionCode: "signIn",
		RedirectURL: appURL, Email: "victim@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(res.URL)
	b := e.browser()
	enrol := b.get(u.RequestURI())
	if !strings.Contains(enrol.body, `value="victim@example.com" required readonly`) {
		t.Fatalf("the enrolment page does not show the app's address read-only: %s", enrol.body)
	}
	fields := enrol.fields(t)
	other := b.postForm("/login/enroll/email", with(fields, "email", "attacker@evil.example"))
	if other.StatusCode != http.StatusForbidden || !other.has("Confirm the address your account has") {
		t.Fatalf("another address: status %d: %s", other.StatusCode, other.body)
	}
	if n := len(e.inbox.List()); n != 0 {
		t.Fatalf("%d emails sent for another address", n)
	}
	code := b.follow(b.postForm("/login/enroll/email", with(fields, "email", "victim@example.com")))
	if !code.has("We sent a 6-digit code to v•••@example.com.") {
		t.Fatalf("the app's address: %s", code.body)
	}
}
