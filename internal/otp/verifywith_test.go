package otp

import (
	"testing"
	"time"
)

// TestVerifyWith checks that a code checked by the caller is counted
// exactly as Verify counts one it checks itself, and that the caller's
// check is not consulted once the challenge is closed.
func TestVerifyWith(t *testing.T) {
	tests := []struct {
		name     string
		ch       Challenge
		at       time.Time
		matches  bool
		want     Result
		attempts int
		used     bool
		asked    bool
	}{
		{"right", fixedChallenge(), clock, true, Verified, 0, true, true},
		{"wrong", fixedChallenge(), clock, false, WrongCode, 1, false, true},
		{"last wrong", with(func(c *Challenge) { c.Attempts = 4 }), clock, false, MaxAttemptsExceeded, 5, false, true},
		{"right after the end", with(func(c *Challenge) { c.Attempts = 5 }), clock, true, InvalidOrExpired, 5, false, false},
		{"right when used", with(func(c *Challenge) { c.Used = true }), clock, true, InvalidOrExpired, 0, true, false},
		{"right at expiry", fixedChallenge(), clock.Add(Lifetime), true, InvalidOrExpired, 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked := false
			got, after := VerifyWith(tt.ch, tt.at, func() bool { asked = true; return tt.matches })
			if got != tt.want || after.Attempts != tt.attempts || after.Used != tt.used || asked != tt.asked {
				t.Errorf("VerifyWith = %v, attempts %d, used %v, check asked %v; want %v, %d, %v, %v",
					got, after.Attempts, after.Used, asked, tt.want, tt.attempts, tt.used, tt.asked)
			}
		})
	}
}
