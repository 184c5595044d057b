package passkeys

import (
	"fmt"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/ceremony"
	"github.com/uplift-dev/uplift/internal/model"
)

func TestChallengeCacheKeepsTheFirstHalf(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ch := model.PasskeyChallenge{ID: "c1", TenantID: "t1", Kind: model.ChallengeAuthentication,
		Session: []byte("s"), Options: []byte("o"), CreatedAt: start, ExpiresAt: start.Add(ceremony.Timeout)}
	c := newChallengeCache()
	c.put(ch, start)

	if _, ok := c.get("t2", "c1", start, false); ok {
		t.Error("another tenant got the challenge")
	}
	if got, ok := c.get("t1", "c1", start.Add(ceremony.Timeout/2), false); !ok || string(got.Session) != "s" {
		t.Errorf("at half time: %v, %v; want the challenge", got, ok)
	}
	if _, ok := c.get("t1", "c1", start.Add(ceremony.Timeout/2+time.Second), false); ok {
		t.Error("past half time the challenge still came from memory; another instance may have renewed it")
	}
	if _, ok := c.get("t1", "c1", start, false); ok {
		t.Error("a challenge found too old was kept")
	}

	c.put(ch, start)
	if _, ok := c.get("t1", "c1", start, true); !ok {
		t.Fatal("take missed the challenge")
	}
	if _, ok := c.get("t1", "c1", start, false); ok {
		t.Error("a taken challenge is still kept")
	}
}

func TestChallengeCacheIsBounded(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newChallengeCache()
	at := func(i int, created time.Time) model.PasskeyChallenge {
		return model.PasskeyChallenge{ID: fmt.Sprint(i), TenantID: "t1", CreatedAt: created, ExpiresAt: created.Add(ceremony.Timeout)}
	}
	for i := range challengeCacheSize {
		c.put(at(i, start), start)
	}
	c.put(at(-1, start), start)
	if _, ok := c.get("t1", "-1", start, false); ok || len(c.m) != challengeCacheSize {
		t.Errorf("a full cache took one more (%d kept)", len(c.m))
	}
	// Once the kept ones are too old to serve, they make room.
	later := start.Add(ceremony.Timeout)
	c.put(at(-2, later), later)
	if _, ok := c.get("t1", "-2", later, false); !ok || len(c.m) != 1 {
		t.Errorf("the cache did not make room for a new challenge (%d kept)", len(c.m))
	}
}
