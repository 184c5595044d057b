package app_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/puretest"
)

const module = "github.com/uplift-dev/uplift/internal/"

// surfaces answer HTTP; domains hold the rules they apply.
var (
	surfaces = []string{"clientapi", "serverapi", "managementapi", "hosted", "console", "demo", "server"}
	domains  = []string{"tenancy", "policy", "actions", "passkeys", "codes", "prompt", "admin"}
)

// TestSurfacesGoThroughTheDomains proves that no surface imports the
// store: every read and write a page or an API makes goes through a
// domain package, which owns its checks and its cache.
func TestSurfacesGoThroughTheDomains(t *testing.T) {
	for _, s := range surfaces {
		if slices.Contains(puretest.Imports(t, module+s), module+"store") {
			t.Errorf("%s imports the store; go through a domain package", s)
		}
	}
}

// TestDomainsKnowNoSurface proves that imports point one way: no domain
// package imports a surface, the JSON plumbing or another domain's
// caller.
func TestDomainsKnowNoSurface(t *testing.T) {
	below := append(slices.Clone(surfaces), "jsonapi", "app")
	for _, d := range domains {
		for _, imp := range puretest.Imports(t, module+d) {
			if name, ok := strings.CutPrefix(imp, module); ok && slices.Contains(below, name) {
				t.Errorf("%s imports %s", d, name)
			}
		}
	}
}
