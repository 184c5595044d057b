package server_test

import (
	"bytes"
	"encoding/base64"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/pgtest"
)

// logBuffer collects a logger's lines; handlers may log from several
// goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// takeErrorLines returns the lines logged at ERROR and empties the buffer.
func (b *logBuffer) takeErrorLines() []string {
	lines := b.errorLines()
	b.mu.Lock()
	b.buf.Reset()
	b.mu.Unlock()
	return lines
}

// errorLines returns the lines logged at ERROR.
func (b *logBuffer) errorLines() []string {
	var out []string
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.Contains(l, "level=ERROR") {
			out = append(out, l)
		}
	}
	return out
}

// database is one database the surface tests run on.
type database struct {
	name string
	// url returns the database's URL for the test: "" for a new SQLite
	// file; PostgreSQL skips without UPLIFT_TEST_POSTGRES.
	url func(t *testing.T) string
}

var databases = []database{
	{"sqlite", func(*testing.T) string { return "" }},
	{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
}

// newLoggedEnv starts the server on the database at url with a debug log
// captured in the returned buffer.
func newLoggedEnv(t *testing.T, url string) (*apitest.Env, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return apitest.NewWith(t, apitest.Options{Log: log, DatabaseURL: url}), logs
}

// Text no database stores as it is (NUL, other control characters,
// invalid UTF-8) is refused with a 400 naming the field, on every
// surface, before it reaches SQLite or PostgreSQL.
func TestTextNoDatabaseStoresIsRefused(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			e, logs := newLoggedEnv(t, db.url(t))
			tenant, key := e.Tenant("T")
			tok := e.Do(key, "POST", "/v1/users/alice/actions/signIn", map[string]any{}).MustOK(t).Str("token")
			e.Do(key, "POST", "/v1/management/value-lists", map[string]any{
				"alias": "blocked", "name": "Blocked", "itemType": "string", "valueListItems": []string{"x"},
			}).MustOK(t)
			tenantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(tenant.ID))
			bearer := "Bearer " + tok
			secret := "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":"))
			track := "/v1/users/alice/actions/signIn"
			tests := []struct {
				name, auth, method, path, body string
				header                         []string
				field                          string
			}{
				{"track username NUL", secret, "POST", track, `{"username":"a\u0000"}`, nil, "username"},
				{"track deviceId NUL", secret, "POST", track, `{"deviceId":"a\u0000"}`, nil, "deviceId"},
				{"track userAgent NUL", secret, "POST", track, `{"userAgent":"a\u0000"}`, nil, "userAgent"},
				{"track ipAddress NUL", secret, "POST", track, `{"ipAddress":"a\u0000"}`, nil, "ipAddress"},
				{"track username not UTF-8", secret, "POST", track, "{\"username\":\"a\xff\xfe\"}", nil, "username"},
				{"track username overlong UTF-8", secret, "POST", track, "{\"username\":\"a\xc0\xaf\"}", nil, "username"},
				{"track custom value NUL", secret, "POST", track, `{"custom":{"k":"a\u0000"}}`, nil, "custom.k"},
				{"track username escape", secret, "POST", track, `{"username":"a\u001bb"}`, nil, "username"},
				{"track username too long", secret, "POST", track, `{"username":"` + strings.Repeat("u", 300) + `"}`, nil, "username"},
				{"update username NUL", secret, "PATCH", "/v1/users/alice", `{"username":"a\u0000"}`, nil, "username"},
				{"challenge deviceId NUL", secret, "POST", "/v1/challenge",
					`{"verificationMethod":"EMAIL_OTP","action":"signIn","email":"a@example.com","deviceId":"a\u0000"}`, nil, "deviceId"},
				{"verify challengeId NUL", secret, "POST", "/v1/verify", `{"challengeId":"a\u0000","verificationCode":"123456"}`, nil, "challengeId"},
				{"users query email NUL", secret, "GET", "/v1/users?email=a%00", "", nil, "email"},
				{"uplift query deviceId NUL", secret, "GET", "/v1/users/alice/uplift?deviceId=a%00", "", nil, "deviceId"},
				{"value list alias NUL", secret, "GET", "/v1/management/value-lists/%00", "", nil, "alias"},
				{"value list alias not UTF-8", secret, "GET", "/v1/management/value-lists/%ff%fe", "", nil, "alias"},
				{"value list alias overlong UTF-8", secret, "GET", "/v1/management/value-lists/%c0%af", "", nil, "alias"},
				{"value list update alias NUL", secret, "PATCH", "/v1/management/value-lists/%00", `{"name":"x"}`, nil, "alias"},
				{"value list delete alias NUL", secret, "DELETE", "/v1/management/value-lists/%00", "", nil, "alias"},
				{"value list item NUL", secret, "PATCH", "/v1/management/value-lists/blocked", `{"valueListItems":["a\u0000"]}`, nil, "valueListItems"},
				{"authentication options challengeId NUL", tenantAuth, "POST",
					"/v1/client/user-authenticators/passkey/authentication-options", `{"challengeId":"a\u0000"}`, nil, "challengeId"},
				{"verify passkey challengeId NUL", tenantAuth, "POST", "/v1/client/verify/passkey",
					`{"challengeId":"a\u0000","authenticationCredential":{}}`, nil, "challengeId"},
				{"add passkey challengeId NUL", bearer, "POST", "/v1/client/user-authenticators/passkey",
					`{"challengeId":"a\u0000","registrationCredential":{}}`, nil, "challengeId"},
				{"registration options username NUL", bearer, "POST",
					"/v1/client/user-authenticators/passkey/registration-options", `{"username":"a\u0000"}`, nil, "username"},
				{"user agent not UTF-8", "", "GET", "/login?token=" + tok, "", []string{"User-Agent", "a\xff"}, "User-Agent"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
					if tt.body != "" {
						req.Header.Set("Content-Type", "application/json")
					}
					if tt.auth != "" {
						req.Header.Set("Authorization", tt.auth)
					}
					for i := 0; i+1 < len(tt.header); i += 2 {
						req.Header.Set(tt.header[i], tt.header[i+1])
					}
					rec := httptest.NewRecorder()
					e.Handler.ServeHTTP(rec, req)
					if rec.Code != 400 {
						t.Fatalf("status %d, want 400: %s", rec.Code, rec.Body)
					}
					if !strings.Contains(rec.Body.String(), tt.field) {
						t.Errorf("the answer does not name %s: %s", tt.field, rec.Body)
					}
				})
			}
			if lines := logs.errorLines(); len(lines) > 0 {
				t.Errorf("logged at ERROR:\n%s", strings.Join(lines, "\n"))
			}
		})
	}
}
