package notify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
)

// Default SMTP ports: submission with STARTTLS, and submission over TLS.
const (
	DefaultSMTPPort  = 587
	DefaultSMTPSPort = 465
)

// SMTPSender sends email through one SMTP server, opening a connection for
// each message. It is safe for concurrent use.
type SMTPSender struct {
	host        string
	port        int
	implicitTLS bool
	user, pass  string
	from        string
	fromDomain  string
	tlsConfig   *tls.Config
	timeout     time.Duration
}

// NewSMTPSender returns a sender for the server smtpURL names, sending from
// the address from (see SenderAddress):
//
//	smtp://[user:pass@]host[:port]   port 587 unless given; STARTTLS whenever the server offers it
//	smtps://[user:pass@]host[:port]  TLS from the first byte; port 465 unless given
//
// With credentials in the URL it authenticates with PLAIN or LOGIN, as the
// server offers, and refuses to send them unencrypted to any host but
// localhost. Without credentials it does not authenticate.
func NewSMTPSender(smtpURL, from string, opts ...Option) (*SMTPSender, error) {
	u, err := url.Parse(smtpURL)
	if err != nil {
		// url.Parse quotes the URL, password included.
		return nil, errors.New("notify: the SMTP URL cannot be parsed")
	}
	s := &SMTPSender{host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		s.port = DefaultSMTPPort
	case "smtps":
		s.port, s.implicitTLS = DefaultSMTPSPort, true
	default:
		return nil, fmt.Errorf("notify: SMTP URL scheme %q: want smtp or smtps", u.Scheme)
	}
	if s.host == "" {
		return nil, errors.New("notify: the SMTP URL names no host")
	}
	if p := u.Port(); p != "" {
		s.port, err = strconv.Atoi(p)
		if err != nil || s.port < 1 || s.port > 65535 {
			return nil, fmt.Errorf("notify: SMTP port %q is not a port number", p)
		}
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("notify: the SMTP URL must be scheme://[user:pass@]host[:port], with no path or query")
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	addr, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("notify: sender address %q: %w", from, err)
	}
	s.from = addr.String()
	s.fromDomain = addr.Address[strings.LastIndexByte(addr.Address, '@')+1:]

	o := buildOptions(opts)
	s.timeout = o.timeout
	if o.tlsConfig != nil {
		s.tlsConfig = o.tlsConfig.Clone()
	} else {
		s.tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if s.tlsConfig.ServerName == "" {
		s.tlsConfig.ServerName = s.host
	}
	return s, nil
}

// SenderAddress returns the address email is sent from: from when it is
// set (a plain address or "Name <address>"), else no-reply@ the host of the
// public URL.
func SenderAddress(from, publicURL string) (string, error) {
	if from != "" {
		if _, err := netmail.ParseAddress(from); err != nil {
			return "", fmt.Errorf("notify: sender address %q: %w", from, err)
		}
		return from, nil
	}
	u, err := url.Parse(publicURL)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("notify: public URL %q names no host for the sender address", publicURL)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil {
		host = "[" + host + "]"
	}
	return "no-reply@" + host, nil
}

// Server returns the server's host:port, for start-up messages and logs.
func (s *SMTPSender) Server() string {
	return net.JoinHostPort(s.host, strconv.Itoa(s.port))
}

// SendEmail delivers m to the server as a multipart message with a
// plain-text and an HTML part. It returns nil once the server has accepted
// the message, and otherwise a *SendError that never contains the message's
// subject or body.
func (s *SMTPSender) SendEmail(ctx context.Context, m Message) error {
	msg, err := s.compose(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()

	// The library bounds each command with a deadline but does not watch
	// ctx after dialling; closing the connection when ctx ends aborts
	// whatever command is under way.
	stop := func() bool { return false }
	defer func() { stop() }()
	dial := func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		var conn net.Conn
		var err error
		if s.implicitTLS {
			d := tls.Dialer{Config: s.tlsConfig}
			conn, err = d.DialContext(dialCtx, network, addr)
		} else {
			var d net.Dialer
			conn, err = d.DialContext(dialCtx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		stop = context.AfterFunc(ctx, func() { conn.Close() })
		return conn, nil
	}

	client, err := mail.NewClient(s.host, s.clientOptions(dial)...)
	if err != nil {
		return &SendError{Via: "smtp", Server: s.Server(), Step: "configure", Detail: err.Error()}
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return s.setupError(ctx, err)
	}
	err = client.SendWithSMTPClient(sc, msg)
	// The message is accepted once DATA ends; a failure to say goodbye
	// afterwards does not undo that.
	_ = client.CloseWithSMTPClient(sc)
	if err != nil && !msg.IsDelivered() {
		return s.sendError(ctx, err)
	}
	return nil
}

// clientOptions configures the mail library for one session.
func (s *SMTPSender) clientOptions(dial mail.DialContextFunc) []mail.Option {
	opts := []mail.Option{
		mail.WithPort(s.port),
		mail.WithTimeout(s.timeout),
		mail.WithDialContextFunc(dial),
		mail.WithTLSConfig(s.tlsConfig),
	}
	if s.implicitTLS {
		// The connection is TLS from the start; there is nothing to upgrade.
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	} else {
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if s.user != "" {
		opts = append(opts,
			mail.WithOpportunisticSMTPAuth(mail.SMTPAuthPlain, mail.SMTPAuthLogin),
			mail.WithUsername(s.user), mail.WithPassword(s.pass))
	}
	return opts
}

// compose builds the MIME message: plain text, with HTML as an alternative
// when there is some.
func (s *SMTPSender) compose(m Message) (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := msg.From(s.from); err != nil {
		return nil, fmt.Errorf("notify: sender address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, errors.New("notify: the recipient is not a valid email address")
	}
	msg.Subject(oneLine(m.Subject))
	msg.SetDate()
	msg.SetMessageIDWithValue(newMessageID() + "@" + s.fromDomain)
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// oneLine replaces control characters, line breaks included, with spaces,
// so a subject cannot start a new header.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// newMessageID returns 16 random bytes in hex for a Message-ID.
func newMessageID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// setupError describes a failure while connecting, greeting, starting TLS
// or authenticating. Nothing of the message has been sent yet, so the
// library's explanation is quoted.
func (s *SMTPSender) setupError(ctx context.Context, err error) error {
	e := &SendError{Via: "smtp", Server: s.Server(), Step: "session setup", Detail: clip(err.Error()), cause: err}
	var opErr *net.OpError
	var tpErr *textproto.Error
	var certErr *tls.CertificateVerificationError
	var alert tls.AlertError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.As(err, &opErr) && opErr.Op == "dial":
		e.Step = "connect"
	case errors.As(err, &certErr), errors.As(err, &alert), errors.As(err, &recordErr):
		e.Step = "tls"
	case strings.Contains(err.Error(), "AUTH"):
		e.Step = "authentication"
	}
	if errors.As(err, &tpErr) {
		e.Status = tpErr.Code
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		e.Detail, e.cause = ctxErr.Error(), ctxErr
	}
	return e
}

// sendError describes a failure after the session was set up. The
// server's words are quoted only for steps before the content is sent; from
// the content on, only the reply code is kept, since a server may quote the
// message in its refusal (and the mail library passes such a reply on).
func (s *SMTPSender) sendError(ctx context.Context, err error) error {
	e := &SendError{Via: "smtp", Server: s.Server(), Step: "send"}
	var se *mail.SendError
	if errors.As(err, &se) {
		e.Status = se.ErrorCode()
		safe := true
		switch se.Reason {
		case mail.ErrSMTPMailFrom:
			e.Step = "sender refused"
		case mail.ErrSMTPRcptTo:
			e.Step = "recipient refused"
		case mail.ErrSMTPData:
			e.Step = "data refused"
		case mail.ErrConnCheck:
			e.Step = "connection check"
		case mail.ErrSMTPDataClose:
			e.Step, safe = "message refused", false
		case mail.ErrWriteContent:
			e.Step, safe = "sending content", false
		default:
			safe = false
		}
		if safe {
			e.Detail, e.cause = clip(se.Error()), se
		}
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		e.Detail, e.cause = ctxErr.Error(), ctxErr
	}
	return e
}

// clip shortens a server's explanation to a log-friendly length.
func clip(s string) string {
	const limit = 300
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}
