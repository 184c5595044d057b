package ratelimit_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/puretest"
	"github.com/uplift-dev/uplift/internal/ratelimit"
	"github.com/uplift-dev/uplift/internal/testclock"
)

func newClock() *testclock.Clock { return testclock.New(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)) }

func TestAllowSpendsTheBurstThenTheRate(t *testing.T) {
	c := newClock()
	l := ratelimit.New[string](ratelimit.Limit{Rate: 1, Burst: 3}, 0, c.Now) // 3 at once, then 1/s
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d refused within the burst", i+1)
		}
	}
	ok, retry := l.Allow("a")
	if ok {
		t.Fatal("fourth request at once allowed, want refused")
	}
	if retry != time.Second {
		t.Errorf("retry after %v, want 1s", retry)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Error("another key was refused: keys must not share a bucket")
	}
	c.Advance(999 * time.Millisecond)
	if ok, retry := l.Allow("a"); ok || retry != time.Millisecond {
		t.Errorf("after 999ms: allowed %v, retry %v; want refused, retry 1ms", ok, retry)
	}
	c.Advance(time.Millisecond)
	if ok, _ := l.Allow("a"); !ok {
		t.Error("after 1s: refused, want one more allowed")
	}
	if ok, _ := l.Allow("a"); ok {
		t.Error("second request after 1s allowed, want refused")
	}
	c.Advance(time.Hour)
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("after an hour idle, request %d refused: the burst must be back whole", i+1)
		}
	}
}

func TestRefusedRequestsCostNothing(t *testing.T) {
	c := newClock()
	l := ratelimit.New[string](ratelimit.Limit{Rate: 1, Burst: 1}, 0, c.Now)
	l.Allow("a")
	for range 100 {
		l.Allow("a")
	}
	c.Advance(time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Error("refused after 1s: refusals must not push the next allowance back")
	}
}

func TestOffAllowsEverything(t *testing.T) {
	l := ratelimit.New[string](ratelimit.Limit{}, 0, time.Now)
	if l != nil {
		t.Fatal("New of an off limit returned a limiter, want nil")
	}
	for range 1000 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatal("an off limiter refused")
		}
	}
}

// A flood of distinct keys (addresses that never come back) must not
// grow the table past its bound, and keys still in use keep their state.
func TestDistinctKeysStayBounded(t *testing.T) {
	c := newClock()
	const maxKeys = 1000
	l := ratelimit.New[string](ratelimit.Limit{Rate: 1, Burst: 2}, maxKeys, c.Now)
	for i := range 100 * maxKeys {
		if ok, _ := l.Allow(fmt.Sprint("flood-", i)); !ok {
			t.Fatalf("new key %d refused", i)
		}
		if n := l.Len(); n > maxKeys {
			t.Fatalf("after %d keys the limiter holds %d, want at most %d", i+1, n, maxKeys)
		}
	}
}

// Keys idle for a refill time are forgotten without a flood pushing them out.
func TestIdleKeysAreForgotten(t *testing.T) {
	c := newClock()
	l := ratelimit.New[string](ratelimit.Limit{Rate: 1, Burst: 10}, 0, c.Now)
	for i := range 500 {
		l.Allow(fmt.Sprint("k", i))
	}
	if n := l.Len(); n != 500 {
		t.Fatalf("holds %d keys, want 500", n)
	}
	for range 2 {
		c.Advance(10 * time.Second)
		l.Allow("active")
	}
	if n := l.Len(); n != 1 {
		t.Errorf("after two refill times holds %d keys, want only the active one", n)
	}
}

// Moving through generations never gives a key in use a fresh bucket.
func TestGenerationsKeepActiveKeys(t *testing.T) {
	c := newClock()
	l := ratelimit.New[string](ratelimit.Limit{Rate: 1, Burst: 5}, 0, c.Now)
	allowed := 0
	for range 1000 { // 100 s, ten tries a second
		if ok, _ := l.Allow("a"); ok {
			allowed++
		}
		c.Advance(100 * time.Millisecond)
	}
	if want := 5 + 99; allowed > want || allowed < want-1 {
		t.Errorf("allowed %d over 100 s at 1/s with a burst of 5, want about %d", allowed, want)
	}
}

func TestPure(t *testing.T) {
	puretest.Check(t, "github.com/uplift-dev/uplift/internal/ratelimit", nil)
}

// BenchmarkAllow is the cost on each limited request.
func BenchmarkAllow(b *testing.B) {
	l := ratelimit.New[string](ratelimit.Limit{Rate: 1e9, Burst: 1e9}, 0, time.Now)
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprint("10.0.", i/256, ".", i%256)
	}
	b.ResetTimer()
	for i := range b.N {
		l.Allow(keys[i%len(keys)])
	}
}
