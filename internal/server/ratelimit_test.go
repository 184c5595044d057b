package server_test

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/ceremony"
	"github.com/uplift-dev/uplift/internal/config"
	"github.com/uplift-dev/uplift/internal/ratelimit"
	"github.com/uplift-dev/uplift/internal/server"
)

// limitedEnv is a server with request-rate limits on a SQLite file the
// test can count rows in. Its clock stands still unless moved.
type limitedEnv struct {
	*apitest.Env
	db   *sql.DB
	logs *bytes.Buffer // the server's log, from info up
	srv  *server.Server
}

func newLimited(t *testing.T, limits ratelimit.Limits) *limitedEnv {
	t.Helper()
	path := filepath.Join(t.TempDir(), "u.db")
	e := apitest.NewWith(t, apitest.Options{DatabaseURL: "sqlite://" + path})
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv := server.New(e.App, log, server.WithRateLimits(limits))
	e.Handler = srv.Handler()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &limitedEnv{Env: e, db: db, logs: &logs, srv: srv}
}

// rows counts the rows of a table.
func (e *limitedEnv) rows(table string) int {
	e.T.Helper()
	var n int
	if err := e.db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		e.T.Fatal(err)
	}
	return n
}

// request is one request of a flood.
type request struct {
	method, path, remote, auth, body string
	header                           http.Header
}

func (e *limitedEnv) send(q request) *httptest.ResponseRecorder {
	var body io.Reader
	if q.body != "" {
		body = strings.NewReader(q.body)
	}
	r := httptest.NewRequest(q.method, q.path, body)
	r.RemoteAddr = q.remote
	if q.body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if q.auth != "" {
		r.Header.Set("Authorization", q.auth)
	}
	for k, vs := range q.header {
		r.Header[k] = vs
	}
	w := httptest.NewRecorder()
	e.Handler.ServeHTTP(w, r)
	return w
}

// flood sends n requests and counts the answers by status; it returns the
// first refusal.
func (e *limitedEnv) flood(n int, q func(i int) request) (map[int]int, *httptest.ResponseRecorder) {
	statuses := map[int]int{}
	var refused *httptest.ResponseRecorder
	for i := range n {
		w := e.send(q(i))
		statuses[w.Code]++
		if w.Code == http.StatusTooManyRequests && refused == nil {
			refused = w
		}
	}
	return statuses, refused
}

// checkJSONRefusal checks a 429 of a JSON route: Retry-After in whole
// seconds and the APIs' error body.
func checkJSONRefusal(t *testing.T, w *httptest.ResponseRecorder, retry string) {
	t.Helper()
	if w == nil {
		t.Fatal("no request was refused")
	}
	if got := w.Header().Get("Retry-After"); got != retry {
		t.Errorf("Retry-After = %q, want %q", got, retry)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if body := w.Body.String(); !strings.Contains(body, `"error":"too_many_requests"`) || !strings.Contains(body, "try again in "+retry+" seconds") {
		t.Errorf("body %s, want the too_many_requests error saying when to try again", body)
	}
}

func TestConsoleSignInFloodIsRefusedAndLeavesFewRows(t *testing.T) {
	e := newLimited(t, ratelimit.Defaults())
	signIn := func(int) request {
		return request{method: "POST", path: "/console/signin/options", remote: "203.0.113.7:40000", body: "{}"}
	}
	statuses, refused := e.flood(500, signIn)
	if statuses[http.StatusOK] != 30 || statuses[http.StatusTooManyRequests] != 470 {
		t.Errorf("500 sign-ins from one address: %v, want 30 answered (the burst of 30/min) and 470 refused", statuses)
	}
	checkJSONRefusal(t, refused, "2") // 30/min: one more every 2 s
	if n := e.rows("admin_ceremonies"); n != 30 {
		t.Errorf("the flood left %d console ceremonies, want 30", n)
	}
	if w := e.send(request{method: "POST", path: "/console/signin/options", remote: "198.51.100.1:1", body: "{}"}); w.Code != http.StatusOK {
		t.Errorf("another address during the flood: %d, want 200", w.Code)
	}

	// Shortly after they expire, the janitor's purge deletes them all.
	e.Clock.Advance(ceremony.Timeout)
	if p, err := e.srv.PurgeExpired(t.Context()); err != nil || p.Console.Ceremonies != 0 {
		t.Errorf("purge at expiry = %+v, %v; want nothing yet (grace)", p, err)
	}
	e.Clock.Advance(server.PurgeGrace + time.Second)
	if p, err := e.srv.PurgeExpired(t.Context()); err != nil || p.Console.Ceremonies != 31 {
		t.Errorf("purge past the grace = %+v, %v; want 31 console ceremonies", p, err)
	}
	if n := e.rows("admin_ceremonies"); n != 0 {
		t.Errorf("%d console ceremonies left after the purge, want 0", n)
	}
	if w := e.send(signIn(0)); w.Code != http.StatusOK {
		t.Errorf("the flooding address minutes later: %d, want 200", w.Code)
	}
}

func TestUsernamelessSignInFloodIsRefusedAndLeavesFewRows(t *testing.T) {
	e := newLimited(t, ratelimit.Defaults())
	tenant, _ := e.Tenant("acme")
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(tenant.ID))
	origin := http.Header{"Origin": {tenant.Origins[0]}}
	options := func(int) request {
		return request{method: "POST", path: "/v1/client/user-authenticators/passkey/authentication-options",
			remote: "203.0.113.7:40000", auth: basic, body: "{}", header: origin}
	}
	statuses, refused := e.flood(500, options)
	if statuses[http.StatusOK] != 50 || statuses[http.StatusTooManyRequests] != 450 {
		t.Errorf("500 username-less options from one address: %v, want 50 answered (the burst of 50/s) and 450 refused", statuses)
	}
	checkJSONRefusal(t, refused, "1")
	if got := refused.Header().Get("Access-Control-Allow-Origin"); got != tenant.Origins[0] {
		t.Errorf("the refusal allows origin %q, want the tenant's %q so the browser SDK can read it", got, tenant.Origins[0])
	}
	if n := e.rows("passkey_challenges"); n != 50 {
		t.Errorf("the flood left %d passkey challenges, want 50", n)
	}
	e.Clock.Advance(ceremony.Timeout + server.PurgeGrace + time.Second)
	if p, err := e.srv.PurgeExpired(t.Context()); err != nil || p.PasskeyChallenges != 50 {
		t.Errorf("purge = %+v, %v; want 50 passkey challenges", p, err)
	}
	if n := e.rows("passkey_challenges"); n != 0 {
		t.Errorf("%d passkey challenges left after the purge, want 0", n)
	}
}

// A flood spread over many addresses is still held per tenant, and other
// tenants do not notice it.
func TestClientAPILimitedPerTenant(t *testing.T) {
	e := newLimited(t, ratelimit.Limits{IP: ratelimit.Limit{Rate: 1, Burst: 5}, Tenant: ratelimit.Limit{Rate: 10, Burst: 100}})
	acme, _ := e.Tenant("acme")
	other, _ := e.Tenant("other")
	options := func(tenantID string, i int) request {
		return request{method: "POST", path: "/v1/client/user-authenticators/passkey/authentication-options",
			remote: fmt.Sprintf("10.%d.%d.1:5000", i/250, i%250), body: "{}",
			auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(tenantID))}
	}
	statuses, refused := e.flood(150, func(i int) request { return options(acme.ID, i) })
	if statuses[http.StatusOK] != 100 || statuses[http.StatusTooManyRequests] != 50 {
		t.Errorf("150 addresses at one tenant: %v, want 100 answered and 50 refused", statuses)
	}
	checkJSONRefusal(t, refused, "1")
	if !strings.Contains(refused.Body.String(), "for this tenant") {
		t.Errorf("refusal %s does not say the tenant's limit was reached", refused.Body)
	}
	if w := e.send(options(other.ID, 1000)); w.Code != http.StatusOK {
		t.Errorf("another tenant during the flood: %d, want 200", w.Code)
	}
}

func TestTrackLimitedPerUser(t *testing.T) {
	e := newLimited(t, ratelimit.Defaults())
	_, secret := e.Tenant("acme")
	_, otherSecret := e.Tenant("other")
	track := func(secret, user string) request {
		return request{method: "POST", path: "/v1/users/" + user + "/actions/signIn", remote: "192.0.2.10:1234", body: "{}",
			auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(secret+":"))}
	}
	statuses, refused := e.flood(70, func(int) request { return track(secret, "ada") })
	if statuses[http.StatusOK] != 60 || statuses[http.StatusTooManyRequests] != 10 {
		t.Errorf("70 tracks of one user at once: %v, want 60 answered (the burst of 60/min) and 10 refused", statuses)
	}
	checkJSONRefusal(t, refused, "1")
	for _, q := range []request{track(secret, "bob"), track(otherSecret, "ada")} {
		if w := e.send(q); w.Code != http.StatusOK {
			t.Errorf("%s by another key: %d, want 200: users are limited one by one", q.path, w.Code)
		}
	}
	e.Clock.Advance(time.Second)
	if w := e.send(track(secret, "ada")); w.Code != http.StatusOK {
		t.Errorf("a second later: %d, want 200", w.Code)
	}
	if w := e.send(track(secret, "ada")); w.Code != http.StatusTooManyRequests {
		t.Errorf("twice a second later: %d, want 429", w.Code)
	}
}

// X-Forwarded-For decides the client address only when a trusted proxy
// sends it, and then only its right-most untrusted entry: a client cannot
// escape its limit by writing the header itself.
func TestForwardedForIsBelievedOnlyFromTrustedProxies(t *testing.T) {
	proxies, err := ratelimit.ParseProxies("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	e := newLimited(t, ratelimit.Limits{IP: ratelimit.Limit{Rate: 1, Burst: 2}, TrustedProxies: proxies})
	login := func(remote string, forwarded ...string) request {
		return request{method: "GET", path: "/login?token=x", remote: remote, header: http.Header{"X-Forwarded-For": forwarded}}
	}
	for _, tc := range []struct {
		name    string
		q       func(i int) request
		refused int
	}{
		{"untrusted peer, a new address in the header each time", func(i int) request {
			return login("203.0.113.7:5000", fmt.Sprintf("198.51.100.%d", i))
		}, 8},
		{"trusted proxy, a new client each time", func(i int) request {
			return login("10.0.0.2:5000", fmt.Sprintf("192.0.2.%d", i))
		}, 0},
		{"trusted proxy, one client writing a new address before its own", func(i int) request {
			return login("10.0.0.2:5000", fmt.Sprintf("198.51.100.%d, 192.0.2.200", i))
		}, 8},
		{"two trusted proxies, one client", func(i int) request {
			return login("10.0.0.3:5000", "192.0.2.201", fmt.Sprintf("10.1.1.%d", i))
		}, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			statuses, _ := e.flood(10, tc.q)
			if got := statuses[http.StatusTooManyRequests]; got != tc.refused {
				t.Errorf("10 requests: %v, want %d refused", statuses, tc.refused)
			}
		})
	}
}

// Browser pages are refused with a page a person can read.
func TestPagesAreRefusedWithAPage(t *testing.T) {
	e := newLimited(t, ratelimit.Defaults())
	for _, path := range []string{"/login?token=x", "/console/invite/inviteTOKENabcdefghijklmnopqrstuvwxyz"} {
		_, refused := e.flood(100, func(int) request { return request{method: "GET", path: path, remote: "203.0.113.9:1"} })
		if refused == nil {
			t.Fatalf("GET %s: nothing refused", path)
		}
		secs, err := strconv.Atoi(refused.Header().Get("Retry-After"))
		if err != nil || secs < 1 {
			t.Errorf("GET %s: Retry-After %q, want whole seconds", path, refused.Header().Get("Retry-After"))
		}
		body := refused.Body.String()
		if ct := refused.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") ||
			!strings.Contains(body, "Please wait a moment") || !strings.Contains(body, fmt.Sprintf("Wait %d seconds", secs)) {
			t.Errorf("GET %s: %s %s, want a page saying how long to wait", path, ct, body)
		}
		if csp := refused.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("GET %s: the refusal page has policy %q, want the hosted pages' strict one", path, csp)
		}
	}
}

// UPLIFT_RATE_LIMITS=off turns every request-rate limit off, as a load
// test from one address needs.
func TestRateLimitsOff(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	load := config.Flags(fs, func(k string) string {
		return map[string]string{"UPLIFT_RATE_LIMITS": "off", "UPLIFT_RATE_LIMIT_CONSOLE_IP": "1/h"}[k]
	})
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	cfg, err := load()
	if err != nil {
		t.Fatal(err)
	}
	e := newLimited(t, cfg.RateLimits)
	_, secret := e.Tenant("acme")
	for _, q := range []request{
		{method: "POST", path: "/console/signin/options", remote: "203.0.113.7:1", body: "{}"},
		{method: "POST", path: "/v1/users/ada/actions/signIn", remote: "203.0.113.7:1", body: "{}",
			auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(secret+":"))},
	} {
		statuses, _ := e.flood(200, func(int) request { return q })
		if statuses[http.StatusOK] != 200 {
			t.Errorf("200 × %s %s with limits off: %v, want all answered", q.method, q.path, statuses)
		}
	}
}

// Refusals are logged once a minute per limit, with how many there were,
// naming the variable that sets the limit: an operator sees a flood, or a
// limit set too low, without a line per request.
func TestRefusalsAreLoggedOnceAMinute(t *testing.T) {
	e := newLimited(t, ratelimit.Defaults())
	signIn := func(int) request {
		return request{method: "POST", path: "/console/signin/options", remote: "203.0.113.7:40000", body: "{}"}
	}
	lines := func() []string {
		var out []string
		for l := range strings.Lines(e.logs.String()) {
			if strings.Contains(l, "refused by a rate limit") {
				out = append(out, strings.TrimSpace(l))
			}
		}
		return out
	}
	e.flood(100, signIn) // 70 refused
	got := lines()
	if len(got) != 1 || !strings.Contains(got[0], "level=WARN") || !strings.Contains(got[0], "limit=UPLIFT_RATE_LIMIT_CONSOLE_IP") ||
		!strings.Contains(got[0], "refused=1 ") || !strings.Contains(got[0], `route="POST /console/signin/options"`) {
		t.Fatalf("log after 70 refusals:\n%s\nwant one warning naming the limit, the route and the first refusal", strings.Join(got, "\n"))
	}
	e.Clock.Advance(time.Minute)
	e.flood(100, signIn) // 30 more answered, then 70 refused
	if got := lines(); len(got) != 2 || !strings.Contains(got[1], "refused=70 ") {
		t.Errorf("log a minute later:\n%s\nwant a second line counting the 69 refusals since the first and this one", strings.Join(got, "\n"))
	}
}
