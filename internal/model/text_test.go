package model_test

import (
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/model"
)

func TestTextRuleProblem(t *testing.T) {
	tests := []struct {
		name string
		rule model.TextRule
		s    string
		want string // a word of the problem, or "" for none
	}{
		{"empty", model.TextRule{}, "", ""},
		{"plain", model.TextRule{}, "Ada Lovelace", ""},
		{"accents and emoji", model.TextRule{}, "Zoë 🦊 日本", ""},
		{"NUL", model.TextRule{}, "a\x00b", "NUL"},
		{"escape", model.TextRule{}, "a\x1bb", "U+001B"},
		{"DEL", model.TextRule{}, "a\x7fb", "U+007F"},
		{"C1 control", model.TextRule{}, "a\u0085b", "U+0085"},
		{"newline in one line", model.TextRule{}, "a\nb", "line break"},
		{"tab in one line", model.TextRule{}, "a\tb", "line break"},
		{"newline in free text", model.TextRule{Free: true}, "a\r\n\tb", ""},
		{"NUL in free text", model.TextRule{Free: true}, "a\x00", "NUL"},
		{"invalid UTF-8", model.TextRule{}, "a\xff\xfe", "UTF-8"},
		{"overlong slash", model.TextRule{}, "a\xc0\xaf", "UTF-8"},
		{"surrogate half", model.TextRule{}, "\xed\xa0\x80", "UTF-8"},
		{"cut rune", model.TextRule{}, "é"[:1], "UTF-8"},
		{"at the default limit", model.TextRule{}, strings.Repeat("a", model.MaxText), ""},
		{"past the default limit", model.TextRule{}, strings.Repeat("a", model.MaxText+1), "longer than 256"},
		{"limit counts characters", model.TextRule{Max: 3}, "ééé", ""},
		{"past a limit", model.TextRule{Max: 3}, "éééé", "longer than 3"},
		{"no limit", model.TextRule{Max: -1}, strings.Repeat("a", 100000), ""},
		{"UUID", model.TextRule{UUID: true}, "0190c6b2-7e5f-7a3c-9d41-2b8e6f1a0c3d", ""},
		{"no UUID", model.TextRule{UUID: true}, "", ""},
		{"upper-case UUID", model.TextRule{UUID: true}, "0190C6B2-7E5F-7A3C-9D41-2B8E6F1A0C3D", "UUID"},
		{"UUID with NUL", model.TextRule{UUID: true}, "a\x00", "UUID"},
		{"UUID without hyphens", model.TextRule{UUID: true}, "0190c6b27e5f7a3c9d412b8e6f1a0c3d0000", "UUID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.rule.Problem(tt.s)
			if (got == "") != (tt.want == "") || !strings.Contains(got, tt.want) {
				t.Errorf("Problem(%q) = %q, want %q", tt.s, got, tt.want)
			}
		})
	}
}

func TestTextRuleProblemDoesNotAllocate(t *testing.T) {
	s := strings.Repeat("Zoë ", 50)
	if n := testing.AllocsPerRun(100, func() { _ = model.TextRule{}.Problem(s) }); n != 0 {
		t.Errorf("Problem allocates %v times for valid text, want 0", n)
	}
}

func TestValidUUID(t *testing.T) {
	for s, want := range map[string]bool{
		"0190c6b2-7e5f-7a3c-9d41-2b8e6f1a0c3d":  true,
		"00000000-0000-0000-0000-000000000000":  true,
		"0190c6b2-7e5f-7a3c-9d41-2b8e6f1a0c3":   false,
		"0190c6b2-7e5f-7a3c-9d41-2b8e6f1a0c3dd": false,
		"0190c6b2x7e5f-7a3c-9d41-2b8e6f1a0c3d":  false,
		"0190c6b2-7e5f-7a3c-9d41-2b8e6f1a0c3g":  false,
		"":                                      false,
	} {
		if got := model.ValidUUID(s); got != want {
			t.Errorf("ValidUUID(%q) = %v, want %v", s, got, want)
		}
	}
}
