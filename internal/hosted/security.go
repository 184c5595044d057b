package hosted

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// Cookie names and lifetimes of the hosted pages.
const (
	// DeviceCookie holds the device id: 16 random bytes as base64url.
	DeviceCookie = "uplift_did"
	// CSRFCookie holds the browser's secret that form fields are derived from.
	CSRFCookie = "uplift_csrf"
	// deviceCookieAge is 400 days, the longest a browser keeps a cookie.
	deviceCookieAge = 400 * 24 * time.Hour
	deviceIDBytes   = 16
	csrfSecretBytes = 32
	// CSRFHeader carries the CSRF field value on JSON requests.
	CSRFHeader = "X-Uplift-CSRF"
)

// errCSRF refuses a post whose CSRF field does not match the browser's
// cookie: a forged request, or a page left open across a browser restart.
var errCSRF = model.Errorf(model.ErrForbidden, "csrf",
	"the form did not come from this sign-in page")

// Cookies sets and reads the hosted pages' cookies. Secure marks them
// Secure; it is on when the public URL is https.
type Cookies struct {
	Secure bool
}

// NewCookies returns the cookie settings for pages served at publicURL.
func NewCookies(publicURL string) Cookies {
	u, err := url.Parse(publicURL)
	return Cookies{Secure: err == nil && u.Scheme == "https"}
}

func (c Cookies) secure(r *http.Request) bool { return c.Secure || r.TLS != nil }

// DeviceID returns the request's device id, setting a new device cookie
// when the request has none or a malformed one.
func (c Cookies) DeviceID(w http.ResponseWriter, r *http.Request) string {
	if id, ok := c.ExistingDeviceID(r); ok {
		return id
	}
	id := randomString(deviceIDBytes)
	http.SetCookie(w, c.attributes(r, &http.Cookie{Name: DeviceCookie, Value: id, Path: "/",
		MaxAge: int(deviceCookieAge / time.Second), HttpOnly: true}))
	return id
}

// attributes sets a cookie's SameSite, Secure and Partitioned for the
// request that sets it. Normally SameSite=Lax, Secure on https. A page in
// popup mode may be a frame in another site's page, where browsers keep
// and send only SameSite=None cookies; those must be Secure, which
// browsers accept over https and from this machine (localhost) only, and
// are Partitioned, so that browsers that block third-party cookies keep
// them for that site alone. Over plain http elsewhere they stay Lax: a
// window (the SDK's window mode) still works, a cross-site frame does not.
//
// SameSite=None takes nothing from the CSRF protection: a post must carry
// the field derived from the cookie's secret, which another site can
// neither read nor compute, and only the tenant's origins may frame the
// pages at all.
func (c Cookies) attributes(r *http.Request, ck *http.Cookie) *http.Cookie {
	ck.Secure, ck.SameSite = c.secure(r), http.SameSiteLaxMode
	if inPopup(r) && (ck.Secure || loopbackHost(r.Host)) {
		ck.Secure, ck.SameSite, ck.Partitioned = true, http.SameSiteNoneMode, true
	}
	return ck
}

// ExistingDeviceID returns the device id the request's cookie holds, if it
// is well formed.
func (c Cookies) ExistingDeviceID(r *http.Request) (string, bool) {
	ck, err := r.Cookie(DeviceCookie)
	if err != nil {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil || len(b) != deviceIDBytes {
		return "", false
	}
	return ck.Value, true
}

// CSRFSecret returns the browser's CSRF secret, setting a new cookie when
// the request has none.
func (c Cookies) CSRFSecret(w http.ResponseWriter, r *http.Request) []byte {
	if s, ok := existingCSRFSecret(r); ok {
		return s
	}
	raw := make([]byte, csrfSecretBytes)
	rand.Read(raw)
	http.SetCookie(w, c.attributes(r, &http.Cookie{Name: CSRFCookie, Value: base64.RawURLEncoding.EncodeToString(raw),
		Path: "/", HttpOnly: true}))
	return raw
}

func existingCSRFSecret(r *http.Request) ([]byte, bool) {
	ck, err := r.Cookie(CSRFCookie)
	if err != nil {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil || len(b) != csrfSecretBytes {
		return nil, false
	}
	return b, true
}

// CSRFField derives the value a form bound to scope (one sign-in flow)
// carries: an HMAC of the scope under the browser's secret. Another site
// can neither read the cookie nor compute the field.
func CSRFField(secret []byte, scope string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("uplift-csrf\x00" + scope))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF compares, in constant time, a submitted field with the one
// the request's cookie gives for scope.
func CheckCSRF(r *http.Request, scope, submitted string) error {
	secret, ok := existingCSRFSecret(r)
	if !ok || submitted == "" {
		return errCSRF
	}
	want := CSRFField(secret, scope)
	if !hmac.Equal([]byte(want), []byte(submitted)) {
		return errCSRF
	}
	return nil
}

// SecureHeaders sets the headers every hosted page carries: a strict
// Content-Security-Policy (scripts and styles from this origin only, no
// inline code; images also as data: URLs, for passkey providers' icons),
// framing denied, no referrer, no caching. formTargets are the origins a
// form may end up at after redirects, besides this one.
func SecureHeaders(w http.ResponseWriter, formTargets []string) {
	pageHeaders(w, formTargets, nil)
}

// pageHeaders sets SecureHeaders' headers, except that a page in popup
// mode may be framed by frameAncestors (the tenant's origins, see
// popupOrigins): the policy's frame-ancestors lists them, and neither
// X-Frame-Options (which cannot name them) nor Cross-Origin-Opener-Policy
// (which would cut the SDK's window off from the app that opened it) is
// sent. With no usable origin, framing stays denied.
func pageHeaders(w http.ResponseWriter, formTargets, frameAncestors []string) {
	h := w.Header()
	formAction := "'self'"
	for _, o := range formTargets {
		if validCSPSource(o) {
			formAction += " " + o
		}
	}
	framers := ""
	for _, o := range frameAncestors {
		if validCSPSource(o) {
			framers += " " + o
		}
	}
	if framers == "" {
		framers = " 'none'"
	}
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; form-action "+formAction+"; frame-ancestors"+framers+"; base-uri 'none'")
	if framers == " 'none'" {
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
	} else {
		h.Del("X-Frame-Options")
		h.Del("Cross-Origin-Opener-Policy")
	}
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}

// validCSPSource accepts an http(s) origin with nothing a policy could
// misread (no spaces, semicolons, commas or quotes).
func validCSPSource(o string) bool {
	if strings.ContainsAny(o, " ;,'\"\t\r\n") {
		return false
	}
	u, err := url.Parse(o)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Path == ""
}

// redirectOrigins returns the origins of the tenant's allowed redirect
// URLs, for form-action.
func redirectOrigins(t model.Tenant) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range t.RedirectPrefixes {
		u, err := url.Parse(p)
		if err != nil || u.Host == "" {
			continue
		}
		o := strings.ToLower(u.Scheme + "://" + u.Host)
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	return out
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
