package store_test

import (
	"fmt"
	"testing"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

// A purge deletes every expired row, however many a flood left (more
// than one batch), and nothing else.
func TestPurgeDeletesEveryExpiredRowInBatches(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "t1", at(0))
		const expired, pending = 2345, 7
		err := s.InTx(ctx, func(q store.Queries) error {
			for i := range expired + pending {
				ends := at(300)
				if i >= expired {
					ends = at(900)
				}
				c := model.PasskeyChallenge{ID: fmt.Sprint("c", i), TenantID: "t1", Kind: model.ChallengeAuthentication,
					CreatedAt: at(0), ExpiresAt: ends}
				if err := q.CreatePasskeyChallenge(ctx, c); err != nil {
					return err
				}
				ac := model.AdminCeremony{ID: fmt.Sprint("a", i), Session: []byte("{}"), ExpiresAt: ends}
				if err := q.CreateAdminCeremony(ctx, ac); err != nil {
					return err
				}
				inv := model.AdminInvite{TokenHash: []byte(fmt.Sprint("i", i)), TenantID: "t1", CreatedAt: at(0), ExpiresAt: ends}
				if err := q.CreateAdminInvite(ctx, inv); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct {
			what  string
			purge func() (int64, error)
		}{
			{"passkey challenges", func() (int64, error) { return s.PurgePasskeyChallenges(ctx, at(600)) }},
			{"console ceremonies", func() (int64, error) { return s.PurgeAdminCeremonies(ctx, at(600)) }},
			{"console invitations", func() (int64, error) { return s.PurgeAdminInvites(ctx, at(600)) }},
		} {
			if n, err := p.purge(); err != nil || n != expired {
				t.Errorf("purge %s = %d, %v; want %d", p.what, n, err, expired)
			}
			if n, err := p.purge(); err != nil || n != 0 {
				t.Errorf("second purge of %s = %d, %v; want 0", p.what, n, err)
			}
		}
		for i := expired; i < expired+pending; i++ {
			if _, err := s.PasskeyChallenge(ctx, "t1", fmt.Sprint("c", i), at(600)); err != nil {
				t.Errorf("pending challenge c%d went with the purge: %v", i, err)
			}
		}
		if _, err := s.ClaimAdminCeremony(ctx, fmt.Sprint("a", expired), at(600)); err != nil {
			t.Errorf("a pending console ceremony went with the purge: %v", err)
		}
		if _, err := s.AdminInvite(ctx, []byte(fmt.Sprint("i", expired)), at(600)); err != nil {
			t.Errorf("a pending console invitation went with the purge: %v", err)
		}
	})
}

// A device no user was seen on and no passkey is known on goes a while
// after it was last seen; any other device stays.
func TestPurgeOrphanDevices(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "t1", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "u1", at(1)))
		for id, seen := range map[string]int64{"orphan-old": 10, "orphan-new": 900, "user-old": 10, "passkey-old": 10} {
			if err := s.TouchDevice(ctx, model.Device{TenantID: tn.ID, ID: id, LastSeenAt: at(seen)}); err != nil {
				t.Fatal(err)
			}
		}
		a := newAction(tn.ID, "u1", "key-1", "signIn", at(20))
		a.DeviceID = "user-old"
		if _, _, err := s.CreateAction(ctx, a); err != nil {
			t.Fatal(err)
		}
		au := newAuthenticator(tn.ID, "u1", "pk1", model.MethodPasskey, at(2))
		if err := s.CreateAuthenticator(ctx, au); err != nil {
			t.Fatal(err)
		}
		if err := s.LinkDevicePasskey(ctx, model.DevicePasskey{TenantID: tn.ID, DeviceID: "passkey-old",
			AuthenticatorID: "pk1", Relation: model.RelationCreated, LastAt: at(20)}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.PurgeOrphanDevices(ctx, at(600)); err != nil || n != 1 {
			t.Fatalf("PurgeOrphanDevices = %d, %v; want 1", n, err)
		}
		for id, want := range map[string]bool{"orphan-old": false, "orphan-new": true, "user-old": true, "passkey-old": true} {
			_, err := s.Device(ctx, tn.ID, id)
			if got := err == nil; got != want {
				t.Errorf("device %s kept = %v (%v), want %v", id, got, err, want)
			}
		}
	})
}
