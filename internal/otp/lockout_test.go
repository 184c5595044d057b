package otp

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLockoutLength(t *testing.T) {
	tests := []struct {
		earlier int
		want    time.Duration
	}{
		{0, 15 * time.Minute},
		{1, 30 * time.Minute},
		{2, time.Hour},
		{3, 2 * time.Hour},
		{6, 16 * time.Hour},
		{7, 24 * time.Hour},
		{8, 24 * time.Hour},
		{1000, 24 * time.Hour},
	}
	for _, tt := range tests {
		if got := LockoutLength(tt.earlier); got != tt.want {
			t.Errorf("LockoutLength(%d) = %v, want %v", tt.earlier, got, tt.want)
		}
	}
}

// failN applies n wrong codes one second apart from at, stopping at the
// first lock, and returns the standing and how many codes were judged.
func failN(s Standing, at time.Time, n int) (Standing, int, time.Time) {
	judged := 0
	for range n {
		if locked, _ := s.Locked(at); locked {
			break
		}
		s, _ = s.Fail(at)
		judged++
		at = at.Add(time.Second)
	}
	return s, judged, at
}

func TestStandingLocksAfterTenWrongCodes(t *testing.T) {
	s := Standing{}
	for i := 1; i < LockoutThreshold; i++ {
		var locked bool
		s, locked = s.Fail(clock)
		if locked || s.Failures != i {
			t.Fatalf("after %d wrong codes: locked %v, failures %d; want unlocked, %d", i, locked, s.Failures, i)
		}
	}
	s, locked := s.Fail(clock)
	want := Standing{Failures: 0, Lockouts: 1, LockedUntil: clock.Add(15 * time.Minute), LastFailure: clock}
	if !locked {
		t.Error("the tenth wrong code did not lock")
	}
	if diff := cmp.Diff(s, want); diff != "" {
		t.Errorf("standing (-got +want):\n%s", diff)
	}
	if l, wait := s.Locked(clock.Add(time.Minute)); !l || wait != 14*time.Minute {
		t.Errorf("Locked a minute later = %v, %v; want true, 14m", l, wait)
	}
	if l, _ := s.Locked(clock.Add(15*time.Minute - time.Nanosecond)); !l {
		t.Error("open just before the lock ends")
	}
	if l, wait := s.Locked(clock.Add(15 * time.Minute)); l || wait != 0 {
		t.Errorf("Locked when the lock ends = %v, %v; want false, 0", l, wait)
	}
}

func TestStandingLocksDouble(t *testing.T) {
	s, at := Standing{}, clock
	var lengths []time.Duration
	for range 10 {
		var judged int
		s, judged, at = failN(s, at, 100)
		if judged != LockoutThreshold {
			t.Fatalf("judged %d wrong codes before a lock, want %d", judged, LockoutThreshold)
		}
		lengths = append(lengths, s.LockedUntil.Sub(at.Add(-time.Second)))
		at = s.LockedUntil
	}
	want := []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour,
		8 * time.Hour, 16 * time.Hour, 24 * time.Hour, 24 * time.Hour, 24 * time.Hour}
	if diff := cmp.Diff(lengths, want); diff != "" {
		t.Errorf("lock lengths (-got +want):\n%s", diff)
	}
}

func TestStandingRightCodeResets(t *testing.T) {
	s, _, _ := failN(Standing{}, clock, 9)
	s = s.Succeed()
	if s != (Standing{}) {
		t.Fatalf("after a right code: %+v, want a clean record", s)
	}
	// Nine more wrong codes do not lock: the count started over.
	s, judged, _ := failN(s, clock, 9)
	if locked, _ := s.Locked(clock.Add(time.Hour)); locked || judged != 9 {
		t.Errorf("nine wrong codes after a right one: judged %d, locked %v", judged, locked)
	}
}

func TestStandingForgetsOldLocks(t *testing.T) {
	s, _, _ := failN(Standing{}, clock, 10)
	s, _, _ = failN(s, s.LockedUntil, 10) // second lock: 30 minutes
	end := s.LockedUntil
	// Just inside the memory, the third lock is an hour.
	near, _, _ := failN(s, end.Add(LockoutMemory-time.Minute), 10)
	if got := near.LockedUntil.Sub(end.Add(LockoutMemory - time.Minute + 9*time.Second)); got != time.Hour {
		t.Errorf("third lock within a day of the last = %v, want 1h", got)
	}
	// A day after the last lock ended, it starts again at 15 minutes.
	far, _, _ := failN(s, end.Add(LockoutMemory), 10)
	if got := far.LockedUntil.Sub(end.Add(LockoutMemory + 9*time.Second)); got != 15*time.Minute {
		t.Errorf("lock a day after the last = %v, want 15m", got)
	}
}

func TestStandingForgetsOldFailures(t *testing.T) {
	s, _, at := failN(Standing{}, clock, 9)
	// A day after the ninth (at is a second after it), a wrong code is the
	// first of a new count.
	s, locked := s.Fail(at.Add(LockoutMemory))
	if locked || s.Failures != 1 {
		t.Errorf("wrong code a day later: locked %v, failures %d; want unlocked, 1", locked, s.Failures)
	}
	// Just under a day, it is the tenth in a row.
	s2, _, at2 := failN(Standing{}, clock, 9)
	if _, locked := s2.Fail(at2.Add(LockoutMemory - 2*time.Second)); !locked {
		t.Error("the tenth wrong code within a day did not lock")
	}
}

func TestStandingForgotten(t *testing.T) {
	s, _, _ := failN(Standing{}, clock, 10)
	tests := []struct {
		name string
		s    Standing
		at   time.Time
		want bool
	}{
		{"clean", Standing{}, clock, true},
		{"locked", s, clock.Add(time.Minute), false},
		{"lock ended an hour ago", s, s.LockedUntil.Add(time.Hour), false},
		{"lock ended a day ago", s, s.LockedUntil.Add(LockoutMemory), true},
		{"a wrong code a minute ago", Standing{Failures: 1, LastFailure: clock}, clock.Add(time.Minute), false},
		{"a wrong code a day ago", Standing{Failures: 1, LastFailure: clock}, clock.Add(LockoutMemory), true},
	}
	for _, tt := range tests {
		if got := tt.s.Forgotten(tt.at); got != tt.want {
			t.Errorf("%s: Forgotten = %v, want %v", tt.name, got, tt.want)
		}
	}
}
