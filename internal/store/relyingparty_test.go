package store_test

import (
	"testing"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

// CredentialOnRelyingParty finds a passkey or security key of another
// tenant with the same relying party id, never the asking tenant's own,
// nor one of a tenant on another relying party id.
func TestCredentialOnRelyingParty(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tenants := map[string]string{"rp-shop": "example.com", "rp-blog": "example.com", "rp-other": "other.example"}
		for id, rp := range tenants {
			tn := newTenant(id, at(0))
			tn.RPID = rp
			if err := s.CreateTenant(ctx, tn); err != nil {
				t.Fatal(err)
			}
		}
		addPasskey := func(tenantID, authID string, cred []byte) {
			mustCreateUser(t, s, newUser(tenantID, "ada", at(1)))
			a := model.Authenticator{ID: authID, TenantID: tenantID, UserID: "ada", Method: model.MethodPasskey,
				CreatedAt: at(1), VerifiedAt: at(1)}
			if err := s.CreatePasskey(ctx, a, model.Passkey{CredentialID: cred, PublicKey: []byte{1}, CreatedAt: at(1)}); err != nil {
				t.Fatal(err)
			}
		}
		addPasskey("rp-shop", "11111111-1111-4111-8111-000000000001", []byte("shop-credential"))
		addPasskey("rp-other", "11111111-1111-4111-8111-000000000002", []byte("other-credential"))
		for _, tt := range []struct {
			name, rp, asking string
			cred             string
			want             bool
		}{
			{"the shop's passkey asked by the blog", "example.com", "rp-blog", "shop-credential", true},
			{"the shop's own passkey", "example.com", "rp-shop", "shop-credential", false},
			{"another relying party's passkey", "example.com", "rp-blog", "other-credential", false},
			{"an unknown credential", "example.com", "rp-blog", "nobody's", false},
		} {
			got, err := s.CredentialOnRelyingParty(ctx, tt.rp, tt.asking, []byte(tt.cred))
			if err != nil || got != tt.want {
				t.Errorf("%s: %v, %v; want %v", tt.name, got, err, tt.want)
			}
		}
	})
}
