package testclock_test

import (
	"sync"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/testclock"
)

var start = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func TestClock(t *testing.T) {
	c := testclock.New(start)
	if got := c.Now(); !got.Equal(start) {
		t.Errorf("Now = %v, want %v", got, start)
	}
	c.Advance(90 * time.Second)
	if got, want := c.Now(), start.Add(90*time.Second); !got.Equal(want) {
		t.Errorf("after Advance: %v, want %v", got, want)
	}
	c.Set(start)
	if got := c.Now(); !got.Equal(start) {
		t.Errorf("after Set: %v, want %v", got, start)
	}
}

// TestClockConcurrent moves and reads the clock from many goroutines, as a
// test does while the server under test reads it; under -race a clock
// without its lock fails here.
func TestClockConcurrent(t *testing.T) {
	c := testclock.New(start)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(2)
		go func() { defer wg.Done(); c.Advance(time.Second) }()
		go func() { defer wg.Done(); _ = c.Now() }()
	}
	wg.Wait()
	if got, want := c.Now(), start.Add(8*time.Second); !got.Equal(want) {
		t.Errorf("after 8 concurrent moves: %v, want %v", got, want)
	}
}
