package loadtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// userAgent is the browser the load claims to be (Chrome on macOS).
const userAgent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36"

// requestTimeout bounds one HTTP request.
const requestTimeout = 30 * time.Second

// Target is the Uplift server under load and the tenant the load runs as.
type Target struct {
	BaseURL   string
	TenantID  string
	SecretKey string
	RP        RelyingParty

	http       *http.Client
	secretAuth string
	tenantAuth string
	// sink receives the code emails of the email scenario; nil without it.
	sink *smtpSink
}

// newTarget prepares a client for baseURL with enough idle connections
// for conns concurrent callers. It never uses a proxy.
func newTarget(baseURL, tenantID, secretKey string, conns int) *Target {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2 * conns,
		MaxIdleConnsPerHost: 2 * conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &Target{
		BaseURL: baseURL, TenantID: tenantID, SecretKey: secretKey,
		http: &http.Client{Transport: tr, Timeout: requestTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		secretAuth: "Basic " + base64.StdEncoding.EncodeToString([]byte(secretKey+":")),
		tenantAuth: "Basic " + base64.StdEncoding.EncodeToString([]byte(url.PathEscape(tenantID))),
	}
}

func (t *Target) close() { t.http.CloseIdleConnections() }

func bearer(token string) string { return "Bearer " + token }

// OpError is a failed request, classified for the error table.
type OpError struct {
	// Kind is "http_<status>:<error code>", "transport", "timeout" or
	// "bad_response".
	Kind   string
	Detail string
}

func (e *OpError) Error() string { return e.Kind + ": " + e.Detail }

// errorKind is the error-table key for err.
func errorKind(err error) string {
	var oe *OpError
	if errors.As(err, &oe) {
		return oe.Kind
	}
	return "other"
}

// call sends a JSON request and decodes a 200 answer into out (nil to
// discard it). Anything but 200 is an *OpError.
func (t *Target) call(ctx context.Context, method, path, auth string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.BaseURL+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("User-Agent", userAgent)
	resp, err := t.http.Do(req)
	if err != nil {
		kind := "transport"
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			kind = "timeout"
		}
		return &OpError{Kind: kind, Detail: fmt.Sprintf("%s %s: %v", method, path, err)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &OpError{Kind: "transport", Detail: fmt.Sprintf("%s %s: read: %v", method, path, err)}
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		json.Unmarshal(raw, &e)
		return &OpError{Kind: fmt.Sprintf("http_%d:%s", resp.StatusCode, e.Error),
			Detail: fmt.Sprintf("%s %s: %.300s", method, path, raw)}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return &OpError{Kind: "bad_response", Detail: fmt.Sprintf("%s %s: %v in %.300s", method, path, err, raw)}
		}
	}
	return nil
}

// passkeyConfig reads the tenant's relying party and expected origins
// through the Management API.
func (t *Target) passkeyConfig(ctx context.Context) (rpID string, origins []string, err error) {
	var cfg struct {
		RelyingParty    string   `json:"relyingParty"`
		ExpectedOrigins []string `json:"expectedOrigins"`
	}
	err = t.call(ctx, http.MethodGet, "/v1/management/authenticator-configurations/passkey", t.secretAuth, nil, &cfg)
	return cfg.RelyingParty, cfg.ExpectedOrigins, err
}
