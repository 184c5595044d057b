package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// twilioAPI is the base of Twilio's REST API.
const twilioAPI = "https://api.twilio.com/2010-04-01"

// NewSMSSender returns a sender for the provider smsURL names:
//
//	https://host/path (or http://)    a webhook that receives POST {"to": ..., "body": ...}
//	twilio://SID:TOKEN@/+15550001111  Twilio's Messages API, sending from that number
//	twilio://SID:TOKEN@/MG...         Twilio's Messages API, through a messaging service
//
// Credentials in a webhook URL are sent as HTTP basic authentication.
func NewSMSSender(smsURL string, opts ...Option) (SMSSender, error) {
	u, err := url.Parse(smsURL)
	if err != nil {
		// url.Parse quotes the URL, credentials included.
		return nil, errors.New("notify: the SMS URL cannot be parsed")
	}
	o := buildOptions(opts)
	client := o.httpClient
	if client == nil {
		client = &http.Client{}
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return nil, errors.New("notify: the SMS webhook URL names no host")
		}
		return &WebhookSender{url: u, client: client, timeout: o.timeout}, nil
	case "twilio":
		return newTwilioSender(u, o.twilioAPI, client, o.timeout)
	}
	return nil, fmt.Errorf("notify: SMS URL scheme %q: want https, http or twilio", u.Scheme)
}

// ValidE164 reports whether number is a phone number in E.164 form: a plus
// sign and 2 to 15 digits, the first not zero.
func ValidE164(number string) bool {
	digits, ok := strings.CutPrefix(number, "+")
	if !ok || len(digits) < 2 || len(digits) > 15 || digits[0] == '0' {
		return false
	}
	for i := range len(digits) {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}

// WebhookSender posts each text message as JSON to a URL, for a gateway the
// operator runs or a provider that accepts such calls. It is safe for
// concurrent use.
type WebhookSender struct {
	url     *url.URL
	client  *http.Client
	timeout time.Duration
}

// webhookBody is the JSON a webhook receives.
type webhookBody struct {
	To   string `json:"to"`
	Body string `json:"body"`
}

// SendSMS posts {"to", "body"} and succeeds on any 2xx answer. Otherwise
// it returns a *SendError naming the host and status, never the body sent
// or received.
func (w *WebhookSender) SendSMS(ctx context.Context, m SMS) error {
	if !ValidE164(m.To) {
		return errors.New("notify: the recipient is not an E.164 phone number")
	}
	payload, err := json.Marshal(webhookBody(m))
	if err != nil {
		return fmt.Errorf("notify: encode SMS: %w", err)
	}
	req, err := http.NewRequest(http.MethodPost, w.url.String(), bytes.NewReader(payload))
	if err != nil {
		return &SendError{Via: "sms webhook", Server: w.url.Host, Step: "request", Detail: "invalid request"}
	}
	req.Header.Set("Content-Type", "application/json")
	return post(ctx, w.client, req, w.timeout, "sms webhook", nil)
}

// TwilioSender sends text messages through Twilio's Messages API, or
// another provider with the same API. It is safe for concurrent use.
type TwilioSender struct {
	accountSID string
	token      string
	from       string
	endpoint   *url.URL
	client     *http.Client
	timeout    time.Duration
}

func newTwilioSender(u *url.URL, api string, client *http.Client, timeout time.Duration) (*TwilioSender, error) {
	if u.User == nil {
		return nil, errors.New("notify: the Twilio URL needs SID:TOKEN@")
	}
	sid := u.User.Username()
	token, _ := u.User.Password()
	from := strings.TrimPrefix(u.Path, "/")
	if sid == "" || token == "" {
		return nil, errors.New("notify: the Twilio URL needs both an account SID and a token")
	}
	if !ValidE164(from) && !strings.HasPrefix(from, "MG") {
		return nil, errors.New("notify: the Twilio URL must end with the sender number in E.164 form or a messaging service SID")
	}
	endpoint, err := url.Parse(api + "/Accounts/" + url.PathEscape(sid) + "/Messages.json")
	if err != nil || endpoint.Host == "" {
		return nil, errors.New("notify: the Twilio API base URL is not valid")
	}
	return &TwilioSender{accountSID: sid, token: token, from: from, endpoint: endpoint, client: client, timeout: timeout}, nil
}

// twilioError is the part of Twilio's error answer worth logging: its
// numeric code. The message is not kept, since it could quote the request.
type twilioError struct {
	Code int `json:"code"`
}

// SendSMS posts the message to Twilio. On failure it returns a *SendError
// naming the host, the HTTP status and Twilio's error code, never the body.
func (t *TwilioSender) SendSMS(ctx context.Context, m SMS) error {
	if !ValidE164(m.To) {
		return errors.New("notify: the recipient is not an E.164 phone number")
	}
	form := url.Values{"To": {m.To}, "Body": {m.Body}}
	if strings.HasPrefix(t.from, "MG") {
		form.Set("MessagingServiceSid", t.from)
	} else {
		form.Set("From", t.from)
	}
	req, err := http.NewRequest(http.MethodPost, t.endpoint.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return &SendError{Via: "twilio", Server: t.endpoint.Host, Step: "request", Detail: "invalid request"}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(t.accountSID, t.token)
	return post(ctx, t.client, req, t.timeout, "twilio", func(body []byte) string {
		var e twilioError
		if json.Unmarshal(body, &e) == nil && e.Code != 0 {
			return fmt.Sprintf("twilio error %d", e.Code)
		}
		return ""
	})
}

// post sends req within timeout and turns any failure into a *SendError.
// explain, when set, may draw a safe detail from an error answer's body.
func post(ctx context.Context, client *http.Client, req *http.Request, timeout time.Duration, via string, explain func([]byte) string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		e := &SendError{Via: via, Server: req.URL.Host, Step: "connect"}
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			// The url.Error's own text would repeat the URL, with any
			// token in its query; the inner error names only the address.
			err = urlErr.Err
		}
		e.Detail, e.cause = clip(err.Error()), err
		if ctxErr := ctx.Err(); ctxErr != nil {
			e.Detail, e.cause = ctxErr.Error(), ctxErr
		}
		return e
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	e := &SendError{Via: via, Server: req.URL.Host, Step: "status", Status: resp.StatusCode, Detail: http.StatusText(resp.StatusCode)}
	if explain != nil {
		if d := explain(body); d != "" {
			e.Detail = d
		}
	}
	return e
}
