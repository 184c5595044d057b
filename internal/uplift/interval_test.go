package uplift

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPresets(t *testing.T) {
	got := Presets()
	want := []Preset{
		{Label: "Every challenge", Seconds: 0},
		{Label: "Once a day", Seconds: 86400},
		{Label: "Once a week", Seconds: 604800},
		{Label: "Once a month", Seconds: 2592000},
		{Label: "Once every 3 months", Seconds: 7776000},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Fatalf("Presets() mismatch (-got +want):\n%s", diff)
	}

	got[1].Seconds = 1
	if again := Presets(); again[1].Seconds != 86400 {
		t.Errorf("changing the result of Presets() changed the table: got %d, want 86400", again[1].Seconds)
	}
}

func TestPresetInterval(t *testing.T) {
	for _, tc := range []struct {
		preset Preset
		want   time.Duration
	}{
		{Preset{Seconds: 0}, 0},
		{Preset{Seconds: 86400}, 24 * time.Hour},
		{Preset{Seconds: 7776000}, 90 * 24 * time.Hour},
	} {
		if got := tc.preset.Interval(); got != tc.want {
			t.Errorf("Preset{Seconds: %d}.Interval() = %v, want %v", tc.preset.Seconds, got, tc.want)
		}
	}
}

func TestIntervalLabel(t *testing.T) {
	for _, tc := range []struct {
		seconds int64
		want    string
	}{
		{0, "Every challenge"},
		{86400, "Once a day"},
		{604800, "Once a week"},
		{2592000, "Once a month"},
		{7776000, "Once every 3 months"},
		{-5, "Every challenge"},
		{1, "Every second"},
		{90, "Every 90 seconds"},
		{60, "Every minute"},
		{120, "Every 2 minutes"},
		{3600, "Every hour"},
		{7200, "Every 2 hours"},
		{172800, "Every 2 days"},
		{1209600, "Every 2 weeks"},
		{86401, "Every 86401 seconds"},
	} {
		t.Run(fmt.Sprint(tc.seconds), func(t *testing.T) {
			if got := IntervalLabel(tc.seconds); got != tc.want {
				t.Errorf("IntervalLabel(%d) = %q, want %q", tc.seconds, got, tc.want)
			}
		})
	}
}
