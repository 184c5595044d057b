package notifytest

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/uplift-dev/uplift/internal/mailparse"
)

// Mail is one message the SMTP server received: the envelope and the raw
// message as sent.
type Mail struct {
	From string
	To   []string
	Data []byte
}

// Header returns the named header of the message, decoded.
func (m Mail) Header(name string) (string, error) {
	msg, err := mailparse.Parse(m.Data)
	if err != nil {
		return "", err
	}
	return msg.DecodedHeader(name)
}

// Part returns the decoded body of the message's first part of the given
// media type, such as "text/plain" or "text/html", looking inside
// multipart messages.
func (m Mail) Part(mediaType string) (string, error) {
	msg, err := mailparse.Parse(m.Data)
	if err != nil {
		return "", err
	}
	return msg.Part(mediaType)
}

// Code returns the six-digit code in the message's plain-text part.
func (m Mail) Code() (string, error) {
	msg, err := mailparse.Parse(m.Data)
	if err != nil {
		return "", err
	}
	return msg.Code()
}

// SMTPServer is an SMTP server on 127.0.0.1 that keeps every message it
// accepts. It offers neither TLS nor authentication.
type SMTPServer struct {
	// Addr is the server's host:port.
	Addr string

	mu       sync.Mutex
	received []Mail
	refused  []Mail
	refuse   bool
}

// StartSMTP runs an SMTP server until the test ends.
func StartSMTP(t testing.TB) *SMTPServer {
	t.Helper()
	s := &SMTPServer{}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.ErrorLog = quietLogger{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("notifytest: listen: %v", err)
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// URL is the server's address as UPLIFT_SMTP_URL takes it.
func (s *SMTPServer) URL() string { return "smtp://" + s.Addr }

// Refuse makes the server refuse (on) or accept (off) the messages that
// follow after reading them, as a server rejecting their content would.
func (s *SMTPServer) Refuse(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = on
}

// Messages returns the messages accepted so far, oldest first.
func (s *SMTPServer) Messages() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.received...)
}

// Refused returns the messages read and then refused, oldest first.
func (s *SMTPServer) Refused() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.refused...)
}

// Last returns the newest message accepted for the recipient to.
func (s *SMTPServer) Last(to string) (Mail, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.received) - 1; i >= 0; i-- {
		for _, rcpt := range s.received[i].To {
			if strings.EqualFold(rcpt, to) {
				return s.received[i], nil
			}
		}
	}
	return Mail{}, ErrNoMessage
}

// LastCode returns the code in the newest message accepted for to.
func (s *SMTPServer) LastCode(to string) (string, error) {
	m, err := s.Last(to)
	if err != nil {
		return "", err
	}
	return m.Code()
}

// NewSession starts an SMTP session (go-smtp's Backend).
func (s *SMTPServer) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &session{server: s}, nil
}

// store keeps a message and reports whether it is accepted.
func (s *SMTPServer) store(m Mail) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refuse {
		s.refused = append(s.refused, m)
		return false
	}
	s.received = append(s.received, m)
	return true
}

type session struct {
	server *SMTPServer
	from   string
	to     []string
}

// Mail records the envelope sender.
func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }

// Rcpt records an envelope recipient.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = append(s.to, to); return nil }

// Data reads the message and keeps it, accepted or refused.
func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if !s.server.store(Mail{From: s.from, To: s.to, Data: data}) {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "message refused"}
	}
	return nil
}

// Reset forgets the envelope, for the next message of the session.
func (s *session) Reset() { s.from, s.to = "", nil }

// Logout ends the session.
func (s *session) Logout() error { return nil }

// quietLogger drops the SMTP server's own log lines.
type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}
func (quietLogger) Println(...any)        {}
