package otp

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var clock = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// fixedChallenge stores the code 123456 and expires ten minutes after clock.
func fixedChallenge() Challenge {
	salt := bytes.Repeat([]byte{7}, SaltSize)
	return Challenge{
		Hash:        Hash("123456", salt),
		Salt:        salt,
		ExpiresAt:   clock.Add(Lifetime),
		MaxAttempts: DefaultMaxAttempts,
	}
}

func TestNewChallenge(t *testing.T) {
	r := bytes.NewReader(append(wordBytes(42), bytes.Repeat([]byte{3}, SaltSize)...))
	code, ch, err := NewChallenge(r, clock)
	if err != nil {
		t.Fatalf("NewChallenge: %v", err)
	}
	if code != "000042" {
		t.Errorf("code = %q, want 000042", code)
	}
	want := Challenge{
		Hash:        Hash("000042", bytes.Repeat([]byte{3}, SaltSize)),
		Salt:        bytes.Repeat([]byte{3}, SaltSize),
		ExpiresAt:   clock.Add(10 * time.Minute),
		MaxAttempts: 5,
	}
	if diff := cmp.Diff(ch, want); diff != "" {
		t.Errorf("challenge (-got +want):\n%s", diff)
	}
	if _, _, err := NewChallenge(words(42), clock); err == nil {
		t.Error("NewChallenge without bytes for the salt succeeded")
	}
}

// with returns fixedChallenge changed by edit.
func with(edit func(*Challenge)) Challenge {
	ch := fixedChallenge()
	edit(&ch)
	return ch
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name       string
		ch         Challenge
		code       string
		now        time.Time
		want       Result
		wantReason string
		wantCh     Challenge
	}{
		{
			name: "right code", ch: fixedChallenge(), code: "123456", now: clock,
			want: Verified, wantReason: "",
			wantCh: with(func(c *Challenge) { c.Used = true }),
		},
		{
			name: "right code just before expiry", ch: fixedChallenge(), code: "123456",
			now:  clock.Add(Lifetime - time.Nanosecond),
			want: Verified, wantReason: "",
			wantCh: with(func(c *Challenge) { c.Used = true }),
		},
		{
			name: "right code at expiry", ch: fixedChallenge(), code: "123456", now: clock.Add(Lifetime),
			want: InvalidOrExpired, wantReason: "CODE_INVALID_OR_EXPIRED",
			wantCh: fixedChallenge(),
		},
		{
			name: "wrong code after expiry is not counted", ch: fixedChallenge(), code: "000000",
			now:  clock.Add(time.Hour),
			want: InvalidOrExpired, wantReason: "CODE_INVALID_OR_EXPIRED",
			wantCh: fixedChallenge(),
		},
		{
			name: "wrong code", ch: fixedChallenge(), code: "123457", now: clock,
			want: WrongCode, wantReason: "CODE_INVALID_OR_EXPIRED",
			wantCh: with(func(c *Challenge) { c.Attempts = 1 }),
		},
		{
			name: "malformed code counts as wrong", ch: fixedChallenge(), code: "12345a", now: clock,
			want: WrongCode, wantReason: "CODE_INVALID_OR_EXPIRED",
			wantCh: with(func(c *Challenge) { c.Attempts = 1 }),
		},
		{
			name: "fourth wrong code leaves one attempt",
			ch:   with(func(c *Challenge) { c.Attempts = 3 }), code: "000000", now: clock,
			want: WrongCode, wantReason: "CODE_INVALID_OR_EXPIRED",
			wantCh: with(func(c *Challenge) { c.Attempts = 4 }),
		},
		{
			name: "right code on the last attempt",
			ch:   with(func(c *Challenge) { c.Attempts = 4 }), code: "123456", now: clock,
			want: Verified, wantReason: "",
			wantCh: with(func(c *Challenge) { c.Attempts, c.Used = 4, true }),
		},
		{
			name: "fifth wrong code ends the challenge",
			ch:   with(func(c *Challenge) { c.Attempts = 4 }), code: "000000", now: clock,
			want: MaxAttemptsExceeded, wantReason: "MAX_ATTEMPTS_EXCEEDED",
			wantCh: with(func(c *Challenge) { c.Attempts = 5 }),
		},
		{
			name: "right code after the challenge ended",
			ch:   with(func(c *Challenge) { c.Attempts = 5 }), code: "123456", now: clock,
			want: InvalidOrExpired, wantReason: "CODE_INVALID_OR_EXPIRED",
			wantCh: with(func(c *Challenge) { c.Attempts = 5 }),
		},
		{
			name: "used challenge cannot verify again",
			ch:   with(func(c *Challenge) { c.Used = true }), code: "123456", now: clock,
			want: InvalidOrExpired, wantReason: "CODE_INVALID_OR_EXPIRED",
			wantCh: with(func(c *Challenge) { c.Used = true }),
		},
		{
			name: "zero MaxAttempts means the default",
			ch:   with(func(c *Challenge) { c.MaxAttempts, c.Attempts = 0, 4 }), code: "000000", now: clock,
			want: MaxAttemptsExceeded, wantReason: "MAX_ATTEMPTS_EXCEEDED",
			wantCh: with(func(c *Challenge) { c.MaxAttempts, c.Attempts = 0, 5 }),
		},
		{
			name: "a lower limit is honoured",
			ch:   with(func(c *Challenge) { c.MaxAttempts = 1 }), code: "000000", now: clock,
			want: MaxAttemptsExceeded, wantReason: "MAX_ATTEMPTS_EXCEEDED",
			wantCh: with(func(c *Challenge) { c.MaxAttempts, c.Attempts = 1, 1 }),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, gotCh := Verify(tt.ch, tt.code, tt.now)
			if got != tt.want {
				t.Errorf("Verify = %v, want %v", got, tt.want)
			}
			if reason := got.FailureReason(); reason != tt.wantReason {
				t.Errorf("FailureReason() = %q, want %q", reason, tt.wantReason)
			}
			if diff := cmp.Diff(gotCh, tt.wantCh); diff != "" {
				t.Errorf("challenge (-got +want):\n%s", diff)
			}
		})
	}
}

// TestVerifySequence follows one challenge through five wrong codes and
// then the right one, storing each update as a caller would.
func TestVerifySequence(t *testing.T) {
	ch := fixedChallenge()
	want := []Result{WrongCode, WrongCode, WrongCode, WrongCode, MaxAttemptsExceeded, InvalidOrExpired}
	var got []Result
	for i := range 6 {
		var r Result
		r, ch = Verify(ch, "654321", clock.Add(time.Duration(i)*time.Second))
		got = append(got, r)
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("results of six wrong codes (-got +want):\n%s", diff)
	}
	if r, _ := Verify(ch, "123456", clock.Add(time.Minute)); r != InvalidOrExpired {
		t.Errorf("right code after the limit = %v, want %v", r, InvalidOrExpired)
	}
	if ch.Attempts != DefaultMaxAttempts {
		t.Errorf("Attempts = %d, want %d", ch.Attempts, DefaultMaxAttempts)
	}
}

func TestVerifyTwice(t *testing.T) {
	first, ch := Verify(fixedChallenge(), "123456", clock)
	second, _ := Verify(ch, "123456", clock.Add(time.Second))
	if first != Verified || second != InvalidOrExpired {
		t.Errorf("two verifications = %v, %v; want %v, %v", first, second, Verified, InvalidOrExpired)
	}
}

func TestResultString(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range []Result{Verified, WrongCode, MaxAttemptsExceeded, InvalidOrExpired, 0} {
		got := r.String()
		if got == "" || seen[got] {
			t.Errorf("Result(%d).String() = %q, want a distinct name", int(r), got)
		}
		seen[got] = true
	}
}
