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

func newCodeChallenge(tenantID, id string, kind model.CodeChallengeKind, created time.Time) model.CodeChallenge {
	return model.CodeChallenge{
		ID: id, TenantID: tenantID, Kind: kind, Method: model.MethodEmailOTP, Subject: "user:u1", UserID: "u1",
		AuthenticatorID: "auth-" + id, Email: "u1@example.com", ActionCode: "signIn", IdempotencyKey: "key-1",
		DeviceID: "device-1", Scope: model.ScopeAddAuthenticators, CodeHash: []byte{1, 2, 3}, Salt: []byte{4, 5},
		MaxAttempts: 5, CreatedAt: created, ExpiresAt: created.Add(10 * time.Minute),
	}
}

func TestCodeChallenges(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		enrol := newCodeChallenge(tn.ID, "c1", model.CodeEnrol, at(10))
		signIn := newCodeChallenge(tn.ID, "c2", model.CodeSignIn, at(10)) // same instant: seq orders them
		app := newCodeChallenge(tn.ID, "c3", model.CodeEnrol, at(20))
		app.Method, app.TOTPSecret, app.CodeHash, app.Salt = model.MethodAuthenticatorApp, "JBSWY3DPEHPK3PXP", nil, nil
		for _, c := range []model.CodeChallenge{enrol, signIn, app} {
			if err := s.CreateCodeChallenge(ctx, c); err != nil {
				t.Fatalf("CreateCodeChallenge(%s): %v", c.ID, err)
			}
		}
		if err := s.CreateCodeChallenge(ctx, enrol); !errors.Is(err, model.ErrConflict) {
			t.Errorf("CreateCodeChallenge twice: %v, want a conflict", err)
		}

		got, err := s.LatestCodeChallenge(ctx, tn.ID, "u1", "key-1", model.MethodEmailOTP, model.CodeEnrol, model.CodeSignIn)
		if err != nil {
			t.Fatalf("LatestCodeChallenge: %v", err)
		}
		if diff := cmp.Diff(got, signIn); diff != "" {
			t.Errorf("LatestCodeChallenge (-got +want):\n%s", diff)
		}
		if got, _ := s.LatestCodeChallenge(ctx, tn.ID, "u1", "key-1", model.MethodEmailOTP, model.CodeEnrol); got.ID != "c1" {
			t.Errorf("latest enrolment = %s, want c1", got.ID)
		}
		got, err = s.LatestCodeChallenge(ctx, tn.ID, "u1", "key-1", model.MethodAuthenticatorApp, model.CodeEnrol)
		if diff := cmp.Diff(got, app, cmpopts.EquateEmpty()); err != nil || diff != "" {
			t.Errorf("latest app enrolment: %v (-got +want):\n%s", err, diff)
		}
		for name, q := range map[string][]string{"other user": {"u2", "key-1"}, "other action": {"u1", "key-2"}} {
			if _, err := s.LatestCodeChallenge(ctx, tn.ID, q[0], q[1], model.MethodEmailOTP, model.CodeEnrol); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("LatestCodeChallenge for %s: %v, want not found", name, err)
			}
		}
		if _, err := s.CodeChallenge(ctx, tn.ID, "c1", model.CodeServer); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("CodeChallenge of the wrong kind: %v, want not found", err)
		}

		if err := s.DeleteCodeChallenge(ctx, tn.ID, "c2"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.LatestCodeChallenge(ctx, tn.ID, "u1", "key-1", model.MethodEmailOTP, model.CodeEnrol, model.CodeSignIn); got.ID != "c1" {
			t.Errorf("latest after deleting c2 = %s, want c1", got.ID)
		}
	})
}

func TestCodeAttemptsAreConditional(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		c := newCodeChallenge(tn.ID, "c1", model.CodeServer, at(10))
		if err := s.CreateCodeChallenge(ctx, c); err != nil {
			t.Fatal(err)
		}
		// Two attempts read attempts = 0: the first to write wins.
		c.Attempts = 1
		if err := s.RecordCodeAttempt(ctx, c, 0); err != nil {
			t.Fatalf("first attempt: %v", err)
		}
		if err := s.RecordCodeAttempt(ctx, c, 0); !errors.Is(err, model.ErrStale) {
			t.Errorf("second attempt on a stale read: %v, want model.ErrStale", err)
		}
		c.Attempts, c.VerifiedAt = 2, at(20)
		if err := s.RecordCodeAttempt(ctx, c, 1); err != nil {
			t.Fatalf("verifying attempt: %v", err)
		}
		if err := s.RecordCodeAttempt(ctx, c, 2); !errors.Is(err, model.ErrStale) {
			t.Errorf("attempt after verification: %v, want model.ErrStale", err)
		}
		got, err := s.CodeChallenge(ctx, tn.ID, "c1", model.CodeServer)
		if err != nil || got.Attempts != 2 || !got.VerifiedAt.Equal(at(20)) {
			t.Errorf("stored challenge = %+v, %v", got, err)
		}

		if err := s.ClaimCodeChallenge(ctx, tn.ID, "c1", at(30)); err != nil {
			t.Fatalf("ClaimCodeChallenge: %v", err)
		}
		if err := s.ClaimCodeChallenge(ctx, tn.ID, "c1", at(31)); !errors.Is(err, model.ErrStale) {
			t.Errorf("second claim: %v, want model.ErrStale", err)
		}
		unverified := newCodeChallenge(tn.ID, "c2", model.CodeServer, at(10))
		if err := s.CreateCodeChallenge(ctx, unverified); err != nil {
			t.Fatal(err)
		}
		if err := s.ClaimCodeChallenge(ctx, tn.ID, "c2", at(31)); !errors.Is(err, model.ErrStale) {
			t.Errorf("claim of an unverified challenge: %v, want model.ErrStale", err)
		}
	})
}

func TestCodeSendTimesAndPurge(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		for i, sec := range []int64{100, 200, 300} {
			c := newCodeChallenge(tn.ID, "c"+string(rune('a'+i)), model.CodeSignIn, at(sec))
			if err := s.CreateCodeChallenge(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		sms := newCodeChallenge(tn.ID, "sms", model.CodeSignIn, at(250))
		sms.Method = model.MethodSMS
		other := newCodeChallenge(tn.ID, "other", model.CodeSignIn, at(250))
		other.Subject = "user:u2"
		for _, c := range []model.CodeChallenge{sms, other} {
			if err := s.CreateCodeChallenge(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		err := s.InTx(ctx, func(q store.Queries) error {
			if err := q.LockCodeSubject(ctx, tn.ID, "user:u1", model.MethodEmailOTP, at(400)); err != nil {
				return err
			}
			got, err := q.CodeSendTimes(ctx, tn.ID, "user:u1", model.MethodEmailOTP, at(100))
			if want := []time.Time{at(200), at(300)}; !cmp.Equal(got, want) {
				t.Errorf("CodeSendTimes after 100s = %v, want %v", got, want)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// Locking again (another send later) is fine.
		if err := s.LockCodeSubject(ctx, tn.ID, "user:u1", model.MethodEmailOTP, at(500)); err != nil {
			t.Fatal(err)
		}

		n, err := s.PurgeCodeChallenges(ctx, at(250))
		if err != nil || n != 2 {
			t.Errorf("PurgeCodeChallenges = %d, %v; want the 2 created before 250s", n, err)
		}
		got, _ := s.CodeSendTimes(ctx, tn.ID, "user:u1", model.MethodEmailOTP, at(0))
		if want := []time.Time{at(300)}; !cmp.Equal(got, want) {
			t.Errorf("CodeSendTimes after the purge = %v, want %v", got, want)
		}
	})
}

func TestTOTPSecrets(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "u1", at(1)))
		a := mustCreateAuthenticator(t, s, newAuthenticator(tn.ID, "u1", "auth-app", model.MethodAuthenticatorApp, at(2)))

		if _, _, err := s.TOTPSecret(ctx, tn.ID, a.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("TOTPSecret before any: %v, want not found", err)
		}
		if err := s.SaveTOTPSecret(ctx, a, "SECRET1", 100); err != nil {
			t.Fatal(err)
		}
		if err := s.AdvanceTOTPStep(ctx, tn.ID, a.ID, 101); err != nil {
			t.Errorf("advance to 101: %v", err)
		}
		for _, step := range []int64{101, 99} {
			if err := s.AdvanceTOTPStep(ctx, tn.ID, a.ID, step); !errors.Is(err, model.ErrStale) {
				t.Errorf("advance to used step %d: %v, want model.ErrStale", step, err)
			}
		}
		if secret, last, err := s.TOTPSecret(ctx, tn.ID, a.ID); secret != "SECRET1" || last != 101 || err != nil {
			t.Errorf("TOTPSecret = %q, %d, %v", secret, last, err)
		}
		// A new secret replaces the old, with its own step.
		if err := s.SaveTOTPSecret(ctx, a, "SECRET2", 7); err != nil {
			t.Fatal(err)
		}
		if secret, last, _ := s.TOTPSecret(ctx, tn.ID, a.ID); secret != "SECRET2" || last != 7 {
			t.Errorf("TOTPSecret after replacement = %q, %d", secret, last)
		}
		// Deleting the authenticator deletes its secret.
		if err := s.DeleteAuthenticator(ctx, tn.ID, "u1", a.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.TOTPSecret(ctx, tn.ID, a.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("TOTPSecret after deleting the authenticator: %v, want not found", err)
		}
	})
}

func TestSetAuthenticatorVerified(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "u1", at(1)))
		a := mustCreateAuthenticator(t, s, newAuthenticator(tn.ID, "u1", "auth-email", model.MethodEmailOTP, at(2)))
		a.Email, a.VerifiedAt, a.LastVerifiedAt = "new@example.com", at(50), at(51)
		if err := s.SetAuthenticatorVerified(ctx, a); err != nil {
			t.Fatal(err)
		}
		got, err := s.Authenticators(ctx, tn.ID, "u1")
		if err != nil || len(got) != 1 || !cmp.Equal(got[0], a) {
			t.Errorf("Authenticators = %+v, %v; want %+v", got, err, a)
		}
		a.ID = "missing"
		if err := s.SetAuthenticatorVerified(ctx, a); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("SetAuthenticatorVerified of a missing one: %v, want not found", err)
		}
	})
}
