package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"net"
	netmail "net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/mailparse"
)

const testCode = "482913"

// codeMessage is the message most SMTP tests send.
func codeMessage() Message {
	m := CodeEmail("Acme <Shop>", testCode, 10*time.Minute)
	m.To = "alice@example.com"
	return m
}

// email is a received message taken apart.
type email struct {
	Header  netmail.Header
	Subject string
	// Parts maps each part's media type to its decoded body.
	Parts map[string]string
}

func parseEmail(t *testing.T, data []byte) email {
	t.Helper()
	msg, err := mailparse.Parse(data)
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, data)
	}
	subject, err := msg.DecodedHeader("Subject")
	if err != nil {
		t.Fatalf("decode subject: %v", err)
	}
	ct := msg.Header().Get("Content-Type")
	if mediaType, _, err := mime.ParseMediaType(ct); err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", ct, err)
	}
	parts, err := msg.Parts()
	if err != nil {
		t.Fatalf("parts: %v", err)
	}
	byType := map[string]string{}
	for _, p := range parts {
		byType[p.MediaType] = p.Body
	}
	return email{Header: msg.Header(), Subject: subject, Parts: byType}
}

// checkSafe fails the test unless err is a *SendError whose text holds none
// of the message's content nor the password.
func checkSafe(t *testing.T, err error, m Message, secrets ...string) *SendError {
	t.Helper()
	if err == nil {
		t.Fatal("send succeeded, want an error")
	}
	text := err.Error()
	forbidden := append([]string{testCode, m.Subject, m.Text, m.HTML, "verification code"}, secrets...)
	for _, s := range forbidden {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("error %q contains %q", text, s)
		}
	}
	var se *SendError
	if !errors.As(err, &se) {
		t.Fatalf("error %q (%T) is not a *SendError", text, err)
	}
	if wrapped := errors.Unwrap(err); wrapped != nil && strings.Contains(wrapped.Error(), testCode) {
		t.Errorf("wrapped error %q contains the code", wrapped)
	}
	return se
}

func TestSMTPSendDelivers(t *testing.T) {
	cert, pool := selfSigned(t)
	tests := []struct {
		name     string
		mode     serverTLS
		scheme   string
		user     string // the server requires these credentials when set
		pass     string
		opts     []Option
		wantTLS  bool
		wantUser string
	}{
		{name: "plain text, no STARTTLS offered", mode: noTLS, scheme: "smtp"},
		{name: "STARTTLS offered and used", mode: startTLS, scheme: "smtp",
			opts: []Option{WithTLSConfig(&tls.Config{RootCAs: pool})}, wantTLS: true},
		{name: "implicit TLS", mode: implicitTLS, scheme: "smtps",
			opts: []Option{WithTLSConfig(&tls.Config{RootCAs: pool})}, wantTLS: true},
		{name: "auth over STARTTLS", mode: startTLS, scheme: "smtp", user: "mailer", pass: "s3cret",
			opts: []Option{WithTLSConfig(&tls.Config{RootCAs: pool})}, wantTLS: true, wantUser: "mailer"},
		{name: "auth over implicit TLS", mode: implicitTLS, scheme: "smtps", user: "mailer", pass: "p@ss:w/rd%",
			opts: []Option{WithTLSConfig(&tls.Config{RootCAs: pool})}, wantTLS: true, wantUser: "mailer"},
		{name: "auth in plain text to localhost", mode: noTLS, scheme: "smtp", user: "mailer", pass: "s3cret",
			wantUser: "mailer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := &backend{user: tt.user, pass: tt.pass}
			addr := startSMTP(t, be, tt.mode, cert)
			u := url.URL{Scheme: tt.scheme, Host: addr}
			if tt.user != "" {
				u.User = url.UserPassword(tt.user, tt.pass)
			}
			s, err := NewSMTPSender(u.String(), "Acme <no-reply@acme.example>", tt.opts...)
			if err != nil {
				t.Fatalf("NewSMTPSender: %v", err)
			}
			m := codeMessage()
			if err := s.SendEmail(t.Context(), m); err != nil {
				t.Fatalf("SendEmail: %v", err)
			}

			msgs := be.messages()
			if len(msgs) != 1 {
				t.Fatalf("server received %d messages, want 1", len(msgs))
			}
			got := msgs[0]
			if got.From != "no-reply@acme.example" || !cmp.Equal(got.To, []string{"alice@example.com"}) {
				t.Errorf("envelope = %q -> %q, want no-reply@acme.example -> [alice@example.com]", got.From, got.To)
			}
			if got.TLS != tt.wantTLS || got.User != tt.wantUser {
				t.Errorf("TLS, user = %v, %q; want %v, %q", got.TLS, got.User, tt.wantTLS, tt.wantUser)
			}

			e := parseEmail(t, got.Data)
			headers := map[string]string{
				"Subject": e.Subject,
				"From":    e.Header.Get("From"),
				"To":      e.Header.Get("To"),
			}
			wantHeaders := map[string]string{
				"Subject": "Your Acme <Shop> verification code is " + testCode,
				"From":    `"Acme" <no-reply@acme.example>`,
				"To":      "<alice@example.com>",
			}
			if diff := cmp.Diff(headers, wantHeaders); diff != "" {
				t.Errorf("headers (-got +want):\n%s", diff)
			}
			if _, err := e.Header.Date(); err != nil {
				t.Errorf("Date header: %v", err)
			}
			if id := e.Header.Get("Message-Id"); !strings.HasSuffix(id, "@acme.example>") {
				t.Errorf("Message-ID = %q, want one at acme.example", id)
			}
			crlf := strings.NewReplacer("\r\n", "\n")
			text, html := crlf.Replace(e.Parts["text/plain"]), crlf.Replace(e.Parts["text/html"])
			if len(e.Parts) != 2 || text != m.Text || html != m.HTML {
				t.Errorf("parts = %q, want text/plain and text/html equal to the message's", e.Parts)
			}
			for name, body := range map[string]string{"text": text, "html": html} {
				if !strings.Contains(body, testCode) {
					t.Errorf("%s part lacks the code:\n%s", name, body)
				}
			}
			if !strings.Contains(html, "Acme &lt;Shop&gt;") || !strings.Contains(text, "Acme <Shop>") {
				t.Errorf("tenant name not rendered as expected:\ntext: %s\nhtml: %s", text, html)
			}
		})
	}
}

func TestSMTPSendFails(t *testing.T) {
	cert, pool := selfSigned(t)
	trust := WithTLSConfig(&tls.Config{RootCAs: pool})
	echo := func(data []byte) error {
		// A hostile or careless server quotes the message in its refusal.
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "rejected: " + string(data)}
	}
	tests := []struct {
		name       string
		be         *backend
		mode       serverTLS
		user, pass string
		opts       []Option
		wantStep   string
		wantStatus int
		wantDetail string
	}{
		{
			name: "wrong password", be: &backend{user: "mailer", pass: "right"}, mode: startTLS,
			user: "mailer", pass: "wrong-password", opts: []Option{trust},
			wantStep: "authentication", wantStatus: 535, wantDetail: "Authentication failed",
		},
		{
			name: "credentials required but none given", be: &backend{user: "mailer", pass: "right"}, mode: noTLS,
			wantStep: "sender refused", wantStatus: 502, wantDetail: "Please authenticate first",
		},
		{
			name: "untrusted certificate", be: &backend{}, mode: startTLS,
			wantStep: "tls", wantDetail: "certificate",
		},
		{
			name: "sender refused",
			be: &backend{refuseMail: &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
				Message: "sender not allowed"}},
			wantStep: "sender refused", wantStatus: 553, wantDetail: "sender not allowed",
		},
		{
			name: "recipient refused",
			be: &backend{refuseRcpt: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
				Message: "no such user"}},
			wantStep: "recipient refused", wantStatus: 550, wantDetail: "no such user",
		},
		{
			name: "message refused, quoting the content", be: &backend{refuseData: echo},
			wantStep: "message refused", wantStatus: 554,
		},
		{
			name: "message refused over TLS, quoting the content", be: &backend{refuseData: echo}, mode: startTLS,
			opts: []Option{trust}, wantStep: "message refused", wantStatus: 554,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := startSMTP(t, tt.be, tt.mode, cert)
			u := url.URL{Scheme: "smtp", Host: addr}
			if tt.user != "" {
				u.User = url.UserPassword(tt.user, tt.pass)
			}
			s, err := NewSMTPSender(u.String(), "no-reply@acme.example", tt.opts...)
			if err != nil {
				t.Fatalf("NewSMTPSender: %v", err)
			}
			m := codeMessage()
			se := checkSafe(t, s.SendEmail(t.Context(), m), m, tt.pass)
			if se.Via != "smtp" || se.Server != addr || se.Step != tt.wantStep || se.Status != tt.wantStatus ||
				!strings.Contains(se.Detail, tt.wantDetail) {
				t.Errorf("error = %+v; want smtp %s, step %q, status %d, detail containing %q",
					se, addr, tt.wantStep, tt.wantStatus, tt.wantDetail)
			}
			if tt.wantDetail == "" && se.Detail != "" {
				t.Errorf("Detail = %q, want none once the content was sent", se.Detail)
			}
			if n := len(tt.be.messages()); n != 0 {
				t.Errorf("server stored %d messages, want 0", n)
			}
		})
	}
}

func TestSMTPSendUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens here now

	s, err := NewSMTPSender("smtp://user:hunter2@"+addr, "no-reply@acme.example")
	if err != nil {
		t.Fatalf("NewSMTPSender: %v", err)
	}
	m := codeMessage()
	se := checkSafe(t, s.SendEmail(t.Context(), m), m, "hunter2")
	if se.Step != "connect" || se.Server != addr || !strings.Contains(se.Error(), addr) {
		t.Errorf("error = %q (step %q), want a connect error naming %s", se, se.Step, addr)
	}
}

// TestSMTPSendCancelled cancels the context while the server keeps silent:
// the send stops at once with the context's error.
func TestSMTPSendCancelled(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		cancel() // the client is connected and waits for a greeting that never comes
		io.Copy(io.Discard, conn)
	}()

	s, err := NewSMTPSender("smtp://"+ln.Addr().String(), "no-reply@acme.example", WithTimeout(time.Minute))
	if err != nil {
		t.Fatalf("NewSMTPSender: %v", err)
	}
	m := codeMessage()
	err = s.SendEmail(ctx, m)
	checkSafe(t, err, m)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want one wrapping context.Canceled", err)
	}
}

func TestSMTPSendInvalidRecipient(t *testing.T) {
	s, err := NewSMTPSender("smtp://127.0.0.1:1", "no-reply@acme.example")
	if err != nil {
		t.Fatalf("NewSMTPSender: %v", err)
	}
	m := codeMessage()
	m.To = "not an address"
	if err := s.SendEmail(t.Context(), m); err == nil || strings.Contains(err.Error(), testCode) {
		t.Errorf("SendEmail to %q = %v, want an error without the code", m.To, err)
	}
}

func TestNewSMTPSender(t *testing.T) {
	tests := []struct {
		url     string
		from    string
		want    string // Server(), when valid
		wantErr bool
	}{
		{url: "smtp://mail.example.com", from: "a@example.com", want: "mail.example.com:587"},
		{url: "smtp://user:pass@mail.example.com:2525", from: "a@example.com", want: "mail.example.com:2525"},
		{url: "smtps://mail.example.com", from: "a@example.com", want: "mail.example.com:465"},
		{url: "smtp://[::1]:25", from: "Acme <a@example.com>", want: "[::1]:25"},
		{url: "smtp://user:pass@mail.example.com/", from: "a@example.com", want: "mail.example.com:587"},
		{url: "http://mail.example.com", from: "a@example.com", wantErr: true},
		{url: "smtp://", from: "a@example.com", wantErr: true},
		{url: "smtp://user:secretpw@mail.example.com:99999", from: "a@example.com", wantErr: true},
		{url: "smtp://user:secretpw@mail.example.com:x", from: "a@example.com", wantErr: true},
		{url: "smtp://user:secretpw@mail.example.com/path", from: "a@example.com", wantErr: true},
		{url: "smtp://user:secretpw@mail.example.com?tls=off", from: "a@example.com", wantErr: true},
		{url: "smtp://user:secretpw@mail.example.com\x7f", from: "a@example.com", wantErr: true},
		{url: "smtp://mail.example.com", from: "not an address", wantErr: true},
		{url: "smtp://mail.example.com", from: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			s, err := NewSMTPSender(tt.url, tt.from)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("NewSMTPSender succeeded, want an error")
				}
				if strings.Contains(err.Error(), "secretpw") {
					t.Errorf("error %q contains the password", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewSMTPSender: %v", err)
			}
			if got := s.Server(); got != tt.want {
				t.Errorf("Server() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSenderAddress(t *testing.T) {
	tests := []struct {
		from, publicURL string
		want            string
		wantErr         bool
	}{
		{"", "https://auth.example.com", "no-reply@auth.example.com", false},
		{"", "http://localhost:8080", "no-reply@localhost", false},
		{"", "http://127.0.0.1:8080", "no-reply@[127.0.0.1]", false},
		{"Acme <hello@acme.example>", "https://auth.example.com", "Acme <hello@acme.example>", false},
		{"hello@acme.example", "", "hello@acme.example", false},
		{"not an address", "https://auth.example.com", "", true},
		{"", "", "", true},
		{"", "/relative", "", true},
	}
	for _, tt := range tests {
		got, err := SenderAddress(tt.from, tt.publicURL)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("SenderAddress(%q, %q) = %q, %v; want %q, error %v", tt.from, tt.publicURL, got, err, tt.want, tt.wantErr)
		}
	}
}
