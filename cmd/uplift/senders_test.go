package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/config"
	"github.com/uplift-dev/uplift/internal/notify"
)

func TestSenders(t *testing.T) {
	tests := []struct {
		name                string
		cfg                 config.Config
		wantEmail, wantSMS  string // "smtp", "webhook", "twilio", "inbox" or "" for off
		wantInbox           bool
		wantLog, wantNotLog string
	}{
		{"serve with nothing", config.Config{}, "", "", false, "email codes are off", "development mode"},
		{"demo with nothing", config.Config{Dev: true}, "inbox", "inbox", true, "/dev/inbox", "codes are off"},
		{"serve with both", config.Config{SMTPURL: "smtp://mail.example.com", SMSURL: "https://sms.example.com/hook"},
			"smtp", "webhook", false, "from=no-reply@auth.example.com", "codes are off"},
		{"demo with SMTP", config.Config{Dev: true, SMTPURL: "smtp://user:pw@mail.example.com:2525", SMTPFrom: "Acme <id@acme.test>"},
			"smtp", "inbox", true, "server=mail.example.com:2525", "pw"},
		{"twilio", config.Config{SMSURL: "twilio://AC1:tok@/+15550001111"}, "", "twilio", false, "text message codes go out", "tok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.PublicURL = "https://auth.example.com"
			var logs, terminal bytes.Buffer
			email, sms, inbox, err := senders(tt.cfg, &terminal, slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			if got := kindOf(email, inbox); got != tt.wantEmail {
				t.Errorf("email sender = %s, want %s", got, tt.wantEmail)
			}
			if got := kindOf(sms, inbox); got != tt.wantSMS {
				t.Errorf("SMS sender = %s, want %s", got, tt.wantSMS)
			}
			if (inbox != nil) != tt.wantInbox {
				t.Errorf("inbox = %v, want one: %v", inbox, tt.wantInbox)
			}
			if !strings.Contains(logs.String(), tt.wantLog) || strings.Contains(logs.String(), tt.wantNotLog) {
				t.Errorf("log should say %q and not %q:\n%s", tt.wantLog, tt.wantNotLog, logs.String())
			}
		})
	}
	t.Run("the dev inbox prints to the terminal", func(t *testing.T) {
		var terminal bytes.Buffer
		_, sms, _, err := senders(config.Config{Dev: true, PublicURL: "http://localhost:8080"}, &terminal, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		sms.SendSMS(t.Context(), notify.SMS{To: "+64211234567", Body: "Your code is 123456."})
		if !strings.Contains(terminal.String(), "Your code is 123456.") {
			t.Errorf("terminal = %q", terminal.String())
		}
	})
	t.Run("a bad SMTP URL is refused", func(t *testing.T) {
		_, _, _, err := senders(config.Config{SMTPURL: "smtp://mail.example.com/path", PublicURL: "http://localhost"},
			&bytes.Buffer{}, slog.New(slog.DiscardHandler))
		if err == nil || !strings.Contains(err.Error(), "UPLIFT_SMTP_URL") {
			t.Errorf("err = %v, want one naming UPLIFT_SMTP_URL", err)
		}
	})
}

// kindOf names the kind of a sender.
func kindOf(sender any, inbox *notify.Inbox) string {
	switch s := sender.(type) {
	case nil:
		return ""
	case *notify.Inbox:
		if s == inbox {
			return "inbox"
		}
		return "another inbox"
	case *notify.SMTPSender:
		return "smtp"
	case *notify.WebhookSender:
		return "webhook"
	case *notify.TwilioSender:
		return "twilio"
	}
	return "unknown"
}
