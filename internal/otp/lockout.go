package otp

import "time"

const (
	// LockoutThreshold is how many wrong codes in a row, by one method and
	// across every action, lock the method for the user.
	LockoutThreshold = 10
	// FirstLockout is how long the first lock lasts; each further lock
	// lasts twice as long as the one before, up to MaxLockout.
	FirstLockout = 15 * time.Minute
	// MaxLockout is the longest a lock lasts.
	MaxLockout = 24 * time.Hour
	// LockoutMemory is how long wrong codes and locks are remembered: a
	// wrong code this long after the previous one starts the count again,
	// and a lock this long after the last one ended lasts FirstLockout.
	LockoutMemory = MaxLockout
)

// ReasonTooManyAttempts is the failureReason of a code refused because
// the method is locked after too many wrong codes.
const ReasonTooManyAttempts = "TOO_MANY_ATTEMPTS"

// Standing is one user's record with one code method, counted across all
// their actions: the wrong codes entered since the last right one or the
// last lock, and the locks they brought. The zero value is a clean record.
type Standing struct {
	// Failures counts wrong codes in a row since the last right code or
	// the last lock.
	Failures int
	// Lockouts counts the locks so far; the next lasts
	// FirstLockout·2^Lockouts, up to MaxLockout.
	Lockouts int
	// LockedUntil is when the current or last lock ends; zero if none.
	LockedUntil time.Time
	// LastFailure is when the last wrong code was entered; zero if none.
	LastFailure time.Time
}

// Locked reports whether the method is locked at now and, if it is, how
// long until it opens again. While locked, no code is judged at all: even
// the right one is refused.
func (s Standing) Locked(now time.Time) (bool, time.Duration) {
	if now.Before(s.LockedUntil) {
		return true, s.LockedUntil.Sub(now)
	}
	return false, 0
}

// Fail returns the standing after a wrong code at now, and whether that
// code locked the method. Call it only when the method is not locked.
func (s Standing) Fail(now time.Time) (Standing, bool) {
	if !s.LockedUntil.IsZero() && now.Sub(s.LockedUntil) >= LockoutMemory {
		s.Lockouts = 0
	}
	if now.Sub(s.LastFailure) >= LockoutMemory {
		s.Failures = 0
	}
	s.LastFailure = now
	s.Failures++
	if s.Failures < LockoutThreshold {
		return s, false
	}
	s.LockedUntil = now.Add(LockoutLength(s.Lockouts))
	s.Lockouts++
	s.Failures = 0
	return s, true
}

// Succeed returns the standing after a right code: a clean record.
func (s Standing) Succeed() Standing { return Standing{} }

// Forgotten reports whether the standing, at now, is as good as a clean
// record: no wrong code and no lock within LockoutMemory. A forgotten
// standing need not be kept.
func (s Standing) Forgotten(now time.Time) bool {
	return now.Sub(s.LastFailure) >= LockoutMemory && now.Sub(s.LockedUntil) >= LockoutMemory
}

// LockoutLength is how long the lock after n earlier ones lasts:
// FirstLockout doubled n times, at most MaxLockout.
func LockoutLength(n int) time.Duration {
	d := FirstLockout
	for range n {
		if d >= MaxLockout {
			break
		}
		d *= 2
	}
	return min(d, MaxLockout)
}
