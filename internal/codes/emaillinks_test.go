package codes_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/codes"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/notify/notifytest"
	"github.com/uplift-dev/uplift/internal/pgtest"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// linkEnv is Uplift in process with a real SMTP server receiving its
// emails, and a tenant whose user ada has an email link authenticator.
type linkEnv struct {
	*apitest.Env
	mail   *notifytest.SMTPServer
	tenant model.Tenant
	secret string
}

func newLinkEnv(t *testing.T) *linkEnv {
	t.Helper()
	return newLinkEnvOn(t, "")
}

// newLinkEnvOn starts the environment on the database at dbURL ("" for
// a new SQLite file).
func newLinkEnvOn(t *testing.T, dbURL string) *linkEnv {
	t.Helper()
	e := &linkEnv{mail: notifytest.StartSMTP(t)}
	email, err := notify.NewSMTPSender(e.mail.URL(), "no-reply@example.com")
	if err != nil {
		t.Fatal(err)
	}
	e.Env = apitest.NewWith(t, apitest.Options{Email: email, DatabaseURL: dbURL})
	e.tenant, e.secret = e.Tenant("Acme")
	e.Do(e.secret, "POST", "/v1/users/ada/authenticators",
		map[string]any{"verificationMethod": "EMAIL_MAGIC_LINK", "email": "ada@example.com"}).MustOK(t)
	return e
}

// caller tracks an action for user and returns its Client API caller.
func (e *linkEnv) caller(user string) tenancy.ClientCaller {
	e.T.Helper()
	tok := e.Do(e.secret, "POST", "/v1/users/"+user+"/actions/signIn", map[string]any{}).MustOK(e.T).Str("token")
	c, err := e.App.Tenancy.ClientByToken(context.Background(), tok)
	if err != nil {
		e.T.Fatal(err)
	}
	return c
}

// link is what an email link names.
type link struct{ tenant, challenge, secret string }

var linkPattern = regexp.MustCompile(`https?://\S+` + regexp.QuoteMeta(codes.LinkPath) + `\?\S+`)

// lastLink reads the link in the newest email to addr.
func (e *linkEnv) lastLink(addr string) link {
	e.T.Helper()
	m, err := e.mail.Last(addr)
	if err != nil {
		e.T.Fatalf("email to %s: %v", addr, err)
	}
	text, err := m.Part("text/plain")
	if err != nil {
		e.T.Fatal(err)
	}
	raw := linkPattern.FindString(text)
	u, err := url.Parse(raw)
	if raw == "" || err != nil {
		e.T.Fatalf("no link in %q", text)
	}
	q := u.Query()
	return link{q.Get("t"), q.Get("c"), q.Get("s")}
}

func (e *linkEnv) open(l link) (codes.LinkOpened, error) {
	return e.App.Codes.OpenEmailLink(context.Background(), l.tenant, l.challenge, l.secret)
}

// wantCode fails unless err is a model error with code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	var me *model.Error
	if !errors.As(err, &me) || me.Code != code {
		t.Errorf("%s: %v, want %s", what, err, code)
	}
}

func TestEmailLinkSignIn(t *testing.T) {
	e := newLinkEnv(t)
	ctx := context.Background()
	c := e.caller("ada")
	id, err := e.App.Codes.ChallengeEmailLink(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	l := e.lastLink("ada@example.com")
	if l.tenant != e.tenant.ID || l.challenge != id || len(l.secret) < 43 {
		t.Fatalf("link %+v, want tenant %s, challenge %s and a secret of 256 bits", l, e.tenant.ID, id)
	}

	// At rest only the secret's hash is kept.
	stored, err := e.Store.EmailLinkChallenge(ctx, e.tenant.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(l.secret))
	if string(stored.CodeHash) != string(sum[:]) || strings.Contains(string(stored.CodeHash), l.secret) {
		t.Errorf("stored hash %x, want the secret's SHA-256", stored.CodeHash)
	}
	if got := stored.ExpiresAt.Sub(stored.CreatedAt); got != 10*time.Minute {
		t.Errorf("link valid for %v, want 10 minutes", got)
	}

	if v, err := e.App.Codes.EmailLinkStatus(ctx, c); err != nil || v.IsVerified || v.AccessToken != "" || v.FailureReason != "" {
		t.Fatalf("status before opening: %+v, %v", v, err)
	}
	opened, err := e.open(l)
	if err != nil || opened.TenantName != "Acme" || opened.Enrolled {
		t.Fatalf("open: %+v, %v", opened, err)
	}
	v, err := e.App.Codes.EmailLinkStatus(ctx, c)
	if err != nil || !v.IsVerified || v.AccessToken == "" {
		t.Fatalf("status after opening: %+v, %v", v, err)
	}
	a, err := e.App.Actions.TokenAction(ctx, *c.Claims)
	if err != nil || a.State != model.StateChallengeSucceeded || a.VerificationMethod != model.MethodEmailMagicLink {
		t.Errorf("action after opening: %s by %s, %v; want CHALLENGE_SUCCEEDED by EMAIL_MAGIC_LINK", a.State, a.VerificationMethod, err)
	}
	_, err = e.open(l)
	wantCode(t, "opening it again", err, "link_used")
}

func TestEmailLinkRefusals(t *testing.T) {
	e := newLinkEnv(t)
	ctx := context.Background()
	c := e.caller("ada")
	if _, err := e.App.Codes.ChallengeEmailLink(ctx, c); err != nil {
		t.Fatal(err)
	}
	l := e.lastLink("ada@example.com")
	other, _ := e.Tenant("Other")
	wrong := []byte(l.secret)
	wrong[0] ^= 1
	for name, bad := range map[string]link{
		"a wrong secret":          {l.tenant, l.challenge, string(wrong)},
		"a shorter secret":        {l.tenant, l.challenge, l.secret[:len(l.secret)-1]},
		"no secret":               {l.tenant, l.challenge, ""},
		"another tenant":          {other.ID, l.challenge, l.secret},
		"no such tenant":          {"t_nope", l.challenge, l.secret},
		"another challenge id":    {l.tenant, l.challenge + "x", l.secret},
		"a NUL byte":              {l.tenant, l.challenge, l.secret + "\x00"},
		"an absurdly long secret": {l.tenant, l.challenge, strings.Repeat("a", 10_000)},
	} {
		_, err := e.open(bad)
		wantCode(t, name, err, "link_invalid")
	}
	// The guesses counted nothing: the challenge and the user's standing
	// are as they were, and the link still works.
	stored, err := e.Store.EmailLinkChallenge(ctx, l.tenant, l.challenge)
	if err != nil || stored.Attempts != 0 || !stored.VerifiedAt.IsZero() {
		t.Errorf("after wrong links: attempts %d, verified %v, %v", stored.Attempts, stored.VerifiedAt, err)
	}
	if locks, err := e.App.Codes.CodeLocks(ctx, e.tenant.ID, "ada"); err != nil || len(locks) != 0 {
		t.Errorf("after wrong links: locks %+v, %v", locks, err)
	}

	// A newer link replaces it (after the send throttle's 30 seconds).
	e.Clock.Advance(31 * time.Second)
	if _, err := e.App.Codes.ChallengeEmailLink(ctx, c); err != nil {
		t.Fatal(err)
	}
	newer := e.lastLink("ada@example.com")
	_, err = e.open(l)
	wantCode(t, "a replaced link", err, "link_replaced")

	// Past ten minutes it has expired, and the page that asked hears so.
	e.Clock.Advance(10 * time.Minute)
	_, err = e.open(newer)
	wantCode(t, "an expired link", err, "link_expired")
	if v, err := e.App.Codes.EmailLinkStatus(ctx, c); err != nil || v.IsVerified || v.FailureReason != "CODE_INVALID_OR_EXPIRED" {
		t.Errorf("status of an expired link: %+v, %v", v, err)
	}
}

// TestEmailLinkStatusNeedsTheAction: only a token of the user and action
// the link was sent for learns of it.
func TestEmailLinkStatusNeedsTheAction(t *testing.T) {
	e := newLinkEnv(t)
	ctx := context.Background()
	c := e.caller("ada")
	if _, err := e.App.Codes.ChallengeEmailLink(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := e.open(e.lastLink("ada@example.com")); err != nil {
		t.Fatal(err)
	}
	for name, other := range map[string]tenancy.ClientCaller{"another user": e.caller("bob"), "another action": e.caller("ada")} {
		v, err := e.App.Codes.EmailLinkStatus(ctx, other)
		if !errors.Is(err, model.ErrInvalid) || v.IsVerified || v.AccessToken != "" {
			t.Errorf("status with %s's token: %+v, %v; want a refusal", name, v, err)
		}
	}
}

// TestEmailLinkOpenedAtOnce: of many openings at the same moment, one
// completes the challenge and the others find the link used, on SQLite
// and on PostgreSQL.
func TestEmailLinkOpenedAtOnce(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { openAtOnce(t, newLinkEnv(t)) })
	t.Run("postgres", func(t *testing.T) { openAtOnce(t, newLinkEnvOn(t, pgtest.URL(t))) })
}

func openAtOnce(t *testing.T, e *linkEnv) {
	if _, err := e.App.Codes.ChallengeEmailLink(context.Background(), e.caller("ada")); err != nil {
		t.Fatal(err)
	}
	l := e.lastLink("ada@example.com")
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = e.open(l) }()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			wantCode(t, "a concurrent opening", err, "link_used")
		}
	}
	if ok != 1 {
		t.Errorf("%d openings succeeded, want 1", ok)
	}
}
