package ids

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestNewIDsAreTimeOrderedVersion7(t *testing.T) {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	s := New(func() time.Time { return now }, rand.Reader)
	prev := ""
	seen := map[string]bool{}
	for i := range 1000 {
		if i%10 == 0 {
			now = now.Add(time.Millisecond)
		}
		id := s.NewID()
		u, err := uuid.Parse(id)
		if err != nil {
			t.Fatalf("%q: %v", id, err)
		}
		if u.Version() != 7 || u.Variant() != uuid.RFC4122 {
			t.Fatalf("%s: version %d, variant %s; want version 7 of RFC 9562", id, u.Version(), u.Variant())
		}
		if sec, nsec := u.Time().UnixTime(); time.Unix(sec, nsec).UnixMilli() != now.UnixMilli() {
			t.Fatalf("%s carries %v, not the clock's %v", id, time.Unix(sec, nsec).UTC(), now)
		}
		if i%10 == 0 && id <= prev {
			t.Fatalf("%s, made a millisecond later, does not sort after %s", id, prev)
		}
		if seen[id] {
			t.Fatalf("%s made twice", id)
		}
		seen[id], prev = true, id
	}
}
