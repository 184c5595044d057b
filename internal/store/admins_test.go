package store_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

func TestAdminInvitesAreUsedOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "t1", at(0))
		hash := []byte("invite-hash-1")
		if err := s.CreateAdminInvite(ctx, model.AdminInvite{TokenHash: hash, TenantID: "t1", CreatedAt: at(0), ExpiresAt: at(100)}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAdminInvite(ctx, model.AdminInvite{TokenHash: []byte("x"), TenantID: "nope", CreatedAt: at(0), ExpiresAt: at(100)}); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("invite for a missing tenant: %v, want not found", err)
		}
		if inv, err := s.AdminInvite(ctx, hash, at(10)); err != nil || inv.TenantID != "t1" || !inv.ExpiresAt.Equal(at(100)) {
			t.Fatalf("AdminInvite = %+v, %v", inv, err)
		}
		if _, err := s.AdminInvite(ctx, hash, at(100)); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("expired invite readable: %v", err)
		}
		if _, err := s.ClaimAdminInvite(ctx, hash, at(100)); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("expired invite claimed: %v", err)
		}
		// Concurrent claims: exactly one wins.
		var wg sync.WaitGroup
		wins := make(chan string, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if id, err := s.ClaimAdminInvite(ctx, hash, at(20)); err == nil {
					wins <- id
				} else if !errors.Is(err, model.ErrNotFound) {
					t.Errorf("claim: %v", err)
				}
			}()
		}
		wg.Wait()
		close(wins)
		var got []string
		for id := range wins {
			got = append(got, id)
		}
		if diff := cmp.Diff(got, []string{"t1"}); diff != "" {
			t.Errorf("claims (-got +want):\n%s", diff)
		}
		if _, err := s.AdminInvite(ctx, hash, at(21)); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("used invite still readable: %v", err)
		}
	})
}

func TestAdminsPasskeysAndSessions(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "t1", at(0))
		mustCreateTenant(t, s, "t2", at(0))
		ada := model.Admin{ID: "a1", TenantID: "t1", Name: "Ada", Handle: []byte{0, 1, 2}, CreatedAt: at(1)}
		gus := model.Admin{ID: "a2", TenantID: "t2", Name: "Gus", Handle: []byte{9, 9}, CreatedAt: at(2)}
		for _, a := range []model.Admin{ada, gus} {
			if err := s.CreateAdmin(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreateAdmin(ctx, model.Admin{ID: "a3", TenantID: "t1", Name: "Dup", Handle: ada.Handle, CreatedAt: at(3)}); !errors.Is(err, model.ErrConflict) {
			t.Errorf("duplicate handle: %v, want conflict", err)
		}
		got, err := s.Admins(ctx, "t1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, []model.Admin{ada}); diff != "" {
			t.Errorf("Admins(t1) (-got +want):\n%s", diff)
		}

		p := model.Passkey{CredentialID: []byte{0, 0xff, 7}, PublicKey: []byte("cose"), PublicKeyAlgorithm: -7, SignCount: 3,
			AAGUID: make([]byte, 16), Transports: []string{"internal", "hybrid"}, AttestationFormat: "none",
			Flags: model.PasskeyFlags{UserPresent: true, UserVerified: true, BackupEligible: true}, Attachment: "platform",
			CreatedAt: at(5)}
		if err := s.CreateAdminPasskey(ctx, ada.ID, p); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAdminPasskey(ctx, gus.ID, p); !errors.Is(err, model.ErrConflict) {
			t.Errorf("same credential for another admin: %v, want conflict", err)
		}
		stored, err := s.AdminPasskey(ctx, p.CredentialID)
		if err != nil {
			t.Fatal(err)
		}
		want := p
		want.UserID = ada.ID
		if diff := cmp.Diff(stored, want); diff != "" {
			t.Errorf("AdminPasskey (-got +want):\n%s", diff)
		}
		if _, err := s.AdminPasskey(ctx, []byte("unknown")); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("unknown credential: %v", err)
		}

		// A sign-in records the new count only against the count it checked.
		used := stored
		used.SignCount, used.LastVerifiedAt, used.Flags.BackupState = 4, at(6), true
		if err := s.RecordAdminSignIn(ctx, used, 3); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordAdminSignIn(ctx, used, 3); !errors.Is(err, model.ErrUnauthenticated) {
			t.Errorf("second sign-in against a stale count: %v, want unauthenticated", err)
		}
		list, err := s.AdminPasskeys(ctx, ada.ID)
		if err != nil || len(list) != 1 || list[0].SignCount != 4 || !list[0].Flags.BackupState || !list[0].LastVerifiedAt.Equal(at(6)) {
			t.Errorf("AdminPasskeys = %+v, %v", list, err)
		}

		sess := model.AdminSession{TokenHash: []byte("session-1"), AdminID: ada.ID, TenantID: "t1", CreatedAt: at(10), ExpiresAt: at(100)}
		if err := s.CreateAdminSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		if got, err := s.AdminSession(ctx, sess.TokenHash, at(50)); err != nil || cmp.Diff(got, sess) != "" {
			t.Errorf("AdminSession = %+v, %v", got, err)
		}
		if _, err := s.AdminSession(ctx, sess.TokenHash, at(100)); !errors.Is(err, model.ErrUnauthenticated) {
			t.Errorf("expired session: %v, want unauthenticated", err)
		}
		// Expired sessions are purged; others stay.
		if err := s.CreateAdminSession(ctx, model.AdminSession{TokenHash: []byte("session-2"), AdminID: ada.ID, TenantID: "t1", CreatedAt: at(200), ExpiresAt: at(300)}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.PurgeAdminSessions(ctx, at(100)); err != nil || n != 0 {
			t.Errorf("PurgeAdminSessions(100s) = %d, %v; want none: the session expired at 100s, not before", n, err)
		}
		if n, err := s.PurgeAdminSessions(ctx, at(101)); err != nil || n != 1 {
			t.Errorf("PurgeAdminSessions(101s) = %d, %v; want the one expired", n, err)
		}
		if _, err := s.AdminSession(ctx, sess.TokenHash, at(50)); !errors.Is(err, model.ErrUnauthenticated) {
			t.Errorf("purged session still there: %v", err)
		}
		if _, err := s.AdminSession(ctx, []byte("session-2"), at(250)); err != nil {
			t.Errorf("the unexpired session went with the purge: %v", err)
		}
		if err := s.DeleteAdminSession(ctx, []byte("session-2")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AdminSession(ctx, []byte("session-2"), at(250)); !errors.Is(err, model.ErrUnauthenticated) {
			t.Errorf("deleted session: %v", err)
		}
	})
}

func TestAdminCeremoniesAreClaimedOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		c := model.AdminCeremony{ID: "c1", InviteHash: []byte("inv"), AdminName: "Ada", Handle: []byte{1}, Session: []byte(`{"challenge":"x"}`), ExpiresAt: at(300)}
		if err := s.CreateAdminCeremony(ctx, c); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClaimAdminCeremony(ctx, "c1", at(300)); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("expired ceremony claimed: %v", err)
		}
		got, err := s.ClaimAdminCeremony(ctx, "c1", at(10))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, c); diff != "" {
			t.Errorf("claimed (-got +want):\n%s", diff)
		}
		if _, err := s.ClaimAdminCeremony(ctx, "c1", at(11)); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("second claim: %v", err)
		}
		// A sign-in ceremony has no invitation.
		if err := s.CreateAdminCeremony(ctx, model.AdminCeremony{ID: "c2", Session: []byte("{}"), ExpiresAt: at(300)}); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ClaimAdminCeremony(ctx, "c2", at(10)); err != nil || len(got.InviteHash) != 0 {
			t.Errorf("sign-in ceremony = %+v, %v", got, err)
		}
		// Ceremonies nobody finished are purged once expired, used or not.
		if err := s.CreateAdminCeremony(ctx, model.AdminCeremony{ID: "c3", Session: []byte("{}"), ExpiresAt: at(300)}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAdminCeremony(ctx, model.AdminCeremony{ID: "c4", Session: []byte("{}"), ExpiresAt: at(600)}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.PurgeAdminCeremonies(ctx, at(301)); err != nil || n != 3 {
			t.Errorf("PurgeAdminCeremonies(301s) = %d, %v; want c1, c2 and c3", n, err)
		}
		if _, err := s.ClaimAdminCeremony(ctx, "c3", at(10)); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("a purged ceremony was claimed: %v", err)
		}
		if _, err := s.ClaimAdminCeremony(ctx, "c4", at(400)); err != nil {
			t.Errorf("the unexpired ceremony went with the purge: %v", err)
		}
	})
}
