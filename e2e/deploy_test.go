package e2e

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The Dockerfile's build step, run here as it is written (images cannot
// be pulled in the test), gives a static binary that runs with no C
// library; the image runs it as a non-root user with the database on the
// /data volume.
func TestDockerfileBuildsAStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary again with the Dockerfile's flags")
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	df, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(df)
	m := regexp.MustCompile(`(?m)^RUN (CGO_ENABLED=0 go build .* -o /out/uplift \./cmd/uplift)$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("the Dockerfile has no step RUN CGO_ENABLED=0 go build ... -o /out/uplift ./cmd/uplift:\n%s", text)
	}
	for _, want := range []string{"\nUSER 65532:65532\n", "\nVOLUME /data\n", "UPLIFT_DATABASE_URL=sqlite:///data/uplift.db",
		"FROM gcr.io/distroless/static", `ENTRYPOINT ["/usr/local/bin/uplift"]`} {
		if !strings.Contains(text, want) {
			t.Errorf("the Dockerfile lacks %q", want)
		}
	}
	out := filepath.Join(t.TempDir(), "uplift")
	cmd := exec.Command("sh", "-c", strings.Replace(m[1], "/out/uplift", out, 1))
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", m[1], err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary is dynamically linked (%v): it would not start in a distroless/static image", p.Type)
		}
	}
	// It runs, and serves on a SQLite file in a data directory, as in the image.
	dir := t.TempDir()
	run := exec.Command(out, "migrate")
	run.Env = append(cleanEnv(), "UPLIFT_DATABASE_URL=sqlite://"+filepath.Join(dir, "uplift.db"))
	if b, err := run.CombinedOutput(); err != nil {
		t.Fatalf("uplift migrate with the static binary: %v\n%s", err, b)
	}
}

// The systemd unit passes systemd-analyze verify and its sandbox rates
// as low exposure.
func TestSystemdUnit(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	unit, err := os.ReadFile(filepath.Join(root, "deploy", "uplift.service"))
	if err != nil {
		t.Fatal(err)
	}
	// verify checks that ExecStart exists: point it at this run's binary.
	path := filepath.Join(t.TempDir(), "uplift.service")
	text := strings.Replace(string(unit), "ExecStart=/usr/local/bin/uplift", "ExecStart="+upliftBinary(t), 1)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(analyze, "verify", path).CombinedOutput(); err != nil || len(b) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, b)
	}
	b, err := exec.Command(analyze, "security", "--offline=yes", path).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for uplift.service: ([0-9.]+)`).FindSubmatch(b)
	if m == nil {
		t.Skipf("systemd-analyze security --offline=yes gave no exposure level (%v):\n%s", err, b)
	}
	level, _ := strconv.ParseFloat(string(m[1]), 64)
	if level > 2.0 {
		t.Errorf("systemd-analyze security rates the unit's exposure %.1f, want 2.0 or less (OK):\n%s", level, b)
	}
	t.Logf("systemd-analyze security: exposure %.1f", level)
}
