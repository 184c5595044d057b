package hosted_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/testclock"
)

// An action.verify webhook answering 403 keeps the action
// CHALLENGE_REQUIRED and the page says the sign-in was refused; once the
// app answers 200 the same code completes it.
func TestActionVerifyRefusalShowsOnThePage(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "u.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c := testclock.New(time.Now().UTC())
	inbox := notify.NewInbox(nil, 0, c.Now)
	log := slog.New(slog.DiscardHandler)
	uplift := app.New(app.Options{Store: st, Log: log, PublicURL: "http://localhost:8080", Now: c.Now, Email: inbox, SMS: inbox,
		WebhookAllowPrivate: true})
	tn, _, err := uplift.Tenancy.CreateTenant(ctx, tenancy.NewTenant{Name: "Hosted test"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(uplift, log).Handler())
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, svc: uplift.Actions, tn: uplift.Tenancy, policy: uplift.Policy, st: st, inbox: inbox, tenant: tn, clock: c}

	var answer atomic.Int32
	answer.Store(http.StatusForbidden)
	var bodies []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Signature-V2") == "" {
			t.Errorf("action.verify without a signature")
		}
		bodies = append(bodies, string(b))
		w.WriteHeader(int(answer.Load()))
	}))
	t.Cleanup(hook.Close)
	if _, err := uplift.Policy.CreateActionConfig(ctx, tn, model.ActionConfig{Code: "signIn", DefaultOutcome: model.OutcomeChallenge}); err != nil {
		t.Fatal(err)
	}
	if err := uplift.Webhooks.SetActionVerificationURL(ctx, tn.ID, "signIn", hook.URL); err != nil {
		t.Fatal(err)
	}

	e.emailUser("ada")
	path, res := e.track("ada")
	b := e.browser()
	fields := b.get(path).fields(t)
	b.follow(b.postForm("/login/email", fields))
	code := e.lastCode("ada@example.com")
	refused := b.postForm("/login/verify", with(fields, "method", "EMAIL_OTP", "code", code))
	if refused.StatusCode != http.StatusForbidden || !refused.has("The sign-in was refused") {
		t.Fatalf("refused verify: %d %s", refused.StatusCode, refused.body)
	}
	a, err := st.Action(ctx, tn.ID, res.Action.IdempotencyKey)
	if err != nil || a.State != model.StateChallengeRequired {
		t.Fatalf("action after the refusal = %s, %v; want CHALLENGE_REQUIRED", a.State, err)
	}
	if len(bodies) != 1 || !strings.Contains(bodies[0], `"type":"action.verify"`) || !strings.Contains(bodies[0], `"userId":"ada"`) ||
		!strings.Contains(bodies[0], `"state":"CHALLENGE_SUCCEEDED"`) || strings.Contains(bodies[0], code) {
		t.Fatalf("action.verify bodies = %q", bodies)
	}

	answer.Store(http.StatusOK)
	done := b.postForm("/login/verify", with(fields, "method", "EMAIL_OTP", "code", code))
	if done.StatusCode != http.StatusSeeOther {
		t.Fatalf("approved verify: %d %s", done.StatusCode, done.body)
	}
	if a, _ := st.Action(ctx, tn.ID, res.Action.IdempotencyKey); a.State != model.StateChallengeSucceeded {
		t.Fatalf("action after approval = %s", a.State)
	}
}
