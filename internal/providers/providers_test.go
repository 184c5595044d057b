package providers_test

import (
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/providers"
)

func TestBuiltinNamesTheCommonProviders(t *testing.T) {
	l := providers.Builtin()
	if l.Len() < 40 {
		t.Errorf("the embedded list names %d providers, want the community list's (over 40)", l.Len())
	}
	for _, tc := range []struct{ aaguid, name string }{
		{"ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4", "Google Password Manager"},
		{"EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4", "Google Password Manager"},
		{"fbfc3007-154e-4ecc-8c0b-6e020557d7bd", "Apple Passwords"},
		{"bada5566-a7aa-401f-bd96-45619a55120d", "1Password"},
		{"08987058-cadc-4b81-b6e1-30de50dcbe96", "Windows Hello"},
	} {
		p, ok := l.Lookup(tc.aaguid)
		if !ok || p.Name != tc.name {
			t.Errorf("Lookup(%s) = %q, %v; want %q", tc.aaguid, p.Name, ok, tc.name)
		}
		if !strings.HasPrefix(p.SVGIconLight, "data:image/svg+xml;base64,") {
			t.Errorf("%s has no light icon", tc.name)
		}
	}
	for _, p := range l.All() {
		if p.SVGIconLight != providers.SafeIcon(p.SVGIconLight) || p.SVGIconDark != providers.SafeIcon(p.SVGIconDark) {
			t.Errorf("%s keeps an icon that is not a safe data URL", p.Name)
		}
	}
	for _, aaguid := range []string{"00000000-0000-0000-0000-000000000000", "01020304-0506-0708-0102-030405060708", "nonsense"} {
		if p, ok := l.Lookup(aaguid); ok {
			t.Errorf("Lookup(%s) = %q, want none", aaguid, p.Name)
		}
	}
	if len(providers.SnapshotCommit) != 40 || len(providers.SnapshotDate) != len("2006-01-02") {
		t.Errorf("snapshot %q of %q is not recorded", providers.SnapshotCommit, providers.SnapshotDate)
	}
}

func TestParse(t *testing.T) {
	const svg = "data:image/svg+xml;base64,PHN2Zy8+"
	l, err := providers.Parse([]byte(`{
		"ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4": {"name": " Google Password Manager ", "icon_light": "` + svg + `", "icon_dark": "https://tracker.example/i.svg"},
		"not-a-uuid": {"name": "Ignored"},
		"00000000-0000-0000-0000-000000000000": {"name": "Zero"},
		"bada5566-a7aa-401f-bd96-45619a55120d": {"name": ""},
		"08987058-cadc-4b81-b6e1-30de50dcbe96": {"name": "Bell\u0007"},
		"fbfc3007-154e-4ecc-8c0b-6e020557d7bd": {"name": "Apple", "icon_light": "data:text/html;base64,PHNjcmlwdD4="}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != 2 {
		t.Errorf("Parse kept %d entries, want 2: %v", l.Len(), l.All())
	}
	g, _ := l.Lookup("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4")
	if g.Name != "Google Password Manager" || g.SVGIconLight != svg || g.SVGIconDark != "" {
		t.Errorf("Google Password Manager = %+v", g)
	}
	if a, _ := l.Lookup("fbfc3007-154e-4ecc-8c0b-6e020557d7bd"); a.Name != "Apple" || a.SVGIconLight != "" {
		t.Errorf("an HTML data URL was kept as an icon: %+v", a)
	}
	for _, body := range []string{`{}`, `[]`, `{"x": 1}`, ``, `{"not-a-uuid": {"name": "x"}}`} {
		if _, err := providers.Parse([]byte(body)); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", body)
		}
	}
	if got := providers.SafeIcon("data:image/png;base64," + strings.Repeat("A", providers.MaxIconBytes)); got != "" {
		t.Error("SafeIcon kept an icon past the size limit")
	}
}
