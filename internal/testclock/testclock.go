// Package testclock is the settable clock of Uplift's tests: the server
// under test reads it from its own goroutines while the test moves it, so
// every read and move holds a lock. It imports neither testing nor
// anything of Uplift's, so any test, harness or tool may use it.
package testclock

import (
	"sync"
	"time"
)

// Clock is a time that stands still until moved. Its zero value reads the
// zero time; use New. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a clock that reads start.
func New(start time.Time) *Clock {
	return &Clock{now: start}
}

// Now returns the clock's time; pass the method value where a
// `now func() time.Time` is injected.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (back when d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
