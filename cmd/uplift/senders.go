package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/uplift-dev/uplift/internal/config"
	"github.com/uplift-dev/uplift/internal/notify"
)

// senders builds the email and SMS senders the configuration names. In
// development mode a method with no sender configured goes to an inbox
// that prints each message to terminal and keeps it for the dev inbox
// page; the inbox is returned when something uses it. Outside development
// mode a method with no sender is off, and the log says so.
func senders(cfg config.Config, terminal io.Writer, log *slog.Logger) (notify.EmailSender, notify.SMSSender, *notify.Inbox, error) {
	var email notify.EmailSender
	var sms notify.SMSSender
	if cfg.SMTPURL != "" {
		from, err := notify.SenderAddress(cfg.SMTPFrom, cfg.PublicURL)
		if err != nil {
			return nil, nil, nil, err
		}
		s, err := notify.NewSMTPSender(cfg.SMTPURL, from)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("UPLIFT_SMTP_URL: %w", err)
		}
		email = s
		log.Info("email codes go out over SMTP", "server", s.Server(), "from", from)
	}
	if cfg.SMSURL != "" {
		s, err := notify.NewSMSSender(cfg.SMSURL)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("UPLIFT_SMS_URL: %w", err)
		}
		sms = s
		log.Info("text message codes go out through the SMS provider")
	}
	var inbox *notify.Inbox
	if cfg.Dev && (email == nil || sms == nil) {
		inbox = notify.NewInbox(terminal, 0, nil)
		if email == nil {
			email = inbox
		}
		if sms == nil {
			sms = inbox
		}
		log.Info("development mode: unsent emails and texts are printed here and listed at " + cfg.PublicURL + "/dev/inbox")
	}
	if email == nil {
		log.Warn("email codes are off: set UPLIFT_SMTP_URL to send them")
	}
	if sms == nil {
		log.Warn("text message codes are off: set UPLIFT_SMS_URL to send them")
	}
	return email, sms, inbox, nil
}
