package notify

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var inboxClock = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func TestInboxRecordsAndPrints(t *testing.T) {
	var out bytes.Buffer
	in := NewInbox(&out, 0, func() time.Time { return inboxClock })
	email := CodeEmail("Acme", "000417", 10*time.Minute)
	email.To = "alice@example.com"
	text := CodeSMS("Acme", "902211", 10*time.Minute)
	text.To = "+15550001111"
	if err := in.SendEmail(t.Context(), email); err != nil {
		t.Fatalf("SendEmail: %v", err)
	}
	if err := in.SendSMS(t.Context(), text); err != nil {
		t.Fatalf("SendSMS: %v", err)
	}

	want := []Delivery{
		{ID: 2, Kind: KindSMS, At: inboxClock, To: "+15550001111", Text: text.Body},
		{ID: 1, Kind: KindEmail, At: inboxClock, To: "alice@example.com", Subject: email.Subject, Text: email.Text, HTML: email.HTML},
	}
	if diff := cmp.Diff(in.List(), want); diff != "" {
		t.Errorf("List (-got +want):\n%s", diff)
	}
	printed := out.String()
	for _, s := range []string{"alice@example.com", email.Subject, "000417", "+15550001111", "902211", "2026-03-14 15:09:26"} {
		if !strings.Contains(printed, s) {
			t.Errorf("terminal output lacks %q:\n%s", s, printed)
		}
	}
	if strings.Contains(printed, "<html") {
		t.Errorf("terminal output shows the HTML part:\n%s", printed)
	}
	if got, ok := in.Last("alice@example.com"); !ok || got.ID != 1 {
		t.Errorf("Last(alice) = %+v, %v; want delivery 1", got, ok)
	}
	if _, ok := in.Last("bob@example.com"); ok {
		t.Error("Last(bob) found a message, want none")
	}
}

func TestInboxBounded(t *testing.T) {
	in := NewInbox(nil, 3, func() time.Time { return inboxClock })
	for i := range 5 {
		if err := in.SendSMS(t.Context(), SMS{To: "+15550001111", Body: fmt.Sprint(i)}); err != nil {
			t.Fatalf("SendSMS: %v", err)
		}
	}
	var got []string
	for _, d := range in.List() {
		got = append(got, fmt.Sprintf("%d:%s", d.ID, d.Text))
	}
	if diff := cmp.Diff(got, []string{"5:4", "4:3", "3:2"}); diff != "" {
		t.Errorf("kept (-got +want):\n%s", diff)
	}
	if last, _ := in.Last("+15550001111"); last.ID != 5 {
		t.Errorf("Last = %d, want 5", last.ID)
	}
}

func TestInboxDefaultSize(t *testing.T) {
	in := NewInbox(nil, 0, nil)
	for range DefaultInboxSize + 10 {
		in.SendEmail(t.Context(), Message{To: "a@example.com"})
	}
	if n := len(in.List()); n != DefaultInboxSize {
		t.Errorf("kept %d messages, want %d", n, DefaultInboxSize)
	}
}

func TestInboxCancelled(t *testing.T) {
	in := NewInbox(nil, 0, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := in.SendEmail(ctx, Message{To: "a@example.com"}); err == nil {
		t.Error("SendEmail with a cancelled context succeeded")
	}
	if err := in.SendSMS(ctx, SMS{To: "+15550001111"}); err == nil {
		t.Error("SendSMS with a cancelled context succeeded")
	}
	if n := len(in.List()); n != 0 {
		t.Errorf("kept %d messages, want 0", n)
	}
}

// TestInboxConcurrent sends from many goroutines while others read; run
// with -race.
func TestInboxConcurrent(t *testing.T) {
	var out lockedBuffer
	in := NewInbox(&out, 50, nil)
	var wg sync.WaitGroup
	for g := range 20 {
		wg.Go(func() {
			for i := range 10 {
				to := fmt.Sprintf("user%d@example.com", g)
				in.SendEmail(t.Context(), Message{To: to, Subject: fmt.Sprint(i)})
				in.List()
				in.Last(to)
			}
		})
	}
	wg.Wait()
	list := in.List()
	if len(list) != 50 || list[0].ID != 200 || list[49].ID != 151 {
		t.Errorf("kept %d messages, IDs %d..%d; want 50, 200..151", len(list), list[0].ID, list[len(list)-1].ID)
	}
	if n := strings.Count(out.String(), "----- email #"); n != 200 {
		t.Errorf("printed %d emails, want 200", n)
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent use, so the test
// checks the inbox's locking and not the buffer's.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
