// Package ratelimit limits request rates per key (a client address, a
// tenant, a tenant's user) in the memory of one instance. It knows nothing
// of HTTP: callers give it keys and a clock.
//
// Each key has a token bucket, kept as a single time (the generic cell
// rate algorithm): a key may spend Burst requests at once and regains one
// every 1/Rate. The table of keys is bounded: it lives in two generations
// of at most MaxKeys/2 keys each. A key seen in the older generation moves
// to the newer one; the older generation is dropped whole when the newer
// one is full, or when a bucket's full refill time has passed since the
// newer one began (by then every key in the older one has a full bucket
// again, so dropping it forgets nothing). A flood of distinct keys can
// therefore cost at most MaxKeys entries; past that it makes the oldest
// keys start over with full buckets.
package ratelimit

import (
	"math"
	"sync"
	"time"
)

// MaxKeys is how many keys a Limiter remembers at most.
const MaxKeys = 100_000

// Limiter limits the rate of requests per key. A nil *Limiter allows
// everything, so a limit that is off costs nothing.
type Limiter[K comparable] struct {
	interval int64 // nanoseconds between requests at the sustained rate
	window   int64 // Burst × interval: how far ahead a key may draw
	maxKeys  int
	now      func() time.Time

	mu      sync.Mutex
	cur     map[K]int64 // key → theoretical arrival time, Unix nanoseconds
	prev    map[K]int64
	started int64 // when cur began
}

// New returns a limiter enforcing l with the clock now, remembering at
// most maxKeys keys (MaxKeys when maxKeys is 0). It returns nil, which
// allows everything, when l is off.
func New[K comparable](l Limit, maxKeys int, now func() time.Time) *Limiter[K] {
	if l.Off() {
		return nil
	}
	if maxKeys <= 0 {
		maxKeys = MaxKeys
	}
	maxKeys = max(maxKeys, 2)
	interval := max(int64(math.Round(float64(time.Second)/l.Rate)), 1)
	return &Limiter[K]{
		interval: interval,
		window:   interval * int64(l.Burst),
		maxKeys:  maxKeys,
		now:      now,
		cur:      map[K]int64{},
		prev:     map[K]int64{},
		started:  now().UnixNano(),
	}
}

// Allow reports whether key may make a request now and, when it may not,
// how long until it may.
func (l *Limiter[K]) Allow(key K) (ok bool, retryAfter time.Duration) {
	if l == nil {
		return true, 0
	}
	now := l.now().UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rotate(now)
	tat, seen := l.cur[key]
	if !seen {
		if tat, seen = l.prev[key]; seen {
			delete(l.prev, key)
		}
	}
	tat = max(tat, now)
	next := tat + l.interval
	if next-now > l.window {
		l.cur[key] = tat
		return false, time.Duration(next - now - l.window)
	}
	l.cur[key] = next
	return true, 0
}

// rotate starts a new generation when the current one is full or older
// than a bucket's refill time, dropping the previous one.
func (l *Limiter[K]) rotate(now int64) {
	if len(l.cur) < l.maxKeys/2 && now-l.started < l.window {
		return
	}
	l.prev, l.cur, l.started = l.cur, make(map[K]int64, len(l.cur)/2), now
}

// Len returns how many keys the limiter remembers.
func (l *Limiter[K]) Len() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.cur) + len(l.prev)
}
