package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

func TestRenamePasskey(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		for _, tn := range []string{"t1", "t2"} {
			mustCreateTenant(t, s, tn, at(0))
			mustCreateUser(t, s, newUser(tn, "ada", at(1)))
		}
		mustCreateUser(t, s, newUser("t1", "bob", at(1)))
		mustCreatePasskey(t, s, "t1", "ada", "a1", "cred-1")

		for _, tt := range []struct{ name, tenantID, userID, authID string }{
			{"another user", "t1", "bob", "a1"},
			{"the same user id in another tenant", "t2", "ada", "a1"},
			{"an unknown passkey", "t1", "ada", "a9"},
		} {
			if err := s.RenamePasskey(ctx, tt.tenantID, tt.userID, tt.authID, "Mine now"); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("RenamePasskey as %s: error = %v, want not found", tt.name, err)
			}
		}
		const name = "Ada's phone — 日本語"
		if err := s.RenamePasskey(ctx, "t1", "ada", "a1", name); err != nil {
			t.Fatalf("RenamePasskey: %v", err)
		}
		if err := s.RenamePasskey(ctx, "t1", "ada", "a1", name); err != nil {
			t.Errorf("RenamePasskey to the name it has: %v", err)
		}
		ps, err := s.Passkeys(ctx, "t1", "ada")
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 1 || ps[0].Name != name {
			t.Errorf("passkeys after the rename = %+v, want one named %q", ps, name)
		}
	})
}

func TestLockUser(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "t1", at(0))
		mustCreateUser(t, s, newUser("t1", "ada", at(1)))
		err := s.InTx(ctx, func(q store.Queries) error { return q.LockUser(ctx, "t1", "nobody") })
		if !errors.Is(err, model.ErrNotFound) {
			t.Errorf("LockUser of an unknown user: error = %v, want not found", err)
		}
		if s.Dialect() != store.Postgres {
			return // a SQLite write transaction holds the database's lock from its start
		}
		locked, release := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- s.InTx(ctx, func(q store.Queries) error {
				if err := q.LockUser(ctx, "t1", "ada"); err != nil {
					close(locked)
					return err
				}
				close(locked)
				<-release
				return nil
			})
		}()
		<-locked
		// While the first transaction holds the user, a second one waits.
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		err = s.InTx(short, func(q store.Queries) error { return q.LockUser(short, "t1", "ada") })
		cancel()
		if err == nil {
			t.Error("a second transaction locked the user while the first held it")
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatalf("the first transaction: %v", err)
		}
		if err := s.InTx(ctx, func(q store.Queries) error { return q.LockUser(ctx, "t1", "ada") }); err != nil {
			t.Errorf("LockUser once the user is free: %v", err)
		}
	})
}

func TestPasskeyUses(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		for _, tn := range []string{"t1", "t2"} {
			mustCreateTenant(t, s, tn, at(0))
			mustCreateUser(t, s, newUser(tn, "ada", at(1)))
		}
		mustCreatePasskey(t, s, "t1", "ada", "a1", "cred-1")
		mustCreatePasskey(t, s, "t1", "ada", "a2", "cred-2")
		mustCreatePasskey(t, s, "t2", "ada", "b1", "cred-1")
		if uses, err := s.PasskeyUses(ctx, "t1", "ada"); err != nil || len(uses) != 0 {
			t.Fatalf("PasskeyUses before any sign-in = %v, %v; want none", uses, err)
		}
		signIn := func(tenantID, authID string, deviceID, userAgent string) {
			t.Helper()
			ps, err := s.Passkeys(ctx, tenantID, "ada")
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range ps {
				if p.AuthenticatorID == authID {
					if err := s.RecordPasskeySignIn(ctx, p, deviceID, userAgent); err != nil {
						t.Fatalf("RecordPasskeySignIn: %v", err)
					}
				}
			}
		}
		want := model.PasskeyUse{AuthenticatorID: "a2", DeviceID: "dev-9", UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}
		signIn("t1", "a2", "dev-1", "old")
		signIn("t1", "a2", want.DeviceID, want.UserAgent)
		// A sign-in named with another tenant touches nothing of this one.
		ps, err := s.Passkeys(ctx, "t1", "ada")
		if err != nil {
			t.Fatal(err)
		}
		other := ps[0]
		other.TenantID = "t2"
		if err := s.RecordPasskeySignIn(ctx, other, "x", "x"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("a sign-in of %s in the other tenant: %v, want not found", other.AuthenticatorID, err)
		}
		uses, err := s.PasskeyUses(ctx, "t1", "ada")
		if err != nil {
			t.Fatal(err)
		}
		if len(uses) != 1 || uses[0] != want {
			t.Errorf("PasskeyUses = %+v, want [%+v]", uses, want)
		}
		if uses, err := s.PasskeyUses(ctx, "t2", "ada"); err != nil || len(uses) != 0 {
			t.Errorf("PasskeyUses in the other tenant = %v, %v; want none", uses, err)
		}
	})
}
