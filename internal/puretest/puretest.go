// Package puretest proves in a test that a package is pure: it reaches no
// network, database, log or process, nor Uplift's store, and outside the
// standard library only the modules it is allowed.
package puretest

import (
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const store = "github.com/uplift-dev/uplift/internal/store"

// forbidden are the standard packages no pure package may depend on.
var forbidden = []string{"net", "net/http", "database/sql", "log", "log/slog", "os/exec"}

// Check fails t if pkg depends, directly or not, on a forbidden standard
// package or on extra ones, on Uplift's store, or on a module outside the
// standard library other than those whose paths start with an allowed
// prefix.
func Check(t *testing.T, pkg string, allowed []string, extra ...string) {
	t.Helper()
	for _, dep := range deps(t, pkg) {
		first, _, _ := strings.Cut(dep, "/")
		switch {
		case dep == pkg:
		case slices.Contains(forbidden, dep), slices.Contains(extra, dep),
			dep == store, strings.HasPrefix(dep, store+"/"):
			t.Errorf("%s depends on %s", pkg, dep)
		case strings.Contains(first, ".") && !slices.ContainsFunc(allowed, func(a string) bool {
			return dep == a || strings.HasPrefix(dep, a+"/")
		}):
			t.Errorf("%s depends on %s, outside the standard library", pkg, dep)
		}
	}
}

func deps(t *testing.T, pkg string) []string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list dependencies: %v", err)
	}
	out, err := exec.CommandContext(t.Context(), goTool, "list", "-deps", pkg).Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			err = fmt.Errorf("%w: %s", err, exitErr.Stderr)
		}
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	list := strings.Fields(string(out))
	if len(list) == 0 || list[len(list)-1] != pkg {
		t.Fatalf("go list -deps printed %q, want a list ending with %s", list, pkg)
	}
	return list
}

// Imports returns the packages pkg imports directly, its tests left out.
func Imports(t *testing.T, pkg string) []string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list imports: %v", err)
	}
	out, err := exec.CommandContext(t.Context(), goTool, "list", "-f", `{{join .Imports "\n"}}`, pkg).Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			err = fmt.Errorf("%w: %s", err, exitErr.Stderr)
		}
		t.Fatalf("go list -f {{.Imports}} %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}
