package store_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

func TestTenantRoundTrip(t *testing.T) {
	t.Parallel()
	full := newTenant("full", at(0))
	full.Passkey = model.PasskeyConfig{
		DisableEnrollmentPrompt:  true,
		EnrollmentPromptInterval: 7776000,
		RecoveryMethods:          []model.VerificationMethod{model.MethodSMS, model.MethodAuthenticatorApp, model.MethodEmailOTP},
		UserVerification:         model.UVPreferred,
		DefaultLocale:            "ja",
	}
	full.TokenKey = []byte{0x00, 0x01, 0xfe, 0xff, 0x00, 0x27, 0x5c, 0x22}

	defaults := newTenant("defaults", at(1))
	defaults.Passkey = model.DefaultPasskeyConfig()

	bare := model.Tenant{
		ID:        "bare",
		Name:      "Bare",
		RPID:      "localhost",
		RPName:    "Bare",
		TokenKey:  []byte{0x42},
		CreatedAt: at(2),
	}

	tests := []struct {
		name   string
		tenant model.Tenant
	}{
		{"every field", full},
		{"default passkey config", defaults},
		{"no lists", bare},
	}
	forEachStore(t, func(t *testing.T, s *store.Store) {
		for _, tt := range tests {
			if err := s.CreateTenant(t.Context(), tt.tenant); err != nil {
				t.Fatalf("%s: CreateTenant: %v", tt.name, err)
			}
			got, err := s.Tenant(t.Context(), tt.tenant.ID)
			if err != nil {
				t.Fatalf("%s: Tenant: %v", tt.name, err)
			}
			if diff := cmp.Diff(got, tt.tenant, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: Tenant mismatch (-got +want):\n%s", tt.name, diff)
			}
		}
	})
}

func TestUpdateTenant(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		orig := mustCreateTenant(t, s, "acme", at(0))
		other := mustCreateTenant(t, s, "other", at(1))

		update := model.Tenant{
			ID:               orig.ID,
			Name:             "Acme Renamed",
			RPID:             "login.acme.test",
			RPName:           "Acme Login",
			Origins:          []string{"https://login.acme.test"},
			RedirectPrefixes: []string{"https://acme.test/a/", "https://acme.test/b/"},
			TokenKey:         []byte("must not change"),
			Passkey: model.PasskeyConfig{
				DisableEnrollmentPrompt:  true,
				EnrollmentPromptInterval: 2592000,
				RecoveryMethods:          []model.VerificationMethod{model.MethodAuthenticatorApp},
				UserVerification:         model.UVDiscouraged,
				DefaultLocale:            "fr",
			},
			CreatedAt: at(99),
		}
		if err := s.UpdateTenant(ctx, update); err != nil {
			t.Fatalf("UpdateTenant: %v", err)
		}
		want := update
		want.TokenKey, want.CreatedAt = orig.TokenKey, orig.CreatedAt
		got, err := s.Tenant(ctx, orig.ID)
		if err != nil {
			t.Fatalf("Tenant: %v", err)
		}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("Tenant after UpdateTenant (-got +want):\n%s", diff)
		}
		gotOther, err := s.Tenant(ctx, other.ID)
		if err != nil {
			t.Fatalf("Tenant(other): %v", err)
		}
		if diff := cmp.Diff(gotOther, other); diff != "" {
			t.Errorf("UpdateTenant changed another tenant (-got +want):\n%s", diff)
		}
	})
}

func TestTenantsOrder(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		got, err := s.Tenants(t.Context())
		if err != nil {
			t.Fatalf("Tenants on an empty store: %v", err)
		}
		if len(got) != 0 {
			t.Errorf("Tenants on an empty store = %d tenants, want 0", len(got))
		}

		mustCreateTenant(t, s, "c", at(5))
		mustCreateTenant(t, s, "b", at(1))
		mustCreateTenant(t, s, "d", at(1))
		mustCreateTenant(t, s, "a", at(3))
		got, err = s.Tenants(t.Context())
		if err != nil {
			t.Fatalf("Tenants: %v", err)
		}
		var gotIDs []string
		for _, tn := range got {
			gotIDs = append(gotIDs, tn.ID)
		}
		if diff := cmp.Diff(gotIDs, []string{"b", "d", "a", "c"}); diff != "" {
			t.Errorf("Tenants order, oldest first then by id (-got +want):\n%s", diff)
		}
		if diff := cmp.Diff(got[0], newTenant("b", at(1))); diff != "" {
			t.Errorf("Tenants()[0] (-got +want):\n%s", diff)
		}
	})
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		a := mustCreateTenant(t, s, "tenant-a", at(0))
		b := mustCreateTenant(t, s, "tenant-b", at(0))
		keys := []model.APIKey{
			{ID: "key-a1", TenantID: a.ID, Prefix: "sk_a1", Hash: []byte{0x00, 0xa1, 0xff}, CreatedAt: at(1)},
			{ID: "key-a2", TenantID: a.ID, Prefix: "sk_a2", Hash: []byte{0x00, 0xa2, 0xff}, CreatedAt: at(2)},
			{ID: "key-b1", TenantID: b.ID, Prefix: "sk_b1", Hash: []byte{0x00, 0xb1, 0xff}, CreatedAt: at(3)},
		}
		for _, k := range keys {
			if err := s.CreateAPIKey(ctx, k); err != nil {
				t.Fatalf("CreateAPIKey(%s): %v", k.ID, err)
			}
		}

		byHash := func(hash []byte, want model.Tenant) {
			t.Helper()
			got, err := s.TenantByKeyHash(ctx, hash)
			if err != nil {
				t.Fatalf("TenantByKeyHash(%x): %v", hash, err)
			}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("TenantByKeyHash(%x) (-got +want):\n%s", hash, diff)
			}
		}
		byHash(keys[0].Hash, a)
		byHash(keys[1].Hash, a)
		byHash(keys[2].Hash, b)

		if err := s.RevokeAPIKey(ctx, a.ID, "key-a1", at(10)); err != nil {
			t.Fatalf("RevokeAPIKey: %v", err)
		}
		if _, err := s.TenantByKeyHash(ctx, keys[0].Hash); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("TenantByKeyHash(revoked key) error = %v, want %v", err, model.ErrNotFound)
		}
		byHash(keys[1].Hash, a)

		for _, tt := range []struct {
			name            string
			tenantID, keyID string
		}{
			{"already revoked", a.ID, "key-a1"},
			{"unknown key", a.ID, "key-zz"},
			{"another tenant's key", a.ID, "key-b1"},
		} {
			if err := s.RevokeAPIKey(ctx, tt.tenantID, tt.keyID, at(20)); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("RevokeAPIKey, %s: error = %v, want %v", tt.name, err, model.ErrNotFound)
			}
		}
		byHash(keys[2].Hash, b)

		got, err := s.APIKeys(ctx, a.ID)
		if err != nil {
			t.Fatalf("APIKeys: %v", err)
		}
		revoked := keys[0]
		revoked.RevokedAt = at(10)
		if diff := cmp.Diff(got, []model.APIKey{revoked, keys[1]}); diff != "" {
			t.Errorf("APIKeys (-got +want):\n%s", diff)
		}
	})
}
