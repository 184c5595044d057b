// Package notify delivers one-time codes: email over SMTP, text messages
// through a webhook or a Twilio-style account, and, in development mode, an
// in-memory inbox that prints each message to the terminal.
//
// Every sender's errors are safe to log: they say which server or provider
// was contacted, what step failed and the status it answered, and they never
// contain a message's subject, text, HTML or body, and so never the code it
// carries. Server replies are only quoted from steps that happen before the
// message content is transmitted, so a server cannot echo the content back
// into an error either.
package notify

import (
	"context"
	"crypto/tls"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Message is one email: a recipient, a subject and a body in plain text and
// HTML (HTML may be empty for a text-only message).
type Message struct {
	To, Subject, Text, HTML string
}

// SMS is one text message to a phone number in E.164 form.
type SMS struct {
	To, Body string
}

// EmailSender sends email.
type EmailSender interface {
	SendEmail(ctx context.Context, m Message) error
}

// SMSSender sends text messages.
type SMSSender interface {
	SendSMS(ctx context.Context, m SMS) error
}

// DefaultTimeout bounds one delivery attempt when no WithTimeout option is
// given.
const DefaultTimeout = 15 * time.Second

// Option adjusts a sender made by NewSMTPSender or NewSMSSender.
type Option func(*options)

type options struct {
	timeout    time.Duration
	tlsConfig  *tls.Config
	httpClient *http.Client
	twilioAPI  string
}

func buildOptions(opts []Option) options {
	o := options{timeout: DefaultTimeout, twilioAPI: twilioAPI}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithTimeout bounds each delivery attempt: the whole SMTP session, or one
// HTTP request.
func WithTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.timeout = d
		}
	}
}

// WithTLSConfig sets the TLS configuration for SMTP (STARTTLS and smtps://),
// for instance to trust a private certificate authority. Its ServerName, when
// empty, is set to the SMTP host.
func WithTLSConfig(c *tls.Config) Option {
	return func(o *options) { o.tlsConfig = c }
}

// WithHTTPClient sets the HTTP client SMS senders use; its Timeout is left
// as it is, and WithTimeout still bounds each request through its context.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) { o.httpClient = c }
}

// WithTwilioAPI replaces the Twilio API base URL
// (https://api.twilio.com/2010-04-01) with another, such as a test server or
// a Twilio-compatible provider.
func WithTwilioAPI(base string) Option {
	return func(o *options) { o.twilioAPI = strings.TrimRight(base, "/") }
}

// SendError reports a message that did not reach its server or provider.
// Its text is safe to log: it never contains the message's subject or body.
type SendError struct {
	// Via names the channel: "smtp", "sms webhook" or "twilio".
	Via string
	// Server is the host (with port, for SMTP) that was contacted.
	Server string
	// Step says what failed, e.g. "connect", "recipient refused",
	// "message refused", "status".
	Step string
	// Status is the SMTP reply code or HTTP status, or 0 when there was none.
	Status int
	// Detail is the server's explanation or the network error, quoted only
	// when it cannot contain the message; often empty.
	Detail string

	cause error
}

// Error describes the failure without the message's content.
func (e *SendError) Error() string {
	var b strings.Builder
	b.WriteString("notify: ")
	b.WriteString(e.Via)
	b.WriteString(" ")
	b.WriteString(e.Server)
	b.WriteString(": ")
	b.WriteString(e.Step)
	if e.Status != 0 {
		b.WriteString(": ")
		b.WriteString(strconv.Itoa(e.Status))
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// Unwrap returns the underlying error where it cannot contain the message
// (a network or context error, or a reply from before the content was
// sent), so errors.Is(err, context.DeadlineExceeded) works.
func (e *SendError) Unwrap() error { return e.cause }
