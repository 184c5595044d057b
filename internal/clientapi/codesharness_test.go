package clientapi_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/notify/notifytest"
)

// codeEnv is Uplift in process with a real SMTP server and SMS webhook
// receiving its codes, a tenant, and the service's log kept for reading.
type codeEnv struct {
	*apitest.Env
	mail   *notifytest.SMTPServer
	sms    *notifytest.SMSReceiver
	logs   *lockedBuffer
	tenant model.Tenant
	secret string
}

// newCodeEnv starts the environment. The SMTP sender and the webhook
// sender are the ones `uplift serve` uses.
func newCodeEnv(t *testing.T) *codeEnv {
	t.Helper()
	return newCodeEnvWith(t, apitest.Options{})
}

// newCodeEnvWith starts the environment with o's database and ceilings.
func newCodeEnvWith(t *testing.T, o apitest.Options) *codeEnv {
	t.Helper()
	c := &codeEnv{mail: notifytest.StartSMTP(t), sms: notifytest.StartSMS(t), logs: &lockedBuffer{}}
	email, err := notify.NewSMTPSender(c.mail.URL(), "no-reply@example.com")
	if err != nil {
		t.Fatal(err)
	}
	sms, err := notify.NewSMSSender(c.sms.URL)
	if err != nil {
		t.Fatal(err)
	}
	o.Email, o.SMS, o.Log = email, sms, slogTo(c.logs)
	c.Env = apitest.NewWith(t, o)
	c.tenant, c.secret = c.Tenant("Acme")
	return c
}

// track tracks an action through the Server API and returns its token.
func (c *codeEnv) track(userID, action string, body map[string]any) string {
	c.T.Helper()
	if body == nil {
		body = map[string]any{}
	}
	r := c.Do(c.secret, "POST", "/v1/users/"+userID+"/actions/"+action, body).MustOK(c.T)
	return r.Str("token")
}

// call sends a Client API request with the token and fails the test
// unless it answers want.
func (c *codeEnv) call(tok, path string, body any, want int) apitest.Response {
	c.T.Helper()
	r := c.Client(tok, "POST", path, body)
	if r.Status != want {
		c.T.Fatalf("POST %s: status %d, want %d: %s", path, r.Status, want, r.Body)
	}
	return r
}

// verify sends a code to a verify endpoint and returns the answer.
func (c *codeEnv) verify(tok, method, code string) apitest.Response {
	c.T.Helper()
	return c.call(tok, "/v1/client/verify/"+method, map[string]any{"verificationCode": code}, 200)
}

// emailCode returns the code in the newest email to addr.
func (c *codeEnv) emailCode(addr string) string {
	c.T.Helper()
	code, err := c.mail.LastCode(addr)
	if err != nil {
		c.T.Fatalf("code emailed to %s: %v", addr, err)
	}
	return code
}

// smsCode returns the code in the newest text to number.
func (c *codeEnv) smsCode(number string) string {
	c.T.Helper()
	code, err := c.sms.LastCode(number)
	if err != nil {
		c.T.Fatalf("code texted to %s: %v", number, err)
	}
	return code
}

// validate returns what the Server API's validate says of a token.
func (c *codeEnv) validate(tok string) apitest.Response {
	c.T.Helper()
	return c.Do(c.secret, "POST", "/v1/validate", map[string]any{"token": tok}).MustOK(c.T)
}

// user returns the Server API's view of a user.
func (c *codeEnv) user(id string) apitest.Response {
	c.T.Helper()
	return c.Do(c.secret, "GET", "/v1/users/"+id, nil).MustOK(c.T)
}

// wrongCode returns a six-digit code different from code.
func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// wantFailure fails unless r is a not-verified answer with reason.
func wantFailure(t *testing.T, r apitest.Response, reason string) {
	t.Helper()
	if r.JSON["isVerified"] != false || r.Str("failureReason") != reason || r.Str("accessToken") != "" {
		t.Fatalf("answer %s, want isVerified false with failureReason %s", r.Body, reason)
	}
}

// wantAPIError fails unless r is an error answer with the status and code
// whose description mentions words.
func wantAPIError(t *testing.T, r apitest.Response, status int, code, words string) {
	t.Helper()
	if r.Status != status || r.Str("error") != code || !strings.Contains(r.Str("errorDescription"), words) {
		t.Fatalf("answer %d %s, want %d %s mentioning %q", r.Status, r.Body, status, code, words)
	}
}

// slogTo logs everything, debug included, as text to w.
func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// basicTenant is the Basic credential the browser SDK sends for a tenant.
func basicTenant(id string) string { return base64.StdEncoding.EncodeToString([]byte(id)) }

// lockedBuffer is a buffer safe for a logger's concurrent writes.
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
