package otp

import (
	"slices"
	"time"
)

const (
	// MinInterval is the shortest time allowed between two sends to one user
	// by one method.
	MinInterval = 30 * time.Second
	// ThrottleWindow is the span over which HourlyLimit applies; sends at
	// least this old never affect Throttle, so callers need load no older.
	ThrottleWindow = time.Hour
	// HourlyLimit is how many sends one user may get by one method within
	// ThrottleWindow.
	HourlyLimit = 10
)

// Throttle decides whether another code may be sent now to one user by one
// method (email or text), given when earlier codes went out to that user by
// that method; list only sends that succeeded. When sending is not allowed,
// retryAfter is how long until it will be.
func Throttle(sentTimes []time.Time, now time.Time) (ok bool, retryAfter time.Duration) {
	windowStart := now.Add(-ThrottleWindow)
	recent := make([]time.Time, 0, len(sentTimes))
	for _, t := range sentTimes {
		if t.After(windowStart) {
			recent = append(recent, t)
		}
	}
	if len(recent) == 0 {
		return true, 0
	}
	slices.SortFunc(recent, time.Time.Compare)

	retryAfter = recent[len(recent)-1].Add(MinInterval).Sub(now)
	if excess := len(recent) - HourlyLimit; excess >= 0 {
		// Sending is possible again once the excess+1 oldest sends have left
		// the window, bringing the count below the limit.
		retryAfter = max(retryAfter, recent[excess].Add(ThrottleWindow).Sub(now))
	}
	if retryAfter <= 0 {
		return true, 0
	}
	return false, retryAfter
}
