package tenancy

import (
	"net"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/uplift-dev/uplift/internal/model"
)

// MaxRelatedOriginLabels is how many registrable domain labels browsers
// read from a relying party's /.well-known/webauthn (WebAuthn Level 3,
// Related Origin Requests): "example" for both example.com and
// example.co.uk. Origins past the fifth label are ignored.
const MaxRelatedOriginLabels = 5

// maxRelatedOrigins bounds the list itself, as expectedOrigins is bounded.
const maxRelatedOrigins = 20

// CheckRelatedOrigins validates and normalises a tenant's related
// origins: each an https origin (http only for localhost) with a domain
// name under a known public suffix, no path, query or fragment; no more
// than 20 of them and no more than MaxRelatedOriginLabels distinct
// registrable labels, so that browsers read the whole list. Duplicates
// are dropped.
func CheckRelatedOrigins(origins []string) ([]string, error) {
	if len(origins) > maxRelatedOrigins {
		return nil, model.Invalid("relatedOrigins must list at most %d origins", maxRelatedOrigins)
	}
	out := make([]string, 0, len(origins))
	var labels []string
	for _, raw := range origins {
		o, label, err := relatedOrigin(raw)
		if err != nil {
			return nil, err
		}
		if slices.Contains(out, o) {
			continue
		}
		out = append(out, o)
		if label != "" && !slices.Contains(labels, label) {
			labels = append(labels, label)
		}
	}
	if len(labels) > MaxRelatedOriginLabels {
		return nil, model.Invalid("relatedOrigins span %d registrable domain labels (%s); browsers read at most %d",
			len(labels), strings.Join(labels, ", "), MaxRelatedOriginLabels)
	}
	return out, nil
}

// relatedOrigin normalises one related origin and returns the label of
// its registrable domain ("" for localhost, which has none).
func relatedOrigin(raw string) (origin, label string, err error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" ||
		u.Fragment != "" || u.Opaque != "" || strings.HasSuffix(raw, "?") || strings.HasSuffix(raw, "#") {
		return "", "", model.Invalid("relatedOrigins: %q must be a scheme and host such as https://example.org", raw)
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname())
	origin = scheme + "://" + strings.ToLower(u.Host)
	localhost := host == "localhost" || strings.HasSuffix(host, ".localhost")
	switch {
	case scheme == "https":
	case scheme == "http" && localhost:
	default:
		return "", "", model.Invalid("relatedOrigins: %q must be https (http only for localhost)", raw)
	}
	if strings.HasSuffix(u.Host, ":") { // url.Parse checks the digits of a port, not its presence
		return "", "", model.Invalid("relatedOrigins: %q has an empty port", raw)
	}
	if localhost {
		return origin, "", nil
	}
	if net.ParseIP(host) != nil {
		return "", "", model.Invalid("relatedOrigins: %q must name a domain, not an IP address: browsers ignore addresses there", raw)
	}
	if len(host) > 253 || !validHostName(host) {
		return "", "", model.Invalid("relatedOrigins: %q must name a domain such as example.org (IDNs in their xn-- form)", raw)
	}
	suffix, icann := publicsuffix.PublicSuffix(host)
	domain, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil || (!icann && !strings.Contains(suffix, ".")) {
		return "", "", model.Invalid("relatedOrigins: %q is not under a registrable domain with a known public suffix", raw)
	}
	label, _, _ = strings.Cut(domain, ".")
	return origin, label, nil
}

// validHostName reports whether h is a DNS name of letters, digits and
// hyphens in dot-separated labels of 1 to 63 characters.
func validHostName(h string) bool {
	for label := range strings.SplitSeq(h, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// ValidHostName reports whether h (lower case, without a port) could be
// a relying party id: a DNS name of at most 253 characters.
func ValidHostName(h string) bool {
	return h != "" && len(h) <= 253 && validHostName(h)
}
