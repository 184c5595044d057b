package server_test

import (
	"encoding/json"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/totp"
)

// destructive reports whether a route removes what other routes use, so
// that it runs last.
func destructive(r route) bool {
	return r.method == "DELETE" || strings.HasSuffix(r.path, "/delete") || strings.HasSuffix(r.path, "/revoke") ||
		strings.HasSuffix(r.path, "/signout")
}

// TestDebugLogHoldsNoSecret runs the server at debug level over every
// route of routes.go, plus the steps that handle secrets (a console
// invitation refused, codes sent and verified over the Server API, the
// Client API and the hosted pages, an authenticator app enrolled and
// verified, a wrong secret key), and finds none of those secrets in the
// log: no invitation token, secret key, code, client token, TOTP secret
// or console session.
func TestDebugLogHoldsNoSecret(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			s := newSurface(t, db.url(t), slog.LevelDebug)
			routes := readRoutes(t)
			slices.SortStableFunc(routes, func(a, b route) int {
				switch {
				case destructive(a) == destructive(b):
					return 0
				case destructive(a):
					return 1
				}
				return -1
			})
			samples := s.samples()
			for _, r := range routes {
				for _, m := range r.methods() {
					s.send(s.build(r, m, samples[r.pattern], s.values, samples[r.pattern].query, nil))
				}
			}
			secrets := map[string]string{"secret key": s.secret, "client token": s.token,
				"invitation token": s.invite, "console session": s.session}

			// A console invitation refused, at each of its steps.
			for _, path := range []string{"/console/invite/" + s.invite + "/options", "/console/invite/" + s.invite + "/register"} {
				if a := s.send(s.request("POST", path, []byte(`{"ceremonyId":"nope"}`), "application/json")); a.status != 400 {
					t.Errorf("POST %s = %d, want 400", path, a.status)
				}
			}
			s.send(s.request("DELETE", "/console/invite/"+s.invite, nil, ""))
			s.send(s.request("GET", "/console/invite/"+s.invite+"/nothing?token="+s.token, nil, ""))

			// A wrong secret key.
			wrong := "sk_test_" + strings.Repeat("w", 40)
			secrets["wrong secret key"] = wrong
			req := s.request("GET", "/v1/users/alice", nil, "")
			req.SetBasicAuth(wrong, "")
			s.send(req)

			// A code sent and verified over the Server API.
			ch := s.api("POST", "/v1/challenge", map[string]any{"verificationMethod": "EMAIL_OTP", "action": "signIn",
				"email": "dora@example.com"})
			code, err := s.mail.LastCode("dora@example.com")
			if err != nil {
				t.Fatalf("no code sent: %v (%d %s)", err, ch.Status, ch.Body)
			}
			secrets["Server API code"] = code
			if v := s.api("POST", "/v1/verify", map[string]any{"challengeId": ch.Str("challengeId"), "verificationCode": code}); v.JSON["isVerified"] != true {
				t.Errorf("verify the Server API code: %d %s", v.Status, v.Body)
			}

			// An authenticator app enrolled and verified, and an email code
			// sent and verified, over the Client API with a client token.
			tess := s.mustOK(s.api("POST", "/v1/users/tess/actions/signIn", map[string]any{})).Str("token")
			secrets["second client token"] = tess
			clientPost := func(path string, body any) map[string]any {
				b, _ := json.Marshal(body)
				req := s.request("POST", path, b, "application/json")
				req.Header.Set("Authorization", "Bearer "+tess)
				a := s.send(req)
				var out map[string]any
				if err := json.Unmarshal([]byte(a.body), &out); err != nil || a.status != 200 {
					t.Fatalf("POST %s: %d %s", path, a.status, a.body)
				}
				return out
			}
			app := clientPost("/v1/client/user-authenticators/totp", map[string]any{})
			appSecret, _ := app["secret"].(string)
			if appSecret == "" {
				t.Fatalf("no TOTP secret: %v", app)
			}
			secrets["TOTP secret"] = appSecret
			appCode, err := totp.CodeAt(appSecret, s.env.Clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			secrets["TOTP code"] = appCode
			if v := clientPost("/v1/client/verify/totp", map[string]any{"verificationCode": appCode}); v["isVerified"] != true {
				t.Errorf("verify the TOTP code: %v", v)
			}
			if tok, _ := clientPost("/v1/client/verify/totp", map[string]any{"verificationCode": appCode})["accessToken"].(string); tok != "" {
				secrets["access token"] = tok
			}

			// A code sent and verified on the hosted pages, for a sign-in of
			// its own (the routes above may have closed alice's).
			s.mustOK(s.api("POST", "/v1/users/hank/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP",
				"email": "hank@example.com"}))
			hank := s.mustOK(s.api("POST", "/v1/users/hank/actions/signIn", map[string]any{"redirectUrl": origin + "/done"}))
			secrets["hosted client token"] = hank.Str("token")
			s.token, s.key = hank.Str("token"), hank.Str("idempotencyKey")
			s.openHostedFlow()
			flow := url.Values{"token": {s.token}, "csrf": {s.hostedCSRF}, "method": {"EMAIL_OTP"}}
			sent := s.send(s.request("POST", "/login/email", []byte(flow.Encode()), "application/x-www-form-urlencoded"))
			hostedCode, err := s.mail.LastCode("hank@example.com")
			if err != nil {
				t.Fatalf("no code sent by the hosted pages: %v (%d)", err, sent.status)
			}
			secrets["hosted code"] = hostedCode
			flow.Set("code", hostedCode)
			if a := s.send(s.request("POST", "/login/verify", []byte(flow.Encode()), "application/x-www-form-urlencoded")); a.status != 303 {
				t.Errorf("POST /login/verify with the right code = %d, want 303", a.status)
			}

			logged := s.logs.String()
			if !strings.Contains(logged, "level=DEBUG") || !strings.Contains(logged, "request refused") {
				t.Fatal("the log holds no debug lines: the test proves nothing")
			}
			for name, secret := range secrets {
				if secret == "" {
					t.Errorf("no %s to look for", name)
					continue
				}
				// Codes are digits: look for them as whole values, not inside
				// a duration or a time.
				found := regexp.MustCompile(`(^|[=" :/,\[?&])` + regexp.QuoteMeta(secret) + `($|[" ,&\]\n/])`).FindString(logged)
				if len(secret) > 12 {
					found = map[bool]string{true: secret}[strings.Contains(logged, secret)]
				}
				if found != "" {
					for _, line := range strings.Split(logged, "\n") {
						if strings.Contains(line, secret) {
							t.Errorf("the log holds the %s: %s", name, line)
							break
						}
					}
				}
			}
		})
	}
}
