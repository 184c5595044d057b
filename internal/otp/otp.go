// Package otp makes, stores and checks the one-time codes sent by email and
// text message, and decides when another code may be sent.
//
// The package is pure: it performs no I/O and reads no clock. Randomness comes
// from an io.Reader the caller passes (crypto/rand.Reader in production) and
// the current time from the caller.
//
// Codes are never stored in clear. Hash computes HMAC-SHA256 keyed with a
// random salt drawn for each challenge, so equal codes in two challenges give
// unrelated hashes and a database row or log line does not show the code.
// With only a million possible codes, the hash does not withstand a
// brute-force search by someone holding both salt and hash; what bounds that
// risk is the short lifetime, the attempt limit and single use, which Verify
// enforces.
package otp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"time"
)

const (
	// Digits is the length of every code.
	Digits = 6
	// Lifetime is how long a code stays valid after it is made.
	Lifetime = 10 * time.Minute
	// DefaultMaxAttempts is how many wrong codes end a challenge.
	DefaultMaxAttempts = 5
	// SaltSize is the length in bytes of the per-challenge salt.
	SaltSize = 16
)

// codeSpace is 10^Digits, the number of distinct codes.
const codeSpace = 1_000_000

// acceptBelow is the largest multiple of codeSpace not above 2^32. A random
// 32-bit value below it, taken modulo codeSpace, is uniform over the codes;
// values at or above it are drawn again.
const acceptBelow = (1 << 32) / codeSpace * codeSpace

// ErrShortRandom is returned when the random source fails or runs dry.
var ErrShortRandom = errors.New("otp: random source failed")

// NewCode returns a code of exactly Digits decimal digits, leading zeros
// kept, drawn uniformly from r without modulo bias.
func NewCode(r io.Reader) (string, error) {
	var buf [4]byte
	for {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return "", errors.Join(ErrShortRandom, err)
		}
		v := binary.BigEndian.Uint32(buf[:])
		if v < acceptBelow {
			return formatCode(v % codeSpace), nil
		}
	}
}

// formatCode writes n as Digits decimal digits with leading zeros.
func formatCode(n uint32) string {
	var b [Digits]byte
	for i := Digits - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[:])
}

// NewSalt returns SaltSize random bytes from r.
func NewSalt(r io.Reader) ([]byte, error) {
	salt := make([]byte, SaltSize)
	if _, err := io.ReadFull(r, salt); err != nil {
		return nil, errors.Join(ErrShortRandom, err)
	}
	return salt, nil
}

// Hash returns HMAC-SHA256 of code keyed with salt: the form in which a code
// is stored.
func Hash(code string, salt []byte) []byte {
	mac := hmac.New(sha256.New, salt)
	mac.Write([]byte(code))
	return mac.Sum(nil)
}

// Check reports whether code hashes to hash under salt. The comparison takes
// the same time wherever the hashes differ.
func Check(code string, salt, hash []byte) bool {
	return hmac.Equal(Hash(code, salt), hash)
}
