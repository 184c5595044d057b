package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

// newLinkChallenge is an email link challenge: a code challenge of
// method EMAIL_MAGIC_LINK whose hash is the link secret's, unsalted.
func newLinkChallenge(tenantID, id string, kind model.CodeChallengeKind, created time.Time) model.CodeChallenge {
	c := newCodeChallenge(tenantID, id, kind, created)
	c.Method, c.Salt, c.MaxAttempts = model.MethodEmailMagicLink, nil, 1
	return c
}

func TestEmailLinkChallenge(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		other := mustCreateTenant(t, s, "other", at(0))
		link := newLinkChallenge(tn.ID, "l1", model.CodeSignIn, at(10))
		code := newCodeChallenge(tn.ID, "c1", model.CodeSignIn, at(10))
		for _, c := range []model.CodeChallenge{link, code} {
			if err := s.CreateCodeChallenge(ctx, c); err != nil {
				t.Fatalf("CreateCodeChallenge(%s): %v", c.ID, err)
			}
		}
		got, err := s.EmailLinkChallenge(ctx, tn.ID, "l1")
		if diff := cmp.Diff(got, link, cmpopts.EquateEmpty()); err != nil || diff != "" {
			t.Errorf("EmailLinkChallenge: %v (-got +want):\n%s", err, diff)
		}
		for name, q := range map[string][2]string{
			"another tenant's": {other.ID, "l1"}, "an email code": {tn.ID, "c1"}, "no such": {tn.ID, "l2"},
		} {
			if _, err := s.EmailLinkChallenge(ctx, q[0], q[1]); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("EmailLinkChallenge of %s challenge: %v, want not found", name, err)
			}
		}

		// Opening it is the attempt that verifies it, once.
		opened := got
		opened.Attempts, opened.VerifiedAt = 1, at(20)
		if err := s.RecordCodeAttempt(ctx, opened, 0); err != nil {
			t.Fatalf("RecordCodeAttempt: %v", err)
		}
		if err := s.RecordCodeAttempt(ctx, opened, 0); !errors.Is(err, model.ErrStale) {
			t.Errorf("opening it twice: %v, want stale", err)
		}
		if got, _ := s.EmailLinkChallenge(ctx, tn.ID, "l1"); !got.VerifiedAt.Equal(at(20)) {
			t.Errorf("verified at %v, want %v", got.VerifiedAt, at(20))
		}
	})
}

// TestEmailSendsCountTogether: email codes and email links reach the
// same mailbox, so each counts against the other's send throttles, by
// user and by destination; text messages do not.
func TestEmailSendsCountTogether(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		code := newCodeChallenge(tn.ID, "c1", model.CodeSignIn, at(10))
		link := newLinkChallenge(tn.ID, "l1", model.CodeSignIn, at(20))
		link.Email = "U1+news@Example.com" // the same mailbox as code's
		text := newCodeChallenge(tn.ID, "s1", model.CodeSignIn, at(30))
		text.Method, text.Email, text.PhoneNumber = model.MethodSMS, "", "+64211234567"
		for _, c := range []model.CodeChallenge{code, link, text} {
			if err := s.CreateCodeChallenge(ctx, c); err != nil {
				t.Fatalf("CreateCodeChallenge(%s): %v", c.ID, err)
			}
		}
		want := []time.Time{at(10), at(20)}
		for _, m := range []model.VerificationMethod{model.MethodEmailOTP, model.MethodEmailMagicLink} {
			got, err := s.CodeSendTimes(ctx, tn.ID, "user:u1", m, at(0))
			if err != nil || !cmp.Equal(got, want) {
				t.Errorf("CodeSendTimes(%s) = %v, %v; want %v", m, got, err, want)
			}
			got, err = s.CodeSendTimesTo(ctx, tn.ID, m, "u1@example.com", at(0))
			if err != nil || !cmp.Equal(got, want) {
				t.Errorf("CodeSendTimesTo(%s) = %v, %v; want %v", m, got, err, want)
			}
		}
		if got, _ := s.CodeSendTimes(ctx, tn.ID, "user:u1", model.MethodSMS, at(0)); !cmp.Equal(got, []time.Time{at(30)}) {
			t.Errorf("CodeSendTimes(SMS) = %v, want only the text", got)
		}
	})
}
