package rules

import (
	"github.com/uplift-dev/uplift/internal/puretest"
	"testing"
)

// TestPackageIsPure proves the package does no I/O. (os itself comes in
// through encoding/json and fmt.)
func TestPackageIsPure(t *testing.T) {
	puretest.Check(t, "github.com/uplift-dev/uplift/internal/rules", nil)
}
