package notifytest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/notify/notifytest"
)

func TestMailParts(t *testing.T) {
	raw := "Subject: =?utf-8?q?Your_code_=E2=80=94_Acme?=\r\n" +
		"Content-Type: multipart/mixed; boundary=outer\r\n\r\n" +
		"--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n" +
		"--inner\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Your code is=\r\n 654321.\r\n" +
		"--inner\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"PHA+NjU0MzIxPC9wPg==\r\n--inner--\r\n--outer--\r\n"
	m := notifytest.Mail{Data: []byte(raw)}
	if s, err := m.Header("Subject"); err != nil || s != "Your code — Acme" {
		t.Errorf("Subject = %q, %v", s, err)
	}
	if html, err := m.Part("text/html"); err != nil || html != "<p>654321</p>" {
		t.Errorf("HTML part = %q, %v", html, err)
	}
	if code, err := m.Code(); err != nil || code != "654321" {
		t.Errorf("Code = %q, %v", code, err)
	}
	if _, err := m.Part("image/png"); err == nil {
		t.Error("Part found a part the message lacks")
	}
}

func TestReceivers(t *testing.T) {
	ctx := context.Background()
	mail := notifytest.StartSMTP(t)
	sender, err := notify.NewSMTPSender(mail.URL(), "no-reply@example.com")
	if err != nil {
		t.Fatal(err)
	}
	msg := notify.CodeEmail("Acme", "123456", 0)
	msg.To = "ada@example.com"
	if err := sender.SendEmail(ctx, msg); err != nil {
		t.Fatal(err)
	}
	if code, err := mail.LastCode("ADA@example.com"); err != nil || code != "123456" {
		t.Errorf("LastCode = %q, %v", code, err)
	}
	mail.Refuse(true)
	if err := sender.SendEmail(ctx, msg); err == nil || len(mail.Refused()) != 1 || len(mail.Messages()) != 1 {
		t.Errorf("refused send: %v; %d refused, %d accepted", err, len(mail.Refused()), len(mail.Messages()))
	}
	if _, err := mail.LastCode("bo@example.com"); err != notifytest.ErrNoMessage {
		t.Errorf("LastCode for nobody = %v", err)
	}

	sms := notifytest.StartSMS(t)
	texter, err := notify.NewSMSSender(sms.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := texter.SendSMS(ctx, notify.SMS{To: "+64211234567", Body: "Your code is 987654."}); err != nil {
		t.Fatal(err)
	}
	sms.Answer(503)
	if err := texter.SendSMS(ctx, notify.SMS{To: "+64211234567", Body: "Your code is 111111."}); err == nil ||
		!strings.Contains(err.Error(), "503") {
		t.Errorf("refused text: %v", err)
	}
	if code, err := sms.LastCode("+64211234567"); err != nil || code != "987654" || len(sms.Refused()) != 1 {
		t.Errorf("LastCode = %q, %v; refused %v", code, err, sms.Refused())
	}
}
