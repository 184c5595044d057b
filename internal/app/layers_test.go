package app_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/puretest"
)

const module = "github.com/uplift-dev/uplift/internal/"

// surfaces answer HTTP; domains hold the rules they apply. The server,
// which mounts the surfaces, and this package, which binds the store to
// the domains, are the composition root and may reach everything.
var (
	surfaces = []string{"clientapi", "serverapi", "managementapi", "hosted", "console", "demo"}
	domains  = []string{"tenancy", "policy", "actions", "passkeys", "codes", "prompt", "admin", "branding"}
)

// TestNothingAboveTheStoreReachesIt proves that no surface and no domain
// package depends on the store, directly or not: a surface reads and
// writes only through a domain package, which owns its checks and its
// cache, and a domain package declares the queries it uses (its Queries
// and Store interfaces), which the store is bound to at the composition
// root.
func TestNothingAboveTheStoreReachesIt(t *testing.T) {
	for _, p := range append(slices.Clone(surfaces), domains...) {
		puretest.Without(t, module+p, module+"store")
	}
}

// TestDomainsKnowNoSurface proves that imports point one way: no domain
// package imports a surface, the JSON plumbing or another domain's
// caller.
func TestDomainsKnowNoSurface(t *testing.T) {
	below := append(slices.Clone(surfaces), "jsonapi", "app", "server")
	for _, d := range domains {
		for _, imp := range puretest.Imports(t, module+d) {
			if name, ok := strings.CutPrefix(imp, module); ok && slices.Contains(below, name) {
				t.Errorf("%s imports %s", d, name)
			}
		}
	}
}
