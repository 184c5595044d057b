package codes_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/i18n"
	"github.com/uplift-dev/uplift/internal/model"
)

// A code sent through the Client API, with no page to speak for, is in
// the action's locale, else the user's, else the tenant's default; a
// language the caller's context carries (a hosted page's) comes first.
func TestCodeMessagesSpeakTheUsersLanguage(t *testing.T) {
	e := newLinkEnv(t)
	ctx := context.Background()
	e.Do(e.secret, "POST", "/v1/users/ada/authenticators",
		map[string]any{"verificationMethod": "EMAIL_OTP", "email": "ada@example.com"}).MustOK(t)
	send := func(ctx context.Context, body map[string]any) string {
		t.Helper()
		tok := e.Do(e.secret, "POST", "/v1/users/ada/actions/signIn", body).MustOK(t).Str("token")
		c, err := e.App.Tenancy.ClientByToken(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Codes.ChallengeContact(ctx, c, model.MethodEmailOTP); err != nil {
			t.Fatal(err)
		}
		m, err := e.mail.Last("ada@example.com")
		if err != nil {
			t.Fatal(err)
		}
		subject, err := m.Header("Subject")
		if err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Minute) // past the send throttle
		return subject
	}
	if got := send(ctx, map[string]any{"locale": "de"}); !strings.HasPrefix(got, "Ihr Bestätigungscode für Acme lautet ") {
		t.Errorf("track's locale de: subject %q", got)
	}
	// The user keeps the locale track gave, for a later action without one.
	if got := send(ctx, map[string]any{}); !strings.HasPrefix(got, "Ihr Bestätigungscode") {
		t.Errorf("the user's locale de: subject %q", got)
	}
	ja, _ := i18n.Get("ja")
	if got := send(i18n.WithLang(ctx, ja), map[string]any{"locale": "de"}); !strings.HasPrefix(got, "Acme の確認コードは ") {
		t.Errorf("a page's language ja: subject %q", got)
	}
}
