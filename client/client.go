// Package client is a Go client for Uplift's Server API, the JSON endpoints
// an app's backend calls with its secret key. The API follows the shapes of
// Authsignal's Server API, so the types here mirror those of the
// @authsignal/node SDK.
//
// A typical sign-in tracks an action, sends the user to the returned URL,
// and validates the token that comes back:
//
//	c := client.New("http://localhost:8080/v1", os.Getenv("UPLIFT_SECRET_KEY"))
//	res, err := c.Track(ctx, "user-123", "signIn", client.TrackAttributes{
//		RedirectURL: "https://app.example.com/callback",
//	})
//	if err != nil {
//		return err
//	}
//	// Redirect the browser to res.URL; later, on the callback:
//	v, err := c.Validate(ctx, client.ValidateRequest{Token: token})
//	if err != nil {
//		return err
//	}
//	if !v.IsValid {
//		// refuse the sign-in
//	}
//
// Errors the server reports are *Error values; IsNotFound tells an unknown
// user, action or authenticator apart from other failures. The client never
// retries a request on its own.
package client

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

// MaxResponseBytes is the largest response body the client reads; a longer
// one fails the call.
const MaxResponseBytes = 1 << 20

// DefaultTimeout bounds each call when no WithTimeout option is given.
const DefaultTimeout = 30 * time.Second

// Client calls the Server API of one Uplift tenant. It is safe for
// concurrent use by multiple goroutines.
type Client struct {
	baseURL   string
	secretKey string
	http      *http.Client
	timeout   time.Duration
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the client send its requests through hc, for
// example to set a custom transport or proxy. The client does not modify hc.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.http = hc
		}
	}
}

// WithTimeout bounds each call, including reading the response, to d.
// Zero or a negative d leaves calls bounded only by their context.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) { c.timeout = d }
}

// New returns a client for the Server API at baseURL (such as
// "http://localhost:8080/v1") that authenticates with the tenant's secret
// key. An unusable baseURL makes every call fail.
func New(baseURL, secretKey string, opts ...Option) *Client {
	c := &Client{
		baseURL:   strings.TrimRight(baseURL, "/"),
		secretKey: secretKey,
		http:      &http.Client{},
		timeout:   DefaultTimeout,
	}
	for _, opt := range opts {
		opt(c)
	}
	return c
}

// path joins literal segments and escaped values into a URL path, such as
// path("users", userID, "actions") → "/users/alice/actions". The segments
// "." and ".." are escaped too, so that no one removes them as dot-segments.
func path(segments ...string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		if s == "." || s == ".." {
			b.WriteString(strings.ReplaceAll(s, ".", "%2E"))
			continue
		}
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// do sends a request to the Server API and decodes a successful response
// into out (unless out is nil). in, when not nil, is sent as the JSON body.
func (c *Client) do(ctx context.Context, method, p string, query url.Values, in, out any) error {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	u := c.baseURL + p
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("uplift: %s %s: encode request: %w", method, p, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("uplift: %s %s: %w", method, p, err)
	}
	req.SetBasicAuth(c.secretKey, "")
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// A *url.Error repeats the whole URL, whose query may hold a token;
		// name the path only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("uplift: %s %s: %w", method, p, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("uplift: %s %s: read response: %w", method, p, err)
	}
	tooLarge := len(b) > MaxResponseBytes
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newError(resp.StatusCode, b[:min(len(b), MaxResponseBytes)])
	}
	if tooLarge {
		return fmt.Errorf("uplift: %s %s: response body is larger than %d bytes", method, p, MaxResponseBytes)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("uplift: %s %s: decode response: %w", method, p, err)
	}
	return nil
}
