package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// capture records requests an httptest server received and answers with
// status and body.
type capture struct {
	status int
	body   string

	mu       sync.Mutex
	requests []capturedRequest
}

type capturedRequest struct {
	Method, Path, ContentType string
	User, Pass                string
	Body                      string
}

func (c *capture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	user, pass, _ := r.BasicAuth()
	c.mu.Lock()
	c.requests = append(c.requests, capturedRequest{
		Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"),
		User: user, Pass: pass, Body: string(body),
	})
	c.mu.Unlock()
	w.WriteHeader(c.status)
	io.WriteString(w, c.body)
}

func (c *capture) received() []capturedRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]capturedRequest(nil), c.requests...)
}

// codeSMS is the text message the SMS tests send.
func codeSMS() SMS {
	m := CodeSMS("Acme", testCode, 10*time.Minute)
	m.To = "+15550001111"
	return m
}

// checkSMSSafe fails the test unless err is a *SendError whose text holds
// neither the code nor the body.
func checkSMSSafe(t *testing.T, err error, m SMS, secrets ...string) *SendError {
	t.Helper()
	return checkSafe(t, err, Message{Text: m.Body}, secrets...)
}

func TestWebhookDelivers(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		userinfo *url.Userinfo
		wantUser string
		wantPass string
	}{
		{name: "200", status: http.StatusOK},
		{name: "202", status: http.StatusAccepted},
		{name: "204 with basic auth from the URL", status: http.StatusNoContent,
			userinfo: url.UserPassword("gateway", "t0ken"), wantUser: "gateway", wantPass: "t0ken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &capture{status: tt.status}
			srv := httptest.NewServer(rec)
			defer srv.Close()
			u, _ := url.Parse(srv.URL + "/hooks/sms?key=abc")
			u.User = tt.userinfo
			s, err := NewSMSSender(u.String())
			if err != nil {
				t.Fatalf("NewSMSSender: %v", err)
			}
			m := codeSMS()
			if err := s.SendSMS(t.Context(), m); err != nil {
				t.Fatalf("SendSMS: %v", err)
			}
			got := rec.received()
			want := []capturedRequest{{
				Method: "POST", Path: "/hooks/sms", ContentType: "application/json",
				User: tt.wantUser, Pass: tt.wantPass,
				Body: `{"to":"+15550001111","body":"Your Acme verification code is 482913. It expires in 10 minutes."}`,
			}}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("requests (-got +want):\n%s", diff)
			}
			var body map[string]string
			dec := json.NewDecoder(strings.NewReader(got[0].Body))
			if err := dec.Decode(&body); err != nil || len(body) != 2 {
				t.Errorf("body %s: want exactly {to, body} (%v)", got[0].Body, err)
			}
		})
	}
}

func TestWebhookFails(t *testing.T) {
	m := codeSMS()
	tests := []struct {
		name       string
		status     int
		body       string
		wantStatus int
		wantDetail string
	}{
		{"500", http.StatusInternalServerError, "", 500, "Internal Server Error"},
		{"400 quoting the request", http.StatusBadRequest, `{"error":"bad","request":{"body":"` + m.Body + `"}}`, 400, "Bad Request"},
		{"302", http.StatusFound, "", 302, "Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(&capture{status: tt.status, body: tt.body})
			defer srv.Close()
			s, err := NewSMSSender(srv.URL + "/sms?token=webhook-secret")
			if err != nil {
				t.Fatalf("NewSMSSender: %v", err)
			}
			se := checkSMSSafe(t, s.SendSMS(t.Context(), m), m, "webhook-secret")
			host := strings.TrimPrefix(srv.URL, "http://")
			if se.Via != "sms webhook" || se.Server != host || se.Step != "status" ||
				se.Status != tt.wantStatus || se.Detail != tt.wantDetail {
				t.Errorf("error = %+v, want sms webhook %s status %d %q", se, host, tt.wantStatus, tt.wantDetail)
			}
		})
	}
}

func TestWebhookUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s, err := NewSMSSender("http://user:hunter2@" + addr + "/sms?token=webhook-secret")
	if err != nil {
		t.Fatalf("NewSMSSender: %v", err)
	}
	m := codeSMS()
	se := checkSMSSafe(t, s.SendSMS(t.Context(), m), m, "hunter2", "webhook-secret")
	if se.Step != "connect" || se.Server != addr || !strings.Contains(se.Detail, "refused") {
		t.Errorf("error = %q, want a refused connection to %s", se, addr)
	}
}

// TestWebhookCancelled cancels the context while the provider holds the
// request: the send ends with the context's error.
func TestWebhookCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		cancel()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	s, err := NewSMSSender(srv.URL, WithTimeout(time.Minute))
	if err != nil {
		t.Fatalf("NewSMSSender: %v", err)
	}
	m := codeSMS()
	err = s.SendSMS(ctx, m)
	checkSMSSafe(t, err, m)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want one wrapping context.Canceled", err)
	}
}

func TestSMSInvalidRecipient(t *testing.T) {
	rec := &capture{status: http.StatusOK}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	senders := map[string]string{
		"webhook": srv.URL,
		"twilio":  "twilio://AC1:tok@/+15550001111",
	}
	for name, raw := range senders {
		s, err := NewSMSSender(raw, WithTwilioAPI(srv.URL))
		if err != nil {
			t.Fatalf("%s: NewSMSSender: %v", name, err)
		}
		m := codeSMS()
		m.To = "555-0100"
		if err := s.SendSMS(t.Context(), m); err == nil || strings.Contains(err.Error(), testCode) {
			t.Errorf("%s: SendSMS to %q = %v, want an error without the code", name, m.To, err)
		}
	}
	if n := len(rec.received()); n != 0 {
		t.Errorf("provider got %d requests, want 0", n)
	}
}

func TestTwilioDelivers(t *testing.T) {
	tests := []struct {
		name     string
		from     string
		wantForm url.Values
	}{
		{"from a number", "/+15559998888",
			url.Values{"To": {"+15550001111"}, "From": {"+15559998888"}, "Body": {codeSMS().Body}}},
		{"through a messaging service", "/MG0123456789abcdef",
			url.Values{"To": {"+15550001111"}, "MessagingServiceSid": {"MG0123456789abcdef"}, "Body": {codeSMS().Body}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &capture{status: http.StatusCreated, body: `{"sid":"SM1","status":"queued"}`}
			srv := httptest.NewServer(rec)
			defer srv.Close()
			s, err := NewSMSSender("twilio://AC0123:auth%2Ftoken@"+tt.from, WithTwilioAPI(srv.URL+"/2010-04-01/"))
			if err != nil {
				t.Fatalf("NewSMSSender: %v", err)
			}
			if err := s.SendSMS(t.Context(), codeSMS()); err != nil {
				t.Fatalf("SendSMS: %v", err)
			}
			got := rec.received()
			if len(got) != 1 {
				t.Fatalf("provider got %d requests, want 1", len(got))
			}
			r := got[0]
			form, err := url.ParseQuery(r.Body)
			if err != nil {
				t.Fatalf("form %q: %v", r.Body, err)
			}
			head := []string{r.Method, r.Path, r.ContentType, r.User, r.Pass}
			wantHead := []string{"POST", "/2010-04-01/Accounts/AC0123/Messages.json", "application/x-www-form-urlencoded", "AC0123", "auth/token"}
			if diff := cmp.Diff(head, wantHead); diff != "" {
				t.Errorf("request (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(form, tt.wantForm); diff != "" {
				t.Errorf("form (-got +want):\n%s", diff)
			}
		})
	}
}

func TestTwilioFails(t *testing.T) {
	m := codeSMS()
	tests := []struct {
		name       string
		status     int
		body       string
		wantDetail string
	}{
		{"error with a code", 400, `{"code":21211,"message":"Invalid 'To' for body ` + m.Body + `","status":400}`, "twilio error 21211"},
		{"error without a body", 401, ``, "Unauthorized"},
		{"error that is not JSON", 503, `<html>` + m.Body + `</html>`, "Service Unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(&capture{status: tt.status, body: tt.body})
			defer srv.Close()
			s, err := NewSMSSender("twilio://AC1:supersecret@/+15559998888", WithTwilioAPI(srv.URL))
			if err != nil {
				t.Fatalf("NewSMSSender: %v", err)
			}
			se := checkSMSSafe(t, s.SendSMS(t.Context(), m), m, "supersecret")
			if se.Via != "twilio" || se.Step != "status" || se.Status != tt.status || se.Detail != tt.wantDetail {
				t.Errorf("error = %+v, want twilio status %d %q", se, tt.status, tt.wantDetail)
			}
		})
	}
}

func TestNewSMSSender(t *testing.T) {
	tests := []struct {
		url      string
		wantType string
		wantErr  bool
	}{
		{url: "https://sms.example.com/send", wantType: "*notify.WebhookSender"},
		{url: "http://127.0.0.1:9000", wantType: "*notify.WebhookSender"},
		{url: "twilio://AC1:secrettoken@/+15550001111", wantType: "*notify.TwilioSender"},
		{url: "twilio://AC1:secrettoken@/MG1", wantType: "*notify.TwilioSender"},
		{url: "twilio://AC1@/+15550001111", wantErr: true},
		{url: "twilio:///+15550001111", wantErr: true},
		{url: "twilio://AC1:secrettoken@/5550001111", wantErr: true},
		{url: "twilio://AC1:secrettoken@", wantErr: true},
		{url: "https://", wantErr: true},
		{url: "ftp://example.com", wantErr: true},
		{url: "https://user:secrettoken@exa mple.com\x7f", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			s, err := NewSMSSender(tt.url)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("NewSMSSender succeeded, want an error")
				}
				if strings.Contains(err.Error(), "secrettoken") {
					t.Errorf("error %q contains the token", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewSMSSender: %v", err)
			}
			if got := typeName(s); got != tt.wantType {
				t.Errorf("sender is %s, want %s", got, tt.wantType)
			}
		})
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *WebhookSender:
		return "*notify.WebhookSender"
	case *TwilioSender:
		return "*notify.TwilioSender"
	}
	return "other"
}

func TestValidE164(t *testing.T) {
	tests := []struct {
		number string
		want   bool
	}{
		{"+15550001111", true},
		{"+447911123456", true},
		{"+123456789012345", true},
		{"+1234567890123456", false},
		{"+1", false},
		{"15550001111", false},
		{"+05550001111", false},
		{"+1 555 000 1111", false},
		{"+1-555-000-1111", false},
		{"", false},
		{"+", false},
	}
	for _, tt := range tests {
		if got := ValidE164(tt.number); got != tt.want {
			t.Errorf("ValidE164(%q) = %v, want %v", tt.number, got, tt.want)
		}
	}
}
