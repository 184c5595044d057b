package loadtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/otp"
	"github.com/uplift-dev/uplift/internal/testclock"
)

// TestSinkHandsOutCodes sends code emails the way the server does and
// reads them back by recipient.
func TestSinkHandsOutCodes(t *testing.T) {
	sink, err := startSink("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sink.close()
	sender, err := notify.NewSMTPSender(sink.URL(), "no-reply@localhost")
	if err != nil {
		t.Fatal(err)
	}
	send := func(to, code string) {
		t.Helper()
		m := notify.CodeEmail("Load test", code, otp.Lifetime)
		m.To = to
		if err := sender.SendEmail(t.Context(), m); err != nil {
			t.Fatalf("send to %s: %v", to, err)
		}
	}
	sink.expect("Ada@example.com")
	sink.expect("bo@example.com")

	send("ada@example.com", "123456")
	send("bo@example.com", "654321")
	send("nobody@example.com", "111111")
	if got, err := sink.await(t.Context(), "ADA@example.com"); err != nil || got != "123456" {
		t.Errorf("ada's code = %q, %v; want 123456", got, err)
	}
	if got, err := sink.await(t.Context(), "bo@example.com"); err != nil || got != "654321" {
		t.Errorf("bo's code = %q, %v; want 654321", got, err)
	}
	if n := sink.stray.Load(); n != 1 {
		t.Errorf("%d stray messages, want 1 (nobody's)", n)
	}

	send("ada@example.com", "000001")
	sink.discard("ada@example.com")
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if got, err := sink.await(ctx, "ada@example.com"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("after discard: %q, %v; want no code", got, err)
	}
}

func TestSinkListensOnLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.168.1.10:2525", "example.com:25"} {
		if s, err := startSink(addr); err == nil {
			s.close()
			t.Errorf("startSink(%q) listened", addr)
		}
	}
}

func TestMessageCode(t *testing.T) {
	for _, tc := range []struct {
		name, raw, want string
	}{
		{"plain", "Subject: x\r\n\r\nYour code is 246810.\r\n", "246810"},
		{"multipart, quoted-printable", "Content-Type: multipart/alternative; boundary=b\r\n\r\n" +
			"--b\r\nContent-Type: text/html\r\n\r\n<p style=\"x:123456px\">999999</p>\r\n" +
			"--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
			"Your code is=\r\n 135790.\r\n--b--\r\n", "135790"},
		{"base64", "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nY29kZSA1NTU1NTU=\r\n", "555555"},
		{"no code", "Subject: x\r\n\r\nHello 12345 and 1234567.\r\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := messageCode([]byte(tc.raw))
			if got != tc.want || (err == nil) != (tc.want != "") {
				t.Errorf("messageCode = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestNextCode(t *testing.T) {
	t0 := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	if got := nextCode([]time.Time{t0}, t0); !got.Equal(t0.Add(otp.MinInterval)) {
		t.Errorf("after one code: %v, want %v", got, t0.Add(otp.MinInterval))
	}
	// Ten codes a minute apart: the eleventh waits for the first to leave
	// the hour.
	var sends []time.Time
	for i := range otp.HourlyLimit {
		sends = append(sends, t0.Add(time.Duration(i)*time.Minute))
	}
	now := sends[len(sends)-1]
	if got, want := nextCode(sends, now), t0.Add(otp.ThrottleWindow); !got.Equal(want) {
		t.Errorf("after %d codes: %v, want %v", otp.HourlyLimit, got, want)
	}
}

// TestCodePool checks that the pool paces starts at users per 30 s, hands
// out a user again only once the throttle allows another code, and the
// least recently used first.
func TestCodePool(t *testing.T) {
	clock := testclock.New(time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC))
	advance := clock.Advance
	p := newCodePool([]*Passkey{{UserID: "a"}, {UserID: "b"}}, clock.Now)
	pace := otp.MinInterval / 2
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	mustWait := func(when string) {
		t.Helper()
		if u, _, err := p.take(cancelled); !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: take = %v, %v; want it to wait", when, u, err)
		}
	}
	mustTake := func(when string, want *Passkey) (*Passkey, func(bool)) {
		t.Helper()
		u, release, err := p.take(cancelled)
		if err != nil || (want != nil && u != want) {
			t.Fatalf("%s: take = %v, %v; want %v at once", when, u, err, want)
		}
		return u, release
	}

	first, release := mustTake("first", nil)
	mustWait("before the pace allows a second start")
	release(true)
	advance(pace)
	second, release := mustTake("after the pace interval", nil)
	if second == first {
		t.Fatalf("took %s twice within 30 s", first.UserID)
	}
	release(true)
	mustWait("before the first user's 30 s are up")
	advance(pace)
	_, release = mustTake("30 s after the first code", first)
	release(false)
	advance(pace)
	_, release = mustTake("after an unused release", first)
	release(true)
}
