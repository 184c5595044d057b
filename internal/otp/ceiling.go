package otp

import "time"

// CeilingWindow is the span a tenant's send ceiling applies to.
const CeilingWindow = time.Hour

// Ceiling decides whether a tenant may send another code by one method
// now, given its sends in the current clock hour (current) and in the
// hour before (previous), when limit sends an hour is its ceiling.
// Sends are counted in clock hours, and the hour before is weighed by the
// part of it still inside the last hour, as if its sends were spread
// evenly. A limit of zero or less means no ceiling. When sending is not
// allowed, retryAfter is how long until it will be, at the current
// rate of none.
func Ceiling(previous, current, limit int, now time.Time) (ok bool, retryAfter time.Duration) {
	if limit <= 0 {
		return true, 0
	}
	into := now.Sub(now.Truncate(CeilingWindow))
	rest := CeilingWindow - into // what of the hour before still counts
	estimate := float64(previous)*float64(rest)/float64(CeilingWindow) + float64(current)
	if estimate < float64(limit) {
		return true, 0
	}
	if current >= limit {
		// Nothing more this hour; the next starts with this one weighed.
		return false, max(rest, time.Second)
	}
	// The hour before weighs less than limit-current sends once this far
	// into the hour.
	opens := CeilingWindow - time.Duration(float64(limit-current)/float64(previous)*float64(CeilingWindow))
	return false, min(max(opens-into+time.Second, time.Second), rest)
}
