package store_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

// A tenant's related origins are stored with it, changed by
// UpdateTenant, and TenantsByRPID finds the tenants of a relying party
// id, oldest first, and no other.
func TestRelatedOriginsAndTenantsByRPID(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		a := newTenant("rp-a", at(0))
		a.RPID = "shop.example"
		a.Passkey.RelatedOrigins = []string{"https://shop.example.org", "https://login.example.net:8443"}
		b := newTenant("rp-b", at(1))
		b.RPID = "shop.example"
		other := newTenant("rp-other", at(2))
		other.RPID = "other.example"
		for _, tn := range []model.Tenant{b, a, other} {
			if err := s.CreateTenant(ctx, tn); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Tenant(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got.Passkey.RelatedOrigins, a.Passkey.RelatedOrigins); diff != "" {
			t.Errorf("related origins as stored (-got +want):\n%s", diff)
		}
		got.Passkey.RelatedOrigins = []string{"https://example.org"}
		if err := s.UpdateTenant(ctx, got); err != nil {
			t.Fatal(err)
		}
		ts, err := s.TenantsByRPID(ctx, "shop.example")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, tn := range ts {
			ids = append(ids, tn.ID)
		}
		if diff := cmp.Diff(ids, []string{"rp-a", "rp-b"}); diff != "" {
			t.Errorf("TenantsByRPID(shop.example) (-got +want):\n%s", diff)
		}
		if len(ts) == 2 && !cmp.Equal(ts[0].Passkey.RelatedOrigins, []string{"https://example.org"}) {
			t.Errorf("updated related origins = %v", ts[0].Passkey.RelatedOrigins)
		}
		for _, rp := range []string{"example", "SHOP.example", "unknown.example", ""} {
			if ts, err := s.TenantsByRPID(ctx, rp); err != nil || len(ts) != 0 {
				t.Errorf("TenantsByRPID(%q) = %d tenants, %v; want none", rp, len(ts), err)
			}
		}
	})
}
