// Package ids gives the domain packages what every record they write
// needs: the time, read from an injected clock and truncated to the
// microsecond the store keeps, and new identifiers and secrets drawn from
// an injected random source.
package ids

import (
	"crypto/rand"
	"encoding/base64"
	"io"
	"time"

	"github.com/google/uuid"
)

// Source is a clock and a random source. The zero value reads the real
// clock and crypto/rand.
type Source struct {
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// Rand is the random source; nil means crypto/rand.
	Rand io.Reader
}

// New returns a Source over clock and r, either of which may be nil for
// the real one.
func New(clock func() time.Time, r io.Reader) Source {
	if clock == nil {
		clock = time.Now
	}
	if r == nil {
		r = rand.Reader
	}
	return Source{Clock: clock, Rand: r}
}

// Now returns the clock's current time in UTC, truncated to the
// microsecond the store keeps.
func (s Source) Now() time.Time { return s.Clock().UTC().Truncate(time.Microsecond) }

// RandomBytes returns n random bytes.
func (s Source) RandomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.Rand, b); err != nil {
		panic("ids: no randomness: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	return b
}

// RandomToken returns n random bytes as unpadded base64url text.
func (s Source) RandomToken(n int) string {
	return base64.RawURLEncoding.EncodeToString(s.RandomBytes(n))
}

// NewID returns a new identifier: a version 7 UUID (RFC 9562), whose
// first 48 bits are the time in milliseconds and whose other 74 are
// random. Rows keyed by new ids (actions by idempotency key, above all)
// are then added at the end of their indexes, on pages the database has
// at hand, rather than on a random page of an index that outgrows memory.
func (s Source) NewID() string {
	var id uuid.UUID
	if _, err := io.ReadFull(s.Rand, id[6:]); err != nil {
		panic("ids: no randomness: " + err.Error())
	}
	ms := s.Clock().UnixMilli()
	for i := 5; i >= 0; i-- {
		id[i], ms = byte(ms), ms>>8
	}
	id[6] = 0x70 | id[6]&0x0f // version 7
	id[8] = 0x80 | id[8]&0x3f // variant of RFC 9562
	return id.String()
}
