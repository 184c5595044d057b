// Package mailparse takes apart the email messages Uplift sends: their
// headers, their parts by media type with the transfer encoding undone,
// and the six-digit code in them. The load tool reads codes with it as
// the tests do, so it imports nothing made for tests.
package mailparse

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
)

// maxDepth is how deeply multipart parts may nest; Uplift's messages nest
// one level (multipart/alternative), mail relays may add one or two.
const maxDepth = 4

// ErrNoCode is returned when a text holds no six-digit code.
var ErrNoCode = errors.New("mailparse: the message holds no six-digit code")

// codePattern is a six-digit code standing alone, not part of a longer
// number or word.
var codePattern = regexp.MustCompile(`\b[0-9]{6}\b`)

// Message is a parsed email message.
type Message struct {
	header mail.Header
	body   []byte
}

// Part is one leaf part of a message: its media type and its body with the
// transfer encoding undone.
type Part struct {
	MediaType string
	Body      string
}

// Parse reads a message as sent over SMTP (RFC 5322 headers, a blank
// line, the body).
func Parse(data []byte) (*Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("mailparse: %w", err)
	}
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		return nil, fmt.Errorf("mailparse: %w", err)
	}
	return &Message{header: msg.Header, body: body}, nil
}

// Header returns the raw header fields, such as for Date or To.
func (m *Message) Header() mail.Header { return m.header }

// DecodedHeader returns the named header field with its RFC 2047 encoded
// words decoded, such as a Subject in UTF-8.
func (m *Message) DecodedHeader(name string) (string, error) {
	return new(mime.WordDecoder).DecodeHeader(m.header.Get(name))
}

// Parts returns the message's leaf parts in order, looking inside
// multipart parts; a message that is not multipart is its one part.
func (m *Message) Parts() ([]Part, error) {
	var parts []Part
	err := walk(m.header.Get("Content-Type"), m.header.Get("Content-Transfer-Encoding"),
		bytes.NewReader(m.body), 0, &parts)
	return parts, err
}

// Part returns the body of the first leaf part of mediaType, such as
// "text/plain" or "text/html".
func (m *Message) Part(mediaType string) (string, error) {
	parts, err := m.Parts()
	if err != nil {
		return "", err
	}
	for _, p := range parts {
		if p.MediaType == mediaType {
			return p.Body, nil
		}
	}
	return "", fmt.Errorf("mailparse: no %s part", mediaType)
}

// Code returns the six-digit code in the message's text/plain part.
func (m *Message) Code() (string, error) {
	text, err := m.Part("text/plain")
	if err != nil {
		return "", err
	}
	return FindCode(text)
}

// FindCode returns the first six-digit code in text, such as a text
// message's body, or ErrNoCode.
func FindCode(text string) (string, error) {
	code := codePattern.FindString(text)
	if code == "" {
		return "", ErrNoCode
	}
	return code, nil
}

// walk appends body to parts if it is a leaf, or the leaves within it if
// it is multipart. A missing Content-Type is text/plain (RFC 2045).
func walk(contentType, encoding string, body io.Reader, depth int, parts *[]Part) error {
	mediaType, params := "text/plain", map[string]string(nil)
	if contentType != "" {
		var err error
		if mediaType, params, err = mime.ParseMediaType(contentType); err != nil {
			return fmt.Errorf("mailparse: content type %q: %w", contentType, err)
		}
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		b, err := io.ReadAll(decodeTransfer(encoding, body))
		if err != nil {
			return fmt.Errorf("mailparse: %s part: %w", mediaType, err)
		}
		*parts = append(*parts, Part{MediaType: mediaType, Body: string(b)})
		return nil
	}
	if depth >= maxDepth {
		return fmt.Errorf("mailparse: multipart parts nest more than %d deep", maxDepth)
	}
	r := multipart.NewReader(body, params["boundary"])
	for {
		// NextRawPart leaves the transfer encoding for decodeTransfer,
		// which undoes base64 as well as quoted-printable.
		p, err := r.NextRawPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("mailparse: %s: %w", mediaType, err)
		}
		if err := walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1, parts); err != nil {
			return err
		}
	}
}

// decodeTransfer undoes a Content-Transfer-Encoding; 7bit, 8bit and
// binary need nothing undone.
func decodeTransfer(encoding string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r)
	}
	return r
}
