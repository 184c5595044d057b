package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/uplift-dev/uplift/internal/mailparse"
)

// Bounds of the SMTP sink.
const (
	// maxMailBytes is the largest message the sink reads; a code email is
	// a few kilobytes.
	maxMailBytes = 256 << 10
	// mailboxSize is how many unread codes one recipient may have.
	mailboxSize = 4
	// codeWait bounds how long an operation waits for its code after the
	// server answered the challenge.
	codeWait = 10 * time.Second
)

// smtpSink is an SMTP server on a loopback address that stands in for the
// mail provider of the server under load: it reads each code email, takes
// the envelope recipient and the six-digit code, and hands the code to the
// operation waiting for that address. It offers neither TLS nor
// authentication, so the server must send with smtp:// and no credentials.
type smtpSink struct {
	addr string
	srv  *smtp.Server

	mu    sync.Mutex
	boxes map[string]chan string // by lower-case address

	// stray counts messages the sink could not hand to anyone: no
	// expected recipient, no code, or a full mailbox.
	stray atomic.Int64
}

// startSink listens on listen (host:port on a loopback address; port 0
// for a free one) and serves until close.
func startSink(listen string) (*smtpSink, error) {
	if err := checkLoopbackListen(listen); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("SMTP sink: %w", err)
	}
	s := &smtpSink{addr: ln.Addr().String(), boxes: map[string]chan string{}}
	s.srv = smtp.NewServer(sinkBackend{s})
	s.srv.Domain = "localhost"
	s.srv.MaxMessageBytes = maxMailBytes
	s.srv.MaxRecipients = 10
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.ErrorLog = quietLog{}
	go s.srv.Serve(ln)
	return s, nil
}

// checkLoopbackListen refuses a listen address off this machine.
func checkLoopbackListen(listen string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("-smtp-listen %q: want host:port, such as 127.0.0.1:2525", listen)
	}
	if !loopbackHost(host) {
		return fmt.Errorf("-smtp-listen %q: the SMTP sink only listens on this machine (localhost, 127.0.0.0/8 or ::1)", listen)
	}
	return nil
}

// URL is the sink's address as UPLIFT_SMTP_URL takes it.
func (s *smtpSink) URL() string { return "smtp://" + s.addr }

// close stops the sink and drops its connections.
func (s *smtpSink) close() error {
	err := s.srv.Close()
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// expect opens a mailbox for address; mail to addresses without one is
// dropped.
func (s *smtpSink) expect(address string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(address)
	if _, ok := s.boxes[key]; !ok {
		s.boxes[key] = make(chan string, mailboxSize)
	}
}

func (s *smtpSink) box(address string) chan string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.boxes[strings.ToLower(address)]
}

// discard drops the codes waiting for address, such as one for an
// operation that gave up before reading it.
func (s *smtpSink) discard(address string) {
	box := s.box(address)
	for {
		select {
		case <-box:
		default:
			return
		}
	}
}

// await returns the next code sent to address, waiting up to codeWait.
func (s *smtpSink) await(ctx context.Context, address string) (string, error) {
	box := s.box(address)
	if box == nil {
		return "", fmt.Errorf("no mailbox for %s", address)
	}
	t := time.NewTimer(codeWait)
	defer t.Stop()
	select {
	case code := <-box:
		return code, nil
	case <-ctx.Done():
		return "", ctx.Err()
	case <-t.C:
		return "", &OpError{Kind: "no_email", Detail: fmt.Sprintf(
			"no code for %s reached the SMTP sink at %s within %s of the challenge (is the server's UPLIFT_SMTP_URL %s?)",
			address, s.addr, codeWait, s.URL())}
	}
}

// explain adds to a refused email challenge what the server's email
// setup must be for the sink to receive its codes.
func (s *smtpSink) explain(err error) error {
	var oe *OpError
	if errors.As(err, &oe) && (oe.Kind == "http_503:unavailable" || oe.Kind == "http_400:method_unavailable") {
		return &OpError{Kind: oe.Kind, Detail: oe.Detail + " (the server must send email to this tool's sink: UPLIFT_SMTP_URL=" + s.URL() + ")"}
	}
	return err
}

// deliver hands the code in a message to each recipient's mailbox.
func (s *smtpSink) deliver(rcpts []string, data []byte) {
	code, err := messageCode(data)
	if err != nil {
		s.stray.Add(1)
		return
	}
	for _, to := range rcpts {
		box := s.box(to)
		if box == nil {
			s.stray.Add(1)
			continue
		}
		select {
		case box <- code:
		default:
			s.stray.Add(1)
		}
	}
}

// messageCode returns the six-digit code in a message's plain-text part
// (the whole body when the message is not multipart).
func messageCode(data []byte) (string, error) {
	msg, err := mailparse.Parse(data)
	if err != nil {
		return "", err
	}
	return msg.Code()
}

// sinkBackend starts a session per SMTP connection.
type sinkBackend struct{ sink *smtpSink }

// NewSession starts an SMTP session (go-smtp's Backend).
func (b sinkBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &sinkSession{sink: b.sink}, nil
}

// sinkSession is one SMTP connection: an envelope and its message.
type sinkSession struct {
	sink *smtpSink
	to   []string
}

// Mail accepts any envelope sender.
func (s *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }

// Rcpt records an envelope recipient.
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

// Data reads the message and delivers its code; the message is accepted
// whatever it holds, so a stray message never fails the server's send.
func (s *sinkSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.sink.deliver(s.to, data)
	return nil
}

// Reset forgets the envelope, for the next message of the connection.
func (s *sinkSession) Reset() { s.to = nil }

// Logout ends the session.
func (s *sinkSession) Logout() error { return nil }

// quietLog drops the SMTP server's own log lines.
type quietLog struct{}

func (quietLog) Printf(string, ...any) {}
func (quietLog) Println(...any)        {}
