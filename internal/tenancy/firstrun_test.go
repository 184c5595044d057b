package tenancy_test

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/uplift-dev/uplift/internal/ids"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/pgtest"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// Instances starting at once on an empty database, each with its own
// connections as separate processes would have, create one first tenant
// between them; the others find it.
func TestEnsureTenantCreatesOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	for _, d := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "u.db") }},
		{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
	} {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			url := d.url(t)
			const instances = 6
			svcs := make([]*tenancy.Service, instances)
			for i := range svcs {
				st, err := store.Open(t.Context(), url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				if _, err := st.Migrate(t.Context()); err != nil {
					t.Fatal(err)
				}
				svcs[i] = tenancy.New(store.Bind[tenancy.Queries](st), nil, ids.New(nil, nil), "http://localhost:8080", 0)
			}
			type result struct {
				t       model.Tenant
				secret  string
				created bool
				err     error
			}
			results := make([]result, instances)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, svc := range svcs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					var r result
					r.t, r.secret, r.created, r.err = svc.EnsureTenant(t.Context(), tenancy.NewTenant{Name: "Default"}, tenancy.AnyTenant)
					results[i] = r
				}()
			}
			close(start)
			wg.Wait()
			created := 0
			for i, r := range results {
				if r.err != nil {
					t.Fatalf("instance %d: %v", i, r.err)
				}
				if r.created {
					created++
					if r.secret == "" {
						t.Errorf("instance %d created the tenant without a secret key", i)
					}
				} else if r.secret != "" {
					t.Errorf("instance %d found the tenant and returned a secret key", i)
				}
				if r.t.ID != results[0].t.ID {
					t.Errorf("instance %d has tenant %s, instance 0 has %s", i, r.t.ID, results[0].t.ID)
				}
			}
			all, err := svcs[0].Tenants(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if created != 1 || len(all) != 1 {
				t.Errorf("%d instances created a tenant and the database holds %d; want 1 and 1", created, len(all))
			}
		})
	}
}

func TestTenantChoices(t *testing.T) {
	older := model.Tenant{ID: "b", Name: "Uplift demo"}
	older.CreatedAt = older.CreatedAt.AddDate(2026, 0, 0)
	newer := model.Tenant{ID: "a", Name: "Uplift demo", CreatedAt: older.CreatedAt.AddDate(0, 0, 1)}
	other := model.Tenant{ID: "c", Name: "Default", CreatedAt: older.CreatedAt.AddDate(0, 0, -1)}
	tenants := []model.Tenant{newer, other, older}
	for _, tc := range []struct {
		name   string
		pick   func([]model.Tenant) (model.Tenant, bool)
		in     []model.Tenant
		wantID string
	}{
		{"any, the oldest", tenancy.AnyTenant, tenants, "c"},
		{"any of none", tenancy.AnyTenant, nil, ""},
		{"named, the oldest of that name", tenancy.TenantNamed("Uplift demo"), tenants, "b"},
		{"named, none of that name", tenancy.TenantNamed("Acme"), tenants, ""},
	} {
		got, ok := tc.pick(tc.in)
		if got.ID != tc.wantID || ok != (tc.wantID != "") {
			t.Errorf("%s: got %q, %v; want %q", tc.name, got.ID, ok, tc.wantID)
		}
	}
}
