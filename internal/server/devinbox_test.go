package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/server"
)

func TestDevInbox(t *testing.T) {
	e := apitest.New(t)
	inbox := notify.NewInbox(nil, 0, nil)
	ctx := context.Background()
	inbox.SendEmail(ctx, notify.Message{To: "ada@example.com", Subject: "Your <b>code</b>", Text: "first 111111"})
	inbox.SendSMS(ctx, notify.SMS{To: "+64211234567", Body: "second 222222"})

	h := server.New(e.App, slog.New(slog.DiscardHandler), server.WithDevInbox(inbox)).Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/dev/inbox", nil))
	page := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /dev/inbox = %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	first, second := strings.Index(page, "111111"), strings.Index(page, "222222")
	if first < 0 || second < 0 || second > first {
		t.Errorf("the page must list both messages, newest first:\n%s", page)
	}
	if strings.Contains(page, "<b>code</b>") || !strings.Contains(page, "Your &lt;b&gt;code&lt;/b&gt;") {
		t.Errorf("the subject must be escaped:\n%s", page)
	}
	for _, want := range []string{"Email #1 to ada@example.com", "Text message #2 to &#43;64211234567"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}

	// Outside development mode there is no such page.
	rec = httptest.NewRecorder()
	server.New(e.App, slog.New(slog.DiscardHandler)).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/dev/inbox", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET /dev/inbox without an inbox = %d, want 404", rec.Code)
	}
}
