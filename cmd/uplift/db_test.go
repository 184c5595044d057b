package main

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// uplift db copy refuses command lines it cannot run before it touches a
// database, and refuses a source that does not exist rather than create it.
func TestDBCopyRefuses(t *testing.T) {
	dir := t.TempDir()
	missing := "sqlite://" + filepath.Join(dir, "missing.db")
	for _, tc := range []struct {
		args  []string
		usage bool
		want  string
	}{
		{[]string{"db"}, true, "missing subcommand"},
		{[]string{"db", "move"}, true, "unknown subcommand"},
		{[]string{"db", "copy", "--to", "sqlite://b.db"}, true, "--from and --to"},
		{[]string{"db", "copy", "--from", "sqlite://a.db", "--to", "sqlite://a.db"}, true, "same database"},
		{[]string{"db", "copy", "--from", missing, "--to", "sqlite://" + filepath.Join(dir, "b.db")}, false, "no database at"},
	} {
		var out, errb bytes.Buffer
		err := run(t.Context(), tc.args, func(string) string { return "" }, &out, &errb)
		var usage usageError
		if err == nil || errors.As(err, &usage) != tc.usage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("uplift %s = %v; want a %v usage error containing %q", strings.Join(tc.args, " "), err, tc.usage, tc.want)
		}
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "*")); len(matches) != 0 {
		t.Errorf("refused copies left files behind: %v", matches)
	}
}

// uplift db -h and uplift db copy -h describe the command.
func TestDBCopyHelp(t *testing.T) {
	for _, args := range [][]string{{"db", "-h"}, {"db", "copy", "-h"}} {
		var out, errb bytes.Buffer
		if err := run(t.Context(), args, func(string) string { return "" }, &out, &errb); err != nil {
			t.Errorf("uplift %s = %v", strings.Join(args, " "), err)
		}
		if !strings.Contains(out.String(), "uplift db copy --from URL --to URL") {
			t.Errorf("uplift %s printed %q", strings.Join(args, " "), out.String())
		}
	}
}
