package otp

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"github.com/uplift-dev/uplift/internal/puretest"
	"math"
	mathrand "math/rand/v2"
	"strings"
	"testing"
)

// words returns a reader yielding each value as four big-endian bytes.
func words(values ...uint32) *bytes.Reader {
	return bytes.NewReader(wordBytes(values...))
}

// wordBytes returns each value as four big-endian bytes.
func wordBytes(values ...uint32) []byte {
	var buf []byte
	for _, v := range values {
		buf = binary.BigEndian.AppendUint32(buf, v)
	}
	return buf
}

func TestNewCode(t *testing.T) {
	tests := []struct {
		name   string
		values []uint32
		want   string
	}{
		{"zero keeps every digit", []uint32{0}, "000000"},
		{"leading zeros kept", []uint32{7}, "000007"},
		{"largest code", []uint32{999_999}, "999999"},
		{"wraps at a million", []uint32{1_000_000}, "000000"},
		{"last accepted value", []uint32{acceptBelow - 1}, "999999"},
		{"first biased value is drawn again", []uint32{acceptBelow, 42}, "000042"},
		{"top value is drawn again", []uint32{math.MaxUint32, math.MaxUint32, 123_456}, "123456"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewCode(words(tt.values...))
			if err != nil {
				t.Fatalf("NewCode: %v", err)
			}
			if got != tt.want {
				t.Errorf("NewCode = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewCodeShortRandom(t *testing.T) {
	tests := []struct {
		name string
		r    *bytes.Reader
	}{
		{"empty", bytes.NewReader(nil)},
		{"three bytes", bytes.NewReader([]byte{1, 2, 3})},
		{"only biased values", words(math.MaxUint32)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewCode(tt.r)
			if !errors.Is(err, ErrShortRandom) || got != "" {
				t.Errorf("NewCode = %q, %v; want \"\", ErrShortRandom", got, err)
			}
		})
	}
}

// TestNewCodeUniform draws many codes from a seeded generator and checks
// that every code has six digits and that each position's digits are evenly
// spread (a chi-square test with 9 degrees of freedom).
func TestNewCodeUniform(t *testing.T) {
	const n = 100_000
	r := mathrand.NewChaCha8([32]byte{'u', 'p', 'l', 'i', 'f', 't'})
	var counts [Digits][10]int
	leadingZero := 0
	for range n {
		code, err := NewCode(r)
		if err != nil {
			t.Fatalf("NewCode: %v", err)
		}
		if len(code) != Digits {
			t.Fatalf("NewCode = %q, want %d digits", code, Digits)
		}
		for i, c := range []byte(code) {
			if c < '0' || c > '9' {
				t.Fatalf("NewCode = %q, want decimal digits only", code)
			}
			counts[i][c-'0']++
		}
		if code[0] == '0' {
			leadingZero++
		}
	}
	// 9 degrees of freedom: 27.88 is the 0.999 quantile.
	const limit = 27.88
	expected := float64(n) / 10
	for pos, c := range counts {
		chi2 := 0.0
		for _, got := range c {
			d := float64(got) - expected
			chi2 += d * d / expected
		}
		if chi2 > limit {
			t.Errorf("digit position %d: chi-square %.1f over %v (counts %v)", pos, chi2, limit, c)
		}
	}
	if leadingZero == 0 {
		t.Errorf("no code of %d started with 0", n)
	}
}

func TestNewCodeCryptoRand(t *testing.T) {
	for range 1000 {
		code, err := NewCode(rand.Reader)
		if err != nil {
			t.Fatalf("NewCode: %v", err)
		}
		if len(code) != Digits || strings.Trim(code, "0123456789") != "" {
			t.Fatalf("NewCode = %q, want %d decimal digits", code, Digits)
		}
	}
}

func TestHashAndCheck(t *testing.T) {
	salt := bytes.Repeat([]byte{1}, SaltSize)
	otherSalt := bytes.Repeat([]byte{2}, SaltSize)
	stored := Hash("012345", salt)
	tests := []struct {
		name string
		code string
		salt []byte
		hash []byte
		want bool
	}{
		{"same code and salt", "012345", salt, stored, true},
		{"other code", "012346", salt, stored, false},
		{"leading zero dropped", "12345", salt, stored, false},
		{"other salt", "012345", otherSalt, stored, false},
		{"empty code", "", salt, stored, false},
		{"empty hash", "012345", salt, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(tt.code, tt.salt, tt.hash)
			if got != tt.want {
				t.Errorf("Check(%q) = %v, want %v", tt.code, got, tt.want)
			}
		})
	}
	if bytes.Equal(Hash("012345", salt), Hash("012345", otherSalt)) {
		t.Error("the same code under two salts hashed alike")
	}
	if bytes.Contains(stored, []byte("012345")) {
		t.Error("the hash contains the code")
	}
}

func TestNewSalt(t *testing.T) {
	got, err := NewSalt(bytes.NewReader(bytes.Repeat([]byte{9}, SaltSize)))
	if err != nil || len(got) != SaltSize {
		t.Fatalf("NewSalt = %x, %v; want %d bytes", got, err, SaltSize)
	}
	_, err = NewSalt(bytes.NewReader(make([]byte, SaltSize-1)))
	if !errors.Is(err, ErrShortRandom) {
		t.Errorf("NewSalt from a short reader: %v, want ErrShortRandom", err)
	}
}

// TestPackageIsPure proves the package does no I/O. (os cannot be
// excluded: crypto/hmac reaches it through the standard library's own
// random source.)
func TestPackageIsPure(t *testing.T) {
	puretest.Check(t, "github.com/uplift-dev/uplift/internal/otp", nil)
}
