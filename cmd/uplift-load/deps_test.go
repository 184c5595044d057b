package main

import (
	"testing"

	"github.com/uplift-dev/uplift/internal/puretest"
)

// TestNoTestingInTheBinary: the load tool shares its mail parsing and
// software authenticator with the tests, but never their test helpers, so
// the testing package (its flags, its helpers) stays out of the binary.
func TestNoTestingInTheBinary(t *testing.T) {
	puretest.Without(t, "github.com/uplift-dev/uplift/cmd/uplift-load", "testing",
		"github.com/uplift-dev/uplift/internal/notify/notifytest",
		"github.com/uplift-dev/uplift/internal/apitest")
}
