package otp

import (
	"testing"
	"time"
)

func TestCeiling(t *testing.T) {
	hour := time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		name              string
		previous, current int
		limit             int
		at                time.Time
		wantOK            bool
		wantRetry         time.Duration
	}{
		{"no ceiling", 1e6, 1e6, 0, hour, true, 0},
		{"nothing sent", 0, 0, 100, hour, true, 0},
		{"one under the limit", 0, 99, 100, hour.Add(time.Minute), true, 0},
		{"at the limit this hour", 0, 100, 100, hour.Add(15 * time.Minute), false, 45 * time.Minute},
		{"at the limit in the last second", 0, 100, 100, hour.Add(CeilingWindow - time.Millisecond), false, time.Second},
		{"the hour before weighs fully at its end", 100, 0, 100, hour, false, 1 * time.Second},
		{"the hour before weighs half halfway", 100, 49, 100, hour.Add(30 * time.Minute), true, 0},
		{"the hour before and this one", 100, 50, 100, hour.Add(30 * time.Minute), false, time.Second},
		// 80 of the hour before and 20 now: 80·(1-x) < 80 once x > 0;
		// at 0 the estimate is exactly 100.
		{"a spread that opens at once", 80, 20, 100, hour, false, time.Second},
		// 200 before, 0 now: opens when 200·(1-x) < 100, at x = 1/2.
		{"a burst the hour before", 200, 0, 100, hour.Add(10 * time.Minute), false, 20*time.Minute + time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, retry := Ceiling(tt.previous, tt.current, tt.limit, tt.at)
			if ok != tt.wantOK || retry != tt.wantRetry {
				t.Errorf("Ceiling(%d, %d, %d) = %v, %v; want %v, %v", tt.previous, tt.current, tt.limit, ok, retry, tt.wantOK, tt.wantRetry)
			}
		})
	}
}
