package store_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

func TestSecurityKeys(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		for _, tn := range []string{"t1", "t2"} {
			mustCreateTenant(t, s, tn, at(0))
			mustCreateUser(t, s, newUser(tn, "ada", at(1)))
		}
		a := newAuthenticator("t1", "ada", "k1", model.MethodSecurityKey, at(10))
		want := newPasskey(a, "key-1")
		want.Attachment, want.Transports, want.Flags.BackupEligible = "cross-platform", []string{"usb"}, false
		if err := s.CreateSecurityKey(ctx, a, want); err != nil {
			t.Fatal(err)
		}
		got, err := s.SecurityKeyByCredentialID(ctx, "t1", []byte("key-1"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		if list, err := s.SecurityKeys(ctx, "t1", "ada"); err != nil || len(list) != 1 || list[0].AuthenticatorID != "k1" {
			t.Errorf("SecurityKeys = %v, %v", list, err)
		}
		// A security key is no passkey.
		if ps, err := s.Passkeys(ctx, "t1", "ada"); err != nil || len(ps) != 0 {
			t.Errorf("Passkeys = %v, %v; want none", ps, err)
		}
		if _, err := s.PasskeyByCredentialID(ctx, "t1", []byte("key-1")); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("PasskeyByCredentialID of a security key: err = %v, want ErrNotFound", err)
		}

		// One credential id is one authenticator, whatever it was registered as.
		p := mustCreatePasskey(t, s, "t1", "ada", "p1", "cred-1")
		dup := newAuthenticator("t1", "ada", "k2", model.MethodSecurityKey, at(11))
		if err := s.CreateSecurityKey(ctx, dup, newPasskey(dup, "cred-1")); !errors.Is(err, model.ErrConflict) {
			t.Errorf("a passkey's credential as a security key: err = %v, want ErrConflict", err)
		}
		if err := s.CreateSecurityKey(ctx, dup, newPasskey(dup, "key-1")); !errors.Is(err, model.ErrConflict) {
			t.Errorf("a security key's credential again: err = %v, want ErrConflict", err)
		}
		dupP := newAuthenticator("t1", "ada", "p2", model.MethodPasskey, at(11))
		if err := s.CreatePasskey(ctx, dupP, newPasskey(dupP, "key-1")); !errors.Is(err, model.ErrConflict) {
			t.Errorf("a security key's credential as a passkey: err = %v, want ErrConflict", err)
		}
		if auths, _ := s.Authenticators(ctx, "t1", "ada"); len(auths) != 2 {
			t.Errorf("refused credentials left authenticators behind: %+v", auths)
		}
		other := newAuthenticator("t2", "ada", "k3", model.MethodSecurityKey, at(12))
		if err := s.CreateSecurityKey(ctx, other, newPasskey(other, string(p.CredentialID))); err != nil {
			t.Errorf("credential ids are unique per tenant only: %v", err)
		}

		got.SignCount, got.LastVerifiedAt = 9, at(100)
		if err := s.RecordSecurityKeySignIn(ctx, got); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordSecurityKeyCounterRegression(ctx, "t1", "k1", at(21)); err != nil {
			t.Fatal(err)
		}
		after, _ := s.SecurityKeyByCredentialID(ctx, "t1", []byte("key-1"))
		got.CounterRegressions, got.LastCounterRegressionAt = 1, at(21)
		if diff := cmp.Diff(got, after); diff != "" {
			t.Errorf("after sign-in (-want +got):\n%s", diff)
		}
		auths, _ := s.Authenticators(ctx, "t1", "ada")
		if len(auths) != 2 || auths[0].ID != "k1" || auths[0].Method != model.MethodSecurityKey || !auths[0].LastVerifiedAt.Equal(at(100)) {
			t.Errorf("authenticators after the sign-in = %+v; want k1 last verified at %v", auths, at(100))
		}
		if err := s.DeleteAuthenticator(ctx, "t1", "ada", "k1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SecurityKeyByCredentialID(ctx, "t1", []byte("key-1")); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("after delete: err = %v, want ErrNotFound", err)
		}
		if err := s.RecordSecurityKeySignIn(ctx, got); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("sign-in on a deleted security key: err = %v, want ErrNotFound", err)
		}
	})
}
