package uplift

import (
	"strings"
	"testing"
)

func TestReasonExplain(t *testing.T) {
	seen := map[string]Reason{}
	for _, r := range Reasons() {
		t.Run(string(r), func(t *testing.T) {
			got := r.Explain()
			if got == "" || !strings.HasSuffix(got, ".") {
				t.Errorf("%q.Explain() = %q, want a sentence ending with a period", r, got)
			}
			if strings.Contains(got, string(r)) {
				t.Errorf("%q.Explain() = %q, want plain English, not the code", r, got)
			}
			if other, dup := seen[got]; dup {
				t.Errorf("%q.Explain() = %q, the same as %q", r, got, other)
			}
			seen[got] = r
		})
	}
	t.Run("unknown", func(t *testing.T) {
		got := Reason("made_up").Explain()
		if _, known := seen[got]; known || got == "" {
			t.Errorf("unknown reason explained as %q, want a distinct generic sentence", got)
		}
	})
}
