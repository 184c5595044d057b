package rules

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// TestPackageIsPure proves the package does no I/O: it depends on no HTTP,
// SQL, logging, process or store package, and on nothing outside the
// standard library. (os itself comes in through encoding/json and fmt.)
func TestPackageIsPure(t *testing.T) {
	const (
		self  = "github.com/uplift-dev/uplift/internal/rules"
		store = "github.com/uplift-dev/uplift/internal/store"
	)
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list dependencies: %v", err)
	}
	out, err := exec.CommandContext(t.Context(), goTool, "list", "-deps", self).Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			err = fmt.Errorf("%w: %s", err, exitErr.Stderr)
		}
		t.Fatalf("go list -deps %s: %v", self, err)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 || deps[len(deps)-1] != self {
		t.Fatalf("go list -deps printed %q, want a list ending with %s", deps, self)
	}
	forbidden := map[string]bool{
		"net":          true,
		"net/http":     true,
		"database/sql": true,
		"log":          true,
		"log/slog":     true,
		"os/exec":      true,
	}
	for _, dep := range deps {
		first, _, _ := strings.Cut(dep, "/")
		switch {
		case forbidden[dep], dep == store, strings.HasPrefix(dep, store+"/"):
			t.Errorf("%s depends on %s", self, dep)
		case dep != self && strings.Contains(first, "."):
			t.Errorf("%s depends on %s, outside the standard library", self, dep)
		}
	}
}
