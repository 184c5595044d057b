package notify

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"
)

// DefaultInboxSize is how many messages an Inbox keeps when NewInbox is
// given no size.
const DefaultInboxSize = 200

// Kind says whether a delivery was an email or a text message.
type Kind string

// Kinds of delivery.
const (
	KindEmail Kind = "email"
	KindSMS   Kind = "sms"
)

// Delivery is one message an Inbox received.
type Delivery struct {
	// ID numbers deliveries from 1 in the order they arrived.
	ID   int
	Kind Kind
	At   time.Time
	To   string
	// Subject and HTML are empty for text messages.
	Subject string
	// Text is the plain-text body of an email or the body of a text message.
	Text string
	HTML string
}

// Inbox stands in for email and SMS providers in development mode: it
// prints every message to a writer (the terminal) and keeps the latest ones
// in memory for a dev page. It is safe for concurrent use.
type Inbox struct {
	out  io.Writer
	size int
	now  func() time.Time

	mu     sync.Mutex
	nextID int
	items  []Delivery // oldest first
}

// NewInbox returns an inbox that prints to out (nil prints nothing), keeps
// the last size messages (DefaultInboxSize when size <= 0) and stamps them
// with now.
func NewInbox(out io.Writer, size int, now func() time.Time) *Inbox {
	if size <= 0 {
		size = DefaultInboxSize
	}
	if now == nil {
		now = time.Now
	}
	return &Inbox{out: out, size: size, now: now}
}

// SendEmail records and prints m.
func (in *Inbox) SendEmail(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	in.add(Delivery{Kind: KindEmail, To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML})
	return nil
}

// SendSMS records and prints m.
func (in *Inbox) SendSMS(ctx context.Context, m SMS) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	in.add(Delivery{Kind: KindSMS, To: m.To, Text: m.Body})
	return nil
}

// add numbers, stores and prints d, dropping the oldest message when full.
func (in *Inbox) add(d Delivery) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.nextID++
	d.ID, d.At = in.nextID, in.now()
	if len(in.items) == in.size {
		copy(in.items, in.items[1:])
		in.items = in.items[:len(in.items)-1]
	}
	in.items = append(in.items, d)
	if in.out != nil {
		// Printing under the lock keeps messages from interleaving; a
		// failing terminal is no reason to fail the send.
		_, _ = io.WriteString(in.out, format(d))
	}
}

// format renders d for the terminal.
func format(d Delivery) string {
	at := d.At.Format(time.DateTime)
	if d.Kind == KindSMS {
		return fmt.Sprintf("----- text message #%d to %s at %s -----\n%s\n-----\n", d.ID, d.To, at, d.Text)
	}
	return fmt.Sprintf("----- email #%d to %s at %s -----\nSubject: %s\n\n%s\n-----\n", d.ID, d.To, at, d.Subject, d.Text)
}

// List returns the messages held, newest first.
func (in *Inbox) List() []Delivery {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := slices.Clone(in.items)
	slices.Reverse(out)
	return out
}

// Last returns the newest message to the address or number to.
func (in *Inbox) Last(to string) (Delivery, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for i := len(in.items) - 1; i >= 0; i-- {
		if in.items[i].To == to {
			return in.items[i], true
		}
	}
	return Delivery{}, false
}
