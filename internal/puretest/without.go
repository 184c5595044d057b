package puretest

import (
	"slices"
	"testing"
)

// Without fails t if pkg depends, directly or not, on any of the packages
// named, such as a binary on testing.
func Without(t *testing.T, pkg string, forbidden ...string) {
	t.Helper()
	for _, dep := range deps(t, pkg) {
		if slices.Contains(forbidden, dep) {
			t.Errorf("%s depends on %s", pkg, dep)
		}
	}
}
