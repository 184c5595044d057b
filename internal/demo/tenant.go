package demo

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// TenantName names the tenant of `uplift demo`: the example app signs its
// users in to it, and the console invitation the demo prints is for it.
const TenantName = "Uplift demo"

// maxOrigins is how many origins a tenant may expect (as the Management
// API allows), and how many redirect prefixes the demo keeps.
const maxOrigins = 20

// Tenant is the demo's tenant as EnsureTenant left it.
type Tenant struct {
	model.Tenant
	// Created reports that this start created it.
	Created bool
	// Secret is a secret key issued for this process alone.
	Secret string
}

// EnsureTenant returns the demo tenant, creating it on first start, with
// a secret key issued for this process alone: the key lives only in
// memory (and the terminal), and the keys earlier runs were given are
// revoked, since no one is meant to keep them. The tenant follows
// publicURL: its origin and redirects are added to the tenant's, and
// when publicURL has another host the relying party becomes that host
// (passkeys made for the old one are no longer offered).
func EnsureTenant(ctx context.Context, svc *tenancy.Service, publicURL string) (Tenant, error) {
	t, _, created, err := svc.EnsureTenant(ctx, tenancy.NewTenant{Name: TenantName, RPName: "Uplift demo app"},
		tenancy.TenantNamed(TenantName))
	if err != nil {
		return Tenant{}, fmt.Errorf("the demo tenant: %w", err)
	}
	if !created {
		if t, err = followPublicURL(ctx, svc, t.ID, publicURL); err != nil {
			return Tenant{}, fmt.Errorf("the demo tenant: %w", err)
		}
	}
	if err := revokeKeys(ctx, svc, t.ID); err != nil {
		return Tenant{}, fmt.Errorf("the demo tenant's keys: %w", err)
	}
	_, secret, err := svc.IssueKey(ctx, t.ID)
	if err != nil {
		return Tenant{}, fmt.Errorf("the demo tenant's key: %w", err)
	}
	return Tenant{Tenant: t, Created: created, Secret: secret}, nil
}

// followPublicURL makes the tenant expect publicURL's origin and allow
// redirects below it, so that the demo works on whatever port it runs.
func followPublicURL(ctx context.Context, svc *tenancy.Service, tenantID, publicURL string) (model.Tenant, error) {
	u, err := url.Parse(publicURL)
	if err != nil || u.Host == "" {
		return model.Tenant{}, fmt.Errorf("public URL %q is not usable", publicURL)
	}
	origin := strings.ToLower(u.Scheme + "://" + u.Host)
	host := strings.ToLower(u.Hostname())
	return svc.UpdateTenant(ctx, tenantID, func(t *model.Tenant) bool {
		changed := false
		switch {
		case t.RPID != host:
			t.RPID, t.Origins, changed = host, []string{origin}, true
		case !slices.Contains(t.Origins, origin):
			t.Origins, changed = append(t.Origins, origin), true
			if len(t.Origins) > maxOrigins {
				t.Origins = t.Origins[len(t.Origins)-maxOrigins:]
			}
		}
		if !slices.Contains(t.RedirectPrefixes, origin+"/") {
			t.RedirectPrefixes, changed = append(t.RedirectPrefixes, origin+"/"), true
			if len(t.RedirectPrefixes) > maxOrigins {
				t.RedirectPrefixes = t.RedirectPrefixes[len(t.RedirectPrefixes)-maxOrigins:]
			}
		}
		return changed
	})
}

func revokeKeys(ctx context.Context, svc *tenancy.Service, tenantID string) error {
	keys, err := svc.APIKeys(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if !k.RevokedAt.IsZero() {
			continue
		}
		if err := svc.RevokeKey(ctx, tenantID, k.ID); err != nil {
			return err
		}
	}
	return nil
}
