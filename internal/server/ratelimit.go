package server

import (
	"fmt"
	"hash/maphash"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/uplift-dev/uplift/internal/clientapi"
	"github.com/uplift-dev/uplift/internal/hosted"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/ratelimit"
	"github.com/uplift-dev/uplift/internal/serverapi"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// WithRateLimits limits request rates as l says, in this instance's
// memory. Without it a server limits nothing (tests, embedding); `uplift
// serve` always passes the configured limits.
func WithRateLimits(l ratelimit.Limits) Option { return func(s *Server) { s.rateLimits = l } }

// limiters are a server's request-rate limiters; a nil one is off.
type limiters struct {
	ip, consoleIP *ratelimit.Limiter[netip.Addr]
	tenant        *ratelimit.Limiter[string] // authenticated tenant ids only, so as many keys as tenants
	trackUser     *ratelimit.Limiter[uint64] // hash of tenant id and user id
	userSeed      maphash.Seed
	proxies       ratelimit.Proxies
	now           func() time.Time

	// What each limit refused, for the log.
	ipRefused, consoleIPRefused, tenantRefused, trackUserRefused *refusals
}

func newLimiters(l ratelimit.Limits, now func() time.Time) limiters {
	return limiters{
		ip:               ratelimit.New[netip.Addr](l.IP, 0, now),
		consoleIP:        ratelimit.New[netip.Addr](l.ConsoleIP, 0, now),
		tenant:           ratelimit.New[string](l.Tenant, 0, now),
		trackUser:        ratelimit.New[uint64](l.TrackPerUser, 0, now),
		userSeed:         maphash.MakeSeed(),
		proxies:          l.TrustedProxies,
		now:              now,
		ipRefused:        &refusals{limit: "UPLIFT_RATE_LIMIT_IP"},
		consoleIPRefused: &refusals{limit: "UPLIFT_RATE_LIMIT_CONSOLE_IP"},
		tenantRefused:    &refusals{limit: "UPLIFT_RATE_LIMIT_TENANT"},
		trackUserRefused: &refusals{limit: "UPLIFT_RATE_LIMIT_TRACK_PER_USER"},
	}
}

// refusals counts the requests a limit refused since it was last logged.
type refusals struct {
	limit  string // the variable that sets it
	count  atomic.Int64
	logged atomic.Int64 // when the last line was written, Unix nanoseconds
}

// refusalLogInterval is how often, at most, a limit's refusals are logged.
const refusalLogInterval = time.Minute

// note counts a refusal of r and, at most once a refusalLogInterval per
// limit, tells the log how many there were: enough for an operator to
// see a flood, or a limit set too low, without a line per request.
func (s *Server) note(rf *refusals, r *http.Request) {
	rf.count.Add(1)
	if s.metrics != nil {
		s.metrics.RateLimited(rf.limit)
	}
	now, last := s.limits.now().UnixNano(), rf.logged.Load()
	if last != 0 && now-last < int64(refusalLogInterval) || !rf.logged.CompareAndSwap(last, now) {
		return
	}
	s.log.WarnContext(r.Context(), "requests refused by a rate limit", "limit", rf.limit,
		"refused", rf.count.Swap(0), "route", r.Pattern)
}

// userKey is the key of a tenant's user: a 64-bit hash, so that user ids
// of any length cost the same memory.
type userKey struct{ tenantID, userID string }

// allowAddress spends one request of r's client address from l.
func (ls *limiters) allowAddress(l *ratelimit.Limiter[netip.Addr], r *http.Request) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	ip, _ := ls.proxies.ClientIP(r.RemoteAddr, r.Header.Values("X-Forwarded-For"))
	return l.Allow(ratelimit.AddressKey(ip)) // no address at all: one shared bucket
}

// refusal is how a 429 is written: as the JSON APIs' error, or as a page.
type refusal int

const (
	asJSON refusal = iota
	asPage
)

// perAddress limits next per client address with l, refusing as says
// and counting refusals in rf. It runs before the route's own checks, so
// that a refused request costs no database work.
func (s *Server) perAddress(l *ratelimit.Limiter[netip.Addr], rf *refusals, as refusal, next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := s.limits.allowAddress(l, r); !ok {
			s.note(rf, r)
			refuse(w, as, wait)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// clientLimited limits a Client API endpoint per client address and per
// tenant. It runs once the caller is known, so that the refusal carries
// the tenant's CORS headers and the browser SDK can read it.
func (s *Server) clientLimited(fn clientapi.HandlerFunc) clientapi.HandlerFunc {
	if s.limits.ip == nil && s.limits.tenant == nil {
		return fn
	}
	return func(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
		if ok, wait := s.limits.allowAddress(s.limits.ip, r); !ok {
			s.note(s.limits.ipRefused, r)
			return tooManyRequests(w, wait, "from this address")
		}
		if ok, wait := s.limits.tenant.Allow(c.Tenant.ID); !ok {
			s.note(s.limits.tenantRefused, r)
			return tooManyRequests(w, wait, "for this tenant")
		}
		return fn(w, r, c)
	}
}

// trackLimited limits track per user of the tenant.
func (s *Server) trackLimited(fn serverapi.HandlerFunc) serverapi.HandlerFunc {
	if s.limits.trackUser == nil {
		return fn
	}
	return func(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
		key := maphash.Comparable(s.limits.userSeed, userKey{t.ID, r.PathValue("userId")})
		if ok, wait := s.limits.trackUser.Allow(key); !ok {
			s.note(s.limits.trackUserRefused, r)
			return tooManyRequests(w, wait, "for this user")
		}
		return fn(w, r, t)
	}
}

// retrySeconds is wait in whole seconds, at least one.
func retrySeconds(wait time.Duration) int {
	return max(int(math.Ceil(wait.Seconds())), 1)
}

// tooManyRequests sets Retry-After and returns the error the JSON
// surfaces answer 429 with.
func tooManyRequests(w http.ResponseWriter, wait time.Duration, scope string) error {
	secs := retrySeconds(wait)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return model.Errorf(model.ErrRateLimited, "too_many_requests",
		"too many requests %s; try again in %d seconds", scope, secs)
}

// refuse answers 429 with Retry-After. Nothing is logged but the request
// line: a flood must not flood the log too.
func refuse(w http.ResponseWriter, as refusal, wait time.Duration) {
	secs := retrySeconds(wait)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	if as == asJSON {
		_, body := jsonapi.Status(model.Errorf(model.ErrRateLimited, "too_many_requests",
			"too many requests from this address; try again in %d seconds", secs))
		jsonapi.Write(w, http.StatusTooManyRequests, body)
		return
	}
	hosted.SecureHeaders(w, nil)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusTooManyRequests)
	fmt.Fprintf(w, tooManyPage, secs)
}

// tooManyPage is the page a refused browser sees, given the seconds to
// wait.
const tooManyPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Please wait a moment</title></head>
<body>
<main>
<h1>Please wait a moment</h1>
<p>Too many requests came from your network in a short time.
Wait %d seconds, then reload this page or go back and try again.</p>
</main>
</body>
</html>
`
