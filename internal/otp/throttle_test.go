package otp

import (
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	// ago lists send times as offsets before clock.
	ago := func(ds ...time.Duration) []time.Time {
		ts := make([]time.Time, len(ds))
		for i, d := range ds {
			ts[i] = clock.Add(-d)
		}
		return ts
	}
	// spread returns n sends, the newest newest ago, one every step.
	spread := func(n int, newest, step time.Duration) []time.Time {
		ds := make([]time.Duration, n)
		for i := range ds {
			ds[i] = newest + time.Duration(i)*step
		}
		return ago(ds...)
	}
	tests := []struct {
		name      string
		sent      []time.Time
		wantOK    bool
		wantRetry time.Duration
	}{
		{"nothing sent", nil, true, 0},
		{"sent just now", ago(0), false, 30 * time.Second},
		{"sent 29s ago", ago(29 * time.Second), false, time.Second},
		{"sent 29.999s ago", ago(29*time.Second + 999*time.Millisecond), false, time.Millisecond},
		{"sent exactly 30s ago", ago(30 * time.Second), true, 0},
		{"sent long ago", ago(2 * time.Hour), true, 0},
		{"the newest send counts, in any order", ago(50*time.Minute, 10*time.Second, 5*time.Minute), false, 20 * time.Second},
		{"a send in the future waits for it", ago(-10 * time.Second), false, 40 * time.Second},
		{"nine in the hour", spread(9, time.Minute, 5*time.Minute), true, 0},
		{
			// Oldest of ten at 59m ago: it leaves the window in one minute.
			"ten in the hour", spread(10, 5*time.Minute, 6*time.Minute), false, time.Minute,
		},
		{
			// Oldest of ten exactly one hour ago has left the window.
			"ten, the oldest exactly an hour ago", spread(10, 6*time.Minute, 6*time.Minute), true, 0,
		},
		{
			// Oldest of ten just under an hour ago.
			"ten, the oldest just inside the hour",
			spread(10, 6*time.Minute-time.Nanosecond, 6*time.Minute), false, time.Nanosecond,
		},
		{
			// Twelve within the hour: three must leave, the third oldest at 48m ago.
			"twelve in the hour", spread(12, time.Minute, 4*time.Minute+time.Second), false,
			time.Hour - (time.Minute + 9*(4*time.Minute+time.Second)),
		},
		{
			// Both limits apply; the longer wait wins.
			"ten in the hour, one just now", spread(10, 10*time.Second, time.Minute), false,
			time.Hour - (10*time.Second + 9*time.Minute),
		},
		{
			// The hourly wait is shorter than the 30 s one here.
			"ten in the hour, the oldest about to leave",
			append(ago(59*time.Minute+50*time.Second), spread(9, 5*time.Second, time.Second)...),
			false, 25 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotOK, gotRetry := Throttle(tt.sent, clock)
			if gotOK != tt.wantOK || gotRetry != tt.wantRetry {
				t.Errorf("Throttle = %v, %v; want %v, %v", gotOK, gotRetry, tt.wantOK, tt.wantRetry)
			}
		})
	}
}

func TestThrottleKeepsInput(t *testing.T) {
	sent := []time.Time{clock.Add(-time.Minute), clock.Add(-2 * time.Hour), clock.Add(-time.Second)}
	want := append([]time.Time(nil), sent...)
	Throttle(sent, clock)
	for i := range sent {
		if !sent[i].Equal(want[i]) {
			t.Fatalf("Throttle reordered its input: %v, want %v", sent, want)
		}
	}
}
