package hosted_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/policy"
)

func TestPromptDontAskAgain(t *testing.T) {
	e := newEnv(t)
	email := e.emailUser("ada")
	b := e.browser()

	// Not offered: no button, and the choice is refused.
	_, right := signInWithEmail(t, e, b, "ada", email, platformCaps)
	prompt := b.follow(right)
	if strings.Contains(prompt.body, "Don't ask again") {
		t.Fatalf("the prompt offers Don't ask again while the tenant does not:\n%s", prompt.body)
	}
	if p := b.postForm("/login/prompt", with(prompt.fields(t), "choice", "optout")); p.StatusCode != http.StatusBadRequest {
		t.Errorf("opting out where not offered: status %d, want 400", p.StatusCode)
	}

	if _, err := e.policy.UpdatePasskeySettings(context.Background(), e.tenant.ID, func(ps *policy.PasskeySettings) {
		ps.Passkey.EnrollmentPromptAllowOptOut = true
	}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute) // past the send throttle
	_, right = signInWithEmail(t, e, b, "ada", email, platformCaps)
	prompt = b.follow(right)
	if !prompt.has(`<button type="submit" name="choice" value="optout" class="secondary">Don't ask again</button>`) {
		t.Fatalf("no Don't ask again button:\n%s", prompt.body)
	}
	fields := prompt.fields(t)
	if p := b.postForm("/login/prompt", with(fields, "choice", "optout", "csrf", "AAAA")); p.StatusCode != http.StatusForbidden {
		t.Errorf("opt-out with a wrong CSRF field: status %d, want 403", p.StatusCode)
	}
	final := b.follow(b.postForm("/login/prompt", with(fields, "choice", "optout")))
	if !strings.HasPrefix(final.Header.Get("Location"), appURL+"?token=") {
		t.Errorf("after Don't ask again: status %d, Location %q", final.StatusCode, final.Header.Get("Location"))
	}
	// The next sign-in, on this browser or a new one, goes straight back.
	for _, br := range []*browser{b, e.browser()} {
		e.clock.Advance(time.Minute)
		_, right = signInWithEmail(t, e, br, "ada", email, platformCaps)
		if done := br.follow(right); !strings.HasPrefix(done.Header.Get("Location"), appURL+"?token=") {
			t.Errorf("after opting out: status %d, Location %q; want straight back to the app", done.StatusCode, done.Header.Get("Location"))
		}
	}
	evs := e.events("ada")
	if n := slices.Index(evs, "opted_out"); n < 0 {
		t.Errorf("uplift events %v: want the opted_out choice", evs)
	}
	if n := strings.Count(strings.Join(evs, " "), "evaluated:opted_out"); n != 2 {
		t.Errorf("uplift events %v: want two decisions hidden by opted_out", evs)
	}
}
