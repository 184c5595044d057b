package clientapi_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/codes"
	"github.com/uplift-dev/uplift/internal/pgtest"
	"github.com/uplift-dev/uplift/internal/store"
)

// databases names the databases the abuse-limit tests run on: SQLite
// always, PostgreSQL when the suite has one.
var databases = []struct {
	name string
	url  func(t *testing.T) string
}{
	{"sqlite", func(*testing.T) string { return "" }},
	{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
}

// codeMethod is one method signed in with a code, as the lockout test
// drives it.
type codeMethod struct {
	name string
	path string // the Client API's name: email-otp, sms, totp
	// enrol gives the user the method and returns what sign-in needs.
	enrol func(c *codeEnv, user string) string
	// send sends a sign-in code for the token's action, if the method
	// sends codes, and returns the response.
	send func(c *codeEnv, tok string) apitest.Response
	// right returns the right code for the latest send (or the app now).
	right func(c *codeEnv, enrolled string) string
}

var codeMethods = []codeMethod{
	{
		name: "authenticator app", path: "totp",
		enrol: func(c *codeEnv, user string) string {
			tok := c.track(user, "signUp", nil)
			secret := c.call(tok, "/v1/client/user-authenticators/totp", nil, 200).Str("secret")
			if v := c.verify(tok, "totp", mustCode(c.T.(*testing.T), secret, c.Clock.Now())); v.JSON["isVerified"] != true {
				c.T.Fatalf("enrol the app: %s", v.Body)
			}
			c.Clock.Advance(time.Minute) // the next step's code is new
			return secret
		},
		send: func(*codeEnv, string) apitest.Response { return apitest.Response{Status: 200} },
		right: func(c *codeEnv, secret string) string {
			return mustCode(c.T.(*testing.T), secret, c.Clock.Now())
		},
	},
	{
		name: "email", path: "email-otp",
		enrol: func(c *codeEnv, user string) string { return c.enrolledByEmail(user) },
		send: func(c *codeEnv, tok string) apitest.Response {
			return c.Client(tok, "POST", "/v1/client/challenge/email-otp", nil)
		},
		right: func(c *codeEnv, addr string) string { return c.emailCode(addr) },
	},
	{
		name: "text message", path: "sms",
		enrol: func(c *codeEnv, user string) string {
			const number = "+64210000042"
			c.Do(c.secret, "POST", "/v1/users/"+user+"/authenticators",
				map[string]any{"verificationMethod": "SMS", "phoneNumber": number}).MustOK(c.T)
			return number
		},
		send: func(c *codeEnv, tok string) apitest.Response {
			return c.Client(tok, "POST", "/v1/client/challenge/sms", nil)
		},
		right: func(c *codeEnv, number string) string { return c.smsCode(number) },
	},
}

// TestWrongCodesLockTheMethodAcrossActions guesses codes as an attacker
// holding the user's session would: thirty actions, five wrong codes in
// each. Only ten are judged; the lock then refuses even the right code,
// until it ends.
func TestWrongCodesLockTheMethodAcrossActions(t *testing.T) {
	for _, db := range databases {
		for _, m := range codeMethods {
			t.Run(db.name+"/"+m.name, func(t *testing.T) {
				c := newCodeEnvWith(t, apitest.Options{DatabaseURL: db.url(t)})
				user := "victim-" + m.path
				enrolled := m.enrol(c, user)

				// An action whose code goes out before the guessing starts:
				// its right code is tried during the lock.
				pending := c.track(user, "signIn", nil)
				if r := m.send(c, pending); r.Status != 200 {
					t.Fatalf("send: %d %s", r.Status, r.Body)
				}
				pendingCode := m.right(c, enrolled)

				judged, locked := 0, 0
				for i := range 30 {
					if i < 3 {
						c.Clock.Advance(31 * time.Second) // past the send throttle
					}
					tok := c.track(user, "signIn", nil)
					if r := m.send(c, tok); r.Status != 200 {
						wantAPIError(t, r, 429, "too_many_requests", "too many wrong codes")
						locked++
						continue
					}
					right := m.right(c, enrolled)
					for range 5 {
						r := c.verify(tok, m.path, wrongCode(right))
						switch reason := r.Str("failureReason"); reason {
						case "CODE_INVALID_OR_EXPIRED", "MAX_ATTEMPTS_EXCEEDED":
							judged++
						case "TOO_MANY_ATTEMPTS":
							locked++
						default:
							t.Fatalf("wrong code answered %s", r.Body)
						}
					}
				}
				if judged != 10 {
					t.Errorf("%d wrong codes judged, want 10 before the lock", judged)
				}
				if locked == 0 {
					t.Error("nothing was refused for the lock")
				}

				// During the lock the right code does not verify, and the
				// answer says for how long.
				var r apitest.Response
				if m.path == "totp" {
					r = c.verify(c.track(user, "signIn", nil), m.path, m.right(c, enrolled))
				} else {
					r = c.verify(pending, m.path, pendingCode)
				}
				wantFailure(t, r, "TOO_MANY_ATTEMPTS")
				if s, _ := strconv.Atoi(r.Header.Get("Retry-After")); s <= 0 || s > 15*60 {
					t.Errorf("Retry-After = %q, want up to 900 seconds", r.Header.Get("Retry-After"))
				}

				// Once the lock ends the right code verifies again.
				c.Clock.Advance(15 * time.Minute)
				tok := c.track(user, "signIn", nil)
				if r := m.send(c, tok); r.Status != 200 {
					t.Fatalf("send after the lock: %d %s", r.Status, r.Body)
				}
				if v := c.verify(tok, m.path, m.right(c, enrolled)); v.JSON["isVerified"] != true {
					t.Errorf("right code after the lock: %s", v.Body)
				}
			})
		}
	}
}

// TestLockHoldsUntilItEnds checks the lock's end to the second, and that
// it covers the Server API's codes for the same user.
func TestLockHoldsUntilItEnds(t *testing.T) {
	c := newCodeEnv(t)
	addr := c.enrolledByEmail("lu")
	for range 2 {
		c.Clock.Advance(31 * time.Second)
		tok := c.track("lu", "signIn", nil)
		c.call(tok, "/v1/client/challenge/email-otp", nil, 200)
		code := c.emailCode(addr)
		for range 5 {
			c.verify(tok, "email-otp", wrongCode(code))
		}
	}
	// The Server API's challenge for the same user is refused too.
	r := c.Do(c.secret, "POST", "/v1/challenge", map[string]any{"verificationMethod": "EMAIL_OTP",
		"action": "signIn", "email": addr, "userId": "lu"})
	wantAPIError(t, r, 429, "too_many_requests", "locked")
	if got := r.Header.Get("Retry-After"); got != "900" {
		t.Errorf("Retry-After = %q, want 900", got)
	}
	c.Clock.Advance(15*time.Minute - time.Second)
	r = c.Client(c.track("lu", "signIn", nil), "POST", "/v1/client/challenge/email-otp", nil)
	wantAPIError(t, r, 429, "too_many_requests", "1 seconds")
	c.Clock.Advance(time.Second)
	c.call(c.track("lu", "signIn", nil), "/v1/client/challenge/email-otp", nil, 200)
}

// TestRightCodeResetsTheCount checks that wrong codes count in a row:
// a right one in between starts the count again.
func TestRightCodeResetsTheCount(t *testing.T) {
	c := newCodeEnv(t)
	addr := c.enrolledByEmail("rc")
	round := func(wrong int, thenRight bool) {
		t.Helper()
		c.Clock.Advance(31 * time.Second)
		tok := c.track("rc", "signIn", nil)
		c.call(tok, "/v1/client/challenge/email-otp", nil, 200)
		code := c.emailCode(addr)
		for range wrong {
			wantFailure(t, c.verify(tok, "email-otp", wrongCode(code)), "CODE_INVALID_OR_EXPIRED")
		}
		if thenRight {
			if v := c.verify(tok, "email-otp", code); v.JSON["isVerified"] != true {
				t.Fatalf("right code: %s", v.Body)
			}
		}
	}
	round(4, true)
	round(4, true)
	round(4, false)
	round(4, false) // twelve wrong in all, eight in a row: no lock
	c.Clock.Advance(31 * time.Second)
	c.call(c.track("rc", "signIn", nil), "/v1/client/challenge/email-otp", nil, 200)
}

// TestSendsThrottledPerDestination asks for codes to one phone number and
// one email address as ten different users, as an SMS bomber would: one
// send to each address, the rest refused.
func TestSendsThrottledPerDestination(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			c := newCodeEnvWith(t, apitest.Options{DatabaseURL: db.url(t)})
			const number, email = "+64211230000", "Target@Example.com"
			// Through the Server API, ten user ids.
			for _, m := range []struct{ method, field, to string }{
				{"SMS", "phoneNumber", number},
				{"EMAIL_OTP", "email", email},
			} {
				ok := 0
				for i := range 10 {
					to := m.to
					if i%2 == 1 {
						to = strings.ToUpper(to) // the same mailbox, written otherwise
					}
					r := c.Do(c.secret, "POST", "/v1/challenge", map[string]any{"verificationMethod": m.method,
						"action": "signIn", m.field: to, "userId": fmt.Sprintf("bomb%d", i)})
					switch r.Status {
					case 200:
						ok++
					case 429:
						if r.Header.Get("Retry-After") == "" {
							t.Errorf("429 without Retry-After: %s", r.Body)
						}
					default:
						t.Fatalf("challenge %d: %d %s", i, r.Status, r.Body)
					}
				}
				if ok != 1 {
					t.Errorf("%s: %d of ten challenges to one address sent, want 1", m.method, ok)
				}
			}
			// Through the Client API, ten new users enrolling one number.
			c.Clock.Advance(10 * time.Second)
			ok := 0
			for i := range 10 {
				tok := c.track(fmt.Sprintf("new%d", i), "signUp", nil)
				r := c.Client(tok, "POST", "/v1/client/user-authenticators/sms", map[string]any{"phoneNumber": number})
				if r.Status == 200 {
					ok++
				} else if r.Status != 429 {
					t.Fatalf("enrol %d: %d %s", i, r.Status, r.Body)
				}
			}
			if ok != 0 {
				t.Errorf("%d enrolments texted the number within 30 s of the last text, want 0", ok)
			}
			if n := len(c.sms.Messages()); n != 1 {
				t.Errorf("%d texts sent to one number, want 1", n)
			}
			if n := len(c.mail.Messages()); n != 1 {
				t.Errorf("%d emails sent to one address, want 1", n)
			}
			// Thirty seconds after the first, the number may have one more.
			c.Clock.Advance(20 * time.Second)
			c.call(c.track("new0", "signUp", nil), "/v1/client/user-authenticators/sms",
				map[string]any{"phoneNumber": number}, 200)
		})
	}
}

// TestTenantCeilingOnSends spreads texts over many numbers, as toll fraud
// would: the tenant's ceiling stops them, says when to try again, and the
// log says it once.
func TestTenantCeilingOnSends(t *testing.T) {
	c := newCodeEnvWith(t, apitest.Options{SendCeilings: codes.SendCeilings{TextsPerHour: 3}})
	send := func(i int) apitest.Response {
		return c.Do(c.secret, "POST", "/v1/challenge", map[string]any{"verificationMethod": "SMS",
			"action": "signIn", "phoneNumber": fmt.Sprintf("+6421000%04d", i)})
	}
	for i := range 3 {
		if r := send(i); r.Status != 200 {
			t.Fatalf("send %d: %d %s", i, r.Status, r.Body)
		}
	}
	for i := 3; i < 6; i++ {
		wantAPIError(t, send(i), 429, "too_many_requests", "3 codes an hour by text message")
	}
	// Email has a ceiling of its own.
	c.Do(c.secret, "POST", "/v1/challenge", map[string]any{"verificationMethod": "EMAIL_OTP",
		"action": "signIn", "email": "someone@example.com"}).MustOK(t)
	if n := strings.Count(c.logs.String(), "ceiling on code sends"); n != 1 {
		t.Errorf("the log names the ceiling %d times, want once:\n%s", n, c.logs)
	}
	if n := len(c.sms.Messages()); n != 3 {
		t.Errorf("%d texts sent, want 3", n)
	}
	// The hour after next, sends go out again.
	c.Clock.Advance(2 * time.Hour)
	if r := send(9); r.Status != 200 {
		t.Errorf("send two hours later: %d %s", r.Status, r.Body)
	}
}

// TestLockAcrossInstancesOnePostgres guesses authenticator app codes at
// once on two instances sharing one PostgreSQL database, thirty actions
// with five guesses each: the instances agree, and exactly ten guesses
// are judged before the lock.
func TestLockAcrossInstancesOnePostgres(t *testing.T) {
	dbURL := pgtest.URL(t)
	first := newHarnessOn(t, dbURL, nil)
	second := newHarnessOn(t, dbURL, first)
	tok := first.track("eve", "signUp", nil)
	secret := first.must(first.do("POST", "/v1/client/user-authenticators/totp", bearer(tok), nil), 200).str("secret")
	first.must(first.do("POST", "/v1/client/verify/totp", bearer(tok),
		map[string]any{"verificationCode": mustCode(t, secret, first.clock.Now())}), 200)
	first.clock.Advance(time.Minute)
	right := mustCode(t, secret, first.clock.Now())

	tokens := make([]string, 30)
	for i := range tokens {
		tokens[i] = first.track("eve", "signIn", nil)
	}
	var mu sync.Mutex
	outcomes := map[string]int{}
	var wg sync.WaitGroup
	for i, tok := range tokens {
		h := []*harness{first, second}[i%2]
		wg.Go(func() {
			for range 5 {
				r := h.do("POST", "/v1/client/verify/totp", bearer(tok), map[string]any{"verificationCode": wrongCode(right)})
				mu.Lock()
				outcomes[r.str("failureReason")+r.str("error")]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	judged := outcomes["CODE_INVALID_OR_EXPIRED"] + outcomes["MAX_ATTEMPTS_EXCEEDED"]
	if judged != 10 || outcomes["TOO_MANY_ATTEMPTS"] == 0 {
		t.Errorf("outcomes of 150 concurrent wrong codes = %v; want 10 judged, the rest refused", outcomes)
	}
	r := second.must(second.do("POST", "/v1/client/verify/totp", bearer(second.track("eve", "signIn", nil)),
		map[string]any{"verificationCode": right}), 200)
	if r.str("failureReason") != "TOO_MANY_ATTEMPTS" {
		t.Errorf("the right code during the lock: %s", r.raw)
	}
}

// TestLockHoldsOnChallengesWithoutAUser locks a user's text codes through
// Server API challenges that name them, then tries the paths that name no
// user: a code to the same number is refused, as the number is locked
// too, and a code verified at another number does not sign the locked
// user in.
func TestLockHoldsOnChallengesWithoutAUser(t *testing.T) {
	c := newCodeEnv(t)
	const number, other = "+64210000077", "+64210000078"
	c.Do(c.secret, "POST", "/v1/users/lu/authenticators",
		map[string]any{"verificationMethod": "SMS", "phoneNumber": number}).MustOK(t)
	for range 2 {
		c.Clock.Advance(31 * time.Second)
		id := c.Do(c.secret, "POST", "/v1/challenge", map[string]any{"verificationMethod": "SMS", "action": "signIn",
			"phoneNumber": number, "userId": "lu"}).MustOK(t).Str("challengeId")
		code := c.smsCode(number)
		for range 5 {
			c.Do(c.secret, "POST", "/v1/verify", map[string]any{"challengeId": id, "verificationCode": wrongCode(code)}).MustOK(t)
		}
	}
	c.Clock.Advance(31 * time.Second)
	r := c.Do(c.secret, "POST", "/v1/challenge", map[string]any{"verificationMethod": "SMS", "action": "signIn",
		"phoneNumber": number})
	wantAPIError(t, r, 429, "too_many_requests", "locked")

	id := c.Do(c.secret, "POST", "/v1/challenge", map[string]any{"verificationMethod": "SMS", "action": "signIn",
		"phoneNumber": other}).MustOK(t).Str("challengeId")
	v := c.Do(c.secret, "POST", "/v1/verify", map[string]any{"challengeId": id, "verificationCode": c.smsCode(other)}).MustOK(t)
	if v.JSON["isVerified"] != true {
		t.Fatalf("verify at the other number: %s", v.Body)
	}
	r = c.Do(c.secret, "POST", "/v1/users/lu/actions/signIn", map[string]any{"challengeId": id})
	wantAPIError(t, r, 429, "too_many_requests", "locked")
	// Once the lock ends, the same claim signs the user in.
	c.Clock.Advance(15 * time.Minute)
	id = c.Do(c.secret, "POST", "/v1/challenge", map[string]any{"verificationMethod": "SMS", "action": "signIn",
		"phoneNumber": other}).MustOK(t).Str("challengeId")
	c.Do(c.secret, "POST", "/v1/verify", map[string]any{"challengeId": id, "verificationCode": c.smsCode(other)}).MustOK(t)
	if s := c.Do(c.secret, "POST", "/v1/users/lu/actions/signIn", map[string]any{"challengeId": id}).MustOK(t).Str("state"); s != "CHALLENGE_SUCCEEDED" {
		t.Errorf("claim after the lock: state %s", s)
	}
}

// TestFirstEnrolmentKeepsTheAppsAddress enrols a first email through the
// Client API with a plain token: only the address the app gave the user
// is accepted, unless the app tracked with scope add:authenticators.
func TestFirstEnrolmentKeepsTheAppsAddress(t *testing.T) {
	c := newCodeEnv(t)
	tok := c.track("pre", "signUp", map[string]any{"email": "victim@example.com"})
	r := c.Client(tok, "POST", "/v1/client/user-authenticators/email-otp", map[string]any{"email": "attacker@evil.example"})
	wantAPIError(t, r, 403, "address_mismatch", "another email address")
	if n := len(c.mail.Messages()); n != 0 {
		t.Fatalf("%d emails sent", n)
	}
	c.call(tok, "/v1/client/user-authenticators/email-otp", map[string]any{"email": "Victim@Example.com"}, 200)
	// With the scope, the user may choose.
	c.Clock.Advance(31 * time.Second)
	scoped := c.track("pre2", "signUp", map[string]any{"email": "one@example.com", "scope": "add:authenticators"})
	c.call(scoped, "/v1/client/user-authenticators/email-otp", map[string]any{"email": "two@example.com"}, 200)
}

// TestAppEnrolmentAskedAgainStoresNothing asks for an authenticator app
// enrolment many times in one action: the secret is shown again and one
// challenge is stored; another action gets a secret of its own.
func TestAppEnrolmentAskedAgainStoresNothing(t *testing.T) {
	c := newCodeEnv(t)
	tok := c.track("tess", "signUp", nil)
	first := c.call(tok, "/v1/client/user-authenticators/totp", nil, 200).Str("secret")
	for range 20 {
		if again := c.call(tok, "/v1/client/user-authenticators/totp", nil, 200).Str("secret"); again != first {
			t.Fatalf("asked again, the secret changed: %s, then %s", first, again)
		}
	}
	var n int
	if err := c.Store.InTx(t.Context(), func(q store.Queries) error {
		rows, err := q.CodeSendTimes(t.Context(), c.tenant.ID, "user:tess", "AUTHENTICATOR_APP", c.Clock.Now().Add(-time.Hour))
		n = len(rows)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d enrolment challenges stored, want 1", n)
	}
	other := c.call(c.track("tess", "signUp", nil), "/v1/client/user-authenticators/totp", nil, 200).Str("secret")
	if other == first {
		t.Error("another action got the same secret")
	}
	if v := c.verify(tok, "totp", mustCode(t, first, c.Clock.Now())); v.JSON["isVerified"] != true {
		t.Errorf("the first secret's code: %s", v.Body)
	}
}
