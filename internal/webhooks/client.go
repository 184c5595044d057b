package webhooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/uplift-dev/uplift/internal/model"
)

// Timeout bounds one delivery attempt, from dialling to the end of the
// response.
const Timeout = 10 * time.Second

// maxResponse is how much of a response is read; responseKept is how much
// of it is stored as the attempt's last response.
const (
	maxResponse  = 64 << 10
	responseKept = 512
)

// errPrivateAddress is the dial error for an address webhooks may not
// reach.
var errPrivateAddress = errors.New("webhook address is private, loopback or link-local (set UPLIFT_WEBHOOK_ALLOW_PRIVATE=1 to allow)")

// CheckURL checks a webhook URL as a tenant enters it: https with a host
// and no credentials; http too when allowPrivate. An empty URL is fine
// (no webhook). The address a host resolves to is checked when dialling.
func CheckURL(field, raw string, allowPrivate bool) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || len(raw) > 2048 {
		return model.Invalid("%s must be an https URL such as https://app.example.com/webhooks", field)
	}
	if u.Scheme != "https" && !(allowPrivate && u.Scheme == "http") {
		return model.Invalid("%s must be an https URL (http only with UPLIFT_WEBHOOK_ALLOW_PRIVATE=1)", field)
	}
	if !allowPrivate {
		if ip, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil && !publicAddr(ip) {
			return model.Invalid("%s must not point at a private, loopback or link-local address", field)
		}
		if h := strings.ToLower(u.Hostname()); h == "localhost" || strings.HasSuffix(h, ".localhost") {
			return model.Invalid("%s must not point at a private, loopback or link-local address", field)
		}
	}
	return nil
}

// publicAddr reports whether ip is an address on the public internet.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && !ip.IsLoopback() && !ip.IsPrivate() && !ip.IsLinkLocalUnicast() &&
		!ip.IsLinkLocalMulticast() && !ip.IsUnspecified() && !ip.IsMulticast() &&
		!ip.IsInterfaceLocalMulticast() && !sharedAddressSpace.Contains(ip)
}

// sharedAddressSpace is carrier-grade NAT's range (RFC 6598), private in
// all but name.
var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// NewClient returns the HTTP client deliveries use: bounded in time, no
// redirects followed, no proxy from the environment and, unless
// allowPrivate, refusing at dial time every address that is not public,
// whatever the host name resolved to.
func NewClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if !allowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !publicAddr(ap.Addr()) {
				return errPrivateAddress
			}
			return nil
		}
	}
	return &http.Client{
		Timeout: Timeout,
		Transport: &http.Transport{
			DialContext:           d.DialContext,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: Timeout,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       90 * time.Second,
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// response is what one post came back with.
type response struct {
	status   int    // 0 when no response came back
	text     string // the start of the body, or the error
	duration time.Duration
}

// ok reports a 2xx answer.
func (r response) ok() bool { return r.status >= 200 && r.status < 300 }

// post sends body to rawURL signed with keys, and reads at most
// maxResponse of the answer.
func post(ctx context.Context, c *http.Client, rawURL string, body []byte, keys [][]byte, now time.Time) response {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, strings.NewReader(string(body)))
	if err != nil {
		return response{text: "invalid webhook URL", duration: time.Since(start)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Uplift-Webhooks/1")
	req.Header.Set(SignatureHeader, Signature(body, now, keys))
	res, err := c.Do(req)
	if err != nil {
		return response{text: describe(err), duration: time.Since(start)}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	return response{status: res.StatusCode, text: clip(string(b)), duration: time.Since(start)}
}

// describe says why a post got no response without repeating the URL
// (its query may hold a token of the tenant's).
func describe(err error) string {
	switch {
	case errors.Is(err, errPrivateAddress):
		return errPrivateAddress.Error()
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return fmt.Sprintf("no response within %s", Timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return clip(err.Error())
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// clip keeps the start of s, valid UTF-8.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= responseKept {
		return s
	}
	s = s[:responseKept]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
