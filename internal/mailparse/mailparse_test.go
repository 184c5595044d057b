package mailparse_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/mailparse"
)

// nested is a code email inside a relay's multipart/mixed: a
// quoted-printable text part with a soft line break and a base64 HTML part.
const nested = "Subject: =?utf-8?q?Your_code_=E2=80=94_Acme?=\r\n" +
	"Content-Type: multipart/mixed; boundary=outer\r\n\r\n" +
	"--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n" +
	"--inner\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
	"Your code is=\r\n 654321.\r\n" +
	"--inner\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
	"PHA+NjU0MzIxPC9w\r\nPg==\r\n--inner--\r\n--outer--\r\n"

func TestParts(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want []mailparse.Part
	}{
		{"nested multipart, quoted-printable and base64", nested, []mailparse.Part{
			{MediaType: "text/plain", Body: "Your code is 654321."},
			{MediaType: "text/html", Body: "<p>654321</p>"},
		}},
		{"no Content-Type is plain text", "Subject: hi\r\n\r\nYour code is 123456.\r\n", []mailparse.Part{
			{MediaType: "text/plain", Body: "Your code is 123456.\r\n"},
		}},
		{"single part in base64", "Content-Type: text/plain\r\nContent-Transfer-Encoding: BASE64\r\n\r\nMTIzNDU2\r\n",
			[]mailparse.Part{{MediaType: "text/plain", Body: "123456"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mailparse.Parse([]byte(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Parts()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("parts (-got +want):\n%s", diff)
			}
		})
	}
}

func TestMessage(t *testing.T) {
	m, err := mailparse.Parse([]byte(nested))
	if err != nil {
		t.Fatal(err)
	}
	if s, err := m.DecodedHeader("Subject"); err != nil || s != "Your code — Acme" {
		t.Errorf("Subject = %q, %v", s, err)
	}
	if html, err := m.Part("text/html"); err != nil || html != "<p>654321</p>" {
		t.Errorf("HTML part = %q, %v", html, err)
	}
	if code, err := m.Code(); err != nil || code != "654321" {
		t.Errorf("Code = %q, %v", code, err)
	}
	if _, err := m.Part("image/png"); err == nil {
		t.Error("Part found a part the message lacks")
	}
}

// nest wraps a code email's text part in n levels of multipart/mixed,
// each closed properly.
func nest(n int) string {
	body := "Content-Type: text/plain\r\n\r\nYour code is 123456.\r\n"
	for i := range n {
		b := fmt.Sprintf("b%d", i)
		body = "Content-Type: multipart/mixed; boundary=" + b + "\r\n\r\n--" + b + "\r\n" + body + "\r\n--" + b + "--\r\n"
	}
	return body
}

func TestNesting(t *testing.T) {
	for n := 0; n <= 6; n++ {
		m, err := mailparse.Parse([]byte(nest(n)))
		if err != nil {
			t.Fatal(err)
		}
		code, err := m.Code()
		if ok := n <= 4; ok != (err == nil) || (ok && code != "123456") {
			t.Errorf("%d levels: Code = %q, %v; want the code: %v", n, code, err, ok)
		}
	}
}

// TestRefuses sends what a broken or hostile message would hold.
func TestRefuses(t *testing.T) {
	tests := []struct {
		name string
		raw  string
	}{
		{"no header block", "no headers at all"},
		{"bad content type", "Content-Type: text/\r\n\r\n123456\r\n"},
		{"multipart without its closing boundary", "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\n123456"},
		{"multipart nested too deep", nest(5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mailparse.Parse([]byte(tt.raw))
			if err == nil {
				_, err = m.Code()
			}
			if err == nil {
				t.Error("Code found a code, want an error")
			}
		})
	}
}

func TestFindCode(t *testing.T) {
	tests := []struct {
		text    string
		want    string
		wantErr error
	}{
		{"Your code is 987654.", "987654", nil},
		{"654321 is your Acme code", "654321", nil},
		{"Order 1234567 shipped; code 111222", "111222", nil},
		{"no code here, only 12345", "", mailparse.ErrNoCode},
		{"code12345678", "", mailparse.ErrNoCode},
	}
	for _, tt := range tests {
		got, err := mailparse.FindCode(tt.text)
		if got != tt.want || !errors.Is(err, tt.wantErr) {
			t.Errorf("FindCode(%q) = %q, %v; want %q, %v", tt.text, got, err, tt.want, tt.wantErr)
		}
	}
}
