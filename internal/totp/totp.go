// Package totp enrols and checks authenticator apps: time-based one-time
// passwords (RFC 6238) over HMAC-SHA1 with a 30-second step and six digits,
// the settings every common authenticator app supports.
//
// Keys and their otpauth:// URIs and QR codes come from
// github.com/pquerna/otp. Validation is done here, explicitly, because
// Uplift needs more than a yes or no: Validate accepts one step of clock
// skew either way, returns the time step the code matched so the caller can
// store it, and rejects any step at or before the last one used, so a code
// cannot be replayed.
//
// The package is pure: no I/O, no clock. Randomness and the current time come
// from the caller.
package totp

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"image/png"
	"io"
	"strings"
	"time"

	"github.com/pquerna/otp"
	pqtotp "github.com/pquerna/otp/totp"
)

const (
	// Period is the length of one time step.
	Period = 30 * time.Second
	// Digits is the length of a code.
	Digits = 6
	// Skew is how many steps before or after the current one are accepted.
	Skew = 1
	// SecretSize is the length in bytes of a generated secret (160 bits, as
	// RFC 4226 recommends for HMAC-SHA1).
	SecretSize = 20
)

// Errors Validate returns.
var (
	// ErrInvalidCode means the code matches no accepted time step, or is not
	// six digits.
	ErrInvalidCode = errors.New("totp: invalid code")
	// ErrReplayed means the code matches a time step at or before the last
	// one used: it, or a later code, was already accepted.
	ErrReplayed = errors.New("totp: code already used")
	// ErrInvalidSecret means the stored secret is not valid base32.
	ErrInvalidSecret = errors.New("totp: invalid secret")
)

// b32 is base32 without padding, as otpauth:// URIs carry secrets.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Key is a new authenticator-app enrolment: the shared secret and the URI
// an app scans.
type Key struct {
	// Secret is the shared secret in unpadded base32, for manual entry and
	// for storing (encrypted or otherwise protected) by the caller.
	Secret string
	// URI is the otpauth://totp/... URI an app reads from the QR code.
	URI string
	key *otp.Key
}

// NewKey draws a new secret from r and builds the key for the account
// (shown in the app under the issuer, e.g. the tenant's name).
func NewKey(r io.Reader, issuer, account string) (Key, error) {
	k, err := pqtotp.Generate(pqtotp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      uint(Period / time.Second),
		SecretSize:  SecretSize,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
		Rand:        r,
	})
	if err != nil {
		return Key{}, err
	}
	return Key{Secret: k.Secret(), URI: k.URL(), key: k}, nil
}

// KeyFor builds the key of an existing secret (unpadded base32), as when
// an enrolment not yet proved is shown again.
func KeyFor(secret, issuer, account string) (Key, error) {
	raw, err := decodeSecret(secret)
	if err != nil {
		return Key{}, err
	}
	k, err := pqtotp.Generate(pqtotp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      uint(Period / time.Second),
		Secret:      raw,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return Key{}, err
	}
	return Key{Secret: k.Secret(), URI: k.URL(), key: k}, nil
}

// QRPNG returns the key's URI as a square QR code PNG of size pixels per
// side.
func (k Key) QRPNG(size int) ([]byte, error) {
	if k.key == nil {
		return nil, errors.New("totp: QRPNG on a zero Key")
	}
	img, err := k.key.Image(size, size)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Step returns the RFC 6238 time step t falls in: whole periods since the
// Unix epoch.
func Step(t time.Time) int64 {
	return floorDiv(t.Unix(), int64(Period/time.Second))
}

// floorDiv divides rounding towards negative infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// CodeAt returns the code for secret (unpadded or padded base32, any case)
// at time t.
func CodeAt(secret string, t time.Time) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	return hotp(key, uint64(Step(t)), Digits), nil
}

// Validate checks code against secret at now, accepting the current time
// step and Skew steps either side. On success it returns the step the code
// matched; the caller stores it and passes it as lastStep next time, so that
// no step at or before it is accepted again. Pass 0 for lastStep when no
// code has been used yet.
func Validate(secret, code string, now time.Time, lastStep int64) (step int64, err error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return 0, err
	}
	if !sixDigits(code) {
		return 0, ErrInvalidCode
	}
	current := Step(now)
	replayed := false
	for s := current - Skew; s <= current+Skew; s++ {
		if s < 0 || !hmac.Equal([]byte(hotp(key, uint64(s), Digits)), []byte(code)) {
			continue
		}
		if s <= lastStep {
			replayed = true
			continue
		}
		return s, nil
	}
	if replayed {
		return 0, ErrReplayed
	}
	return 0, ErrInvalidCode
}

// sixDigits reports whether code is exactly Digits ASCII digits.
func sixDigits(code string) bool {
	if len(code) != Digits {
		return false
	}
	for i := range len(code) {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// decodeSecret decodes a base32 secret, tolerating lower case, spaces and
// padding as people type them.
func decodeSecret(secret string) ([]byte, error) {
	s := strings.ToUpper(strings.ReplaceAll(secret, " ", ""))
	s = strings.TrimRight(s, "=")
	key, err := b32.DecodeString(s)
	if err != nil || len(key) == 0 {
		return nil, ErrInvalidSecret
	}
	return key, nil
}

// hotp computes the RFC 4226 HOTP value of key at counter with HMAC-SHA1,
// as a string of the given number of digits.
func hotp(key []byte, counter uint64, digits int) string {
	mac := hmac.New(sha1.New, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	offset := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[offset:offset+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	v := bin % mod
	out := make([]byte, digits)
	for i := digits - 1; i >= 0; i-- {
		out[i] = byte('0' + v%10)
		v /= 10
	}
	return string(out)
}
