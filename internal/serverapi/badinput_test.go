package serverapi_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/pgtest"
)

func TestBadInput(t *testing.T) {
	e := apitest.New(t)
	tenant, key := e.Tenant("T")
	e.Do(key, "POST", "/v1/users/alice/actions/signIn", map[string]any{"idempotencyKey": "k1"}).MustOK(t)

	big := []byte(`{"custom":{"x":"` + strings.Repeat("a", 70<<10) + `"}}`)
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		want   int
	}{
		{"malformed JSON", "POST", "/v1/users/new1/actions/signIn", []byte(`{"email":`), 400},
		{"not an object", "POST", "/v1/users/new1/actions/signIn", []byte(`[1,2]`), 400},
		{"trailing data", "POST", "/v1/users/new1/actions/signIn", []byte(`{} {}`), 400},
		{"unknown field", "POST", "/v1/users/new1/actions/signIn", []byte(`{"emial":"a@b.c"}`), 400},
		{"wrong type", "POST", "/v1/users/new1/actions/signIn", []byte(`{"email":42}`), 400},
		{"nested custom", "POST", "/v1/users/new1/actions/signIn", []byte(`{"custom":{"a":{"b":1}}}`), 400},
		{"bad email", "POST", "/v1/users/new1/actions/signIn", []byte(`{"email":"not an email"}`), 400},
		{"phone with NUL", "POST", "/v1/users/new1/actions/signIn", []byte(`{"phoneNumber":"555\u00001234"}`), 400},
		{"phone with line break", "PATCH", "/v1/users/alice", []byte(`{"phoneNumber":"555\n1234"}`), 400},
		{"phone too long", "PATCH", "/v1/users/alice", []byte(`{"phoneNumber":"` + strings.Repeat("5", 65) + `"}`), 400},
		{"update unknown user with bad email", "PATCH", "/v1/users/new1", []byte(`{"email":"not an email"}`), 400},
		{"update unknown user with unknown field", "POST", "/v1/users/new1", []byte(`{"mail":"a@example.com"}`), 400},
		{"update unknown user with too many custom keys", "PATCH", "/v1/users/new1", []byte(`{"custom":{` + customKeys(51) + `}}`), 400},
		{"update user id too long", "PATCH", "/v1/users/" + strings.Repeat("u", 256), []byte(`{}`), 400},
		{"update user id with control character", "POST", "/v1/users/a%01b", []byte(`{}`), 400},
		{"unknown scope", "POST", "/v1/users/new1/actions/signIn", []byte(`{"scope":"admin:everything"}`), 400},
		{"foreign redirect", "POST", "/v1/users/new1/actions/signIn", []byte(`{"redirectUrl":"https://evil.example/"}`), 400},
		{"redirect host suffix", "POST", "/v1/users/new1/actions/signIn", []byte(`{"redirectUrl":"http://localhost:8080.evil.example/"}`), 400},
		{"bad idempotency key", "POST", "/v1/users/new1/actions/signIn", []byte(`{"idempotencyKey":"a b"}`), 400},
		{"body over 64 KiB", "POST", "/v1/users/new1/actions/signIn", big, 413},
		{"action code with space", "POST", "/v1/users/new1/actions/bad%20code", nil, 400},
		{"action code too long", "POST", "/v1/users/new1/actions/" + strings.Repeat("a", 65), nil, 400},
		{"user id too long", "POST", "/v1/users/" + strings.Repeat("u", 256) + "/actions/signIn", nil, 400},
		{"user id with control character", "GET", "/v1/users/a%00b", nil, 400},
		{"user id with encoded slash", "GET", "/v1/users/a%2Fb", nil, 400},
		{"user id not UTF-8", "GET", "/v1/users/a%ffb", nil, 400},
		{"limit negative", "GET", "/v1/users?limit=-1", nil, 400},
		{"limit huge", "GET", "/v1/users?limit=99999999999999999999999", nil, 400},
		{"limit not a number", "GET", "/v1/users?limit=ten", nil, 400},
		{"unknown query parameter", "GET", "/v1/users?emial=x", nil, 400},
		{"repeated query parameter", "GET", "/v1/users?email=a&email=b", nil, 400},
		{"fromDate garbage", "GET", "/v1/users/alice/actions?fromDate=yesterday", nil, 400},
		{"unknown state filter", "GET", "/v1/users/alice/actions?state=NOPE", nil, 400},
		{"too many codes", "GET", "/v1/users/alice/actions?codes=" + strings.Repeat("a,", 60) + "a", nil, 400},
		{"bad code in list", "GET", "/v1/users/alice/actions?codes=ok,not%20ok", nil, 400},
		{"unknown state update", "PATCH", "/v1/users/alice/actions/signIn/k1", []byte(`{"state":"DONE"}`), 400},
		{"state in lower case", "PATCH", "/v1/users/alice/actions/signIn/k1", []byte(`{"state":"allow"}`), 400},
		{"state with NUL", "PATCH", "/v1/users/alice/actions/signIn/k1", []byte(`{"state":"ALLOW\u0000"}`), 400},
		{"state not a string", "PATCH", "/v1/users/alice/actions/signIn/k1", []byte(`{"state":1}`), 400},
		{"validate without token", "POST", "/v1/validate", []byte(`{}`), 400},
		{"validate token wrong type", "POST", "/v1/validate", []byte(`{"token":123}`), 400},
		{"enrol unknown method", "POST", "/v1/users/new1/authenticators", []byte(`{"verificationMethod":"CARRIER_PIGEON"}`), 400},
		{"enrol passkey pre-verified", "POST", "/v1/users/new1/authenticators", []byte(`{"verificationMethod":"PASSKEY"}`), 400},
		{"enrol email without email", "POST", "/v1/users/new1/authenticators", []byte(`{"verificationMethod":"EMAIL_OTP"}`), 400},
		{"authenticator id not a UUID", "DELETE", "/v1/users/alice/authenticators/xyz", nil, 404},
		{"unknown action", "GET", "/v1/users/alice/actions/signIn/nope", nil, 404},
		{"unknown endpoint", "GET", "/v1/nothing/here", nil, 404},
	}
	countUsers := func() int {
		users, err := e.Store.QueryUsers(context.Background(), tenant.ID, model.UserQuery{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return len(users)
	}
	usersBefore := countUsers()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.Do(key, tt.method, tt.path, tt.body)
			if res.Status != tt.want {
				t.Fatalf("status = %d, want %d: %s", res.Status, tt.want, res.Body)
			}
			if res.Str("error") == "" || res.Str("errorDescription") == "" {
				t.Errorf("error body lacks error or errorDescription: %s", res.Body)
			}
		})
	}
	if got := countUsers(); got != usersBefore {
		t.Errorf("refused requests wrote users: %d users, want %d", got, usersBefore)
	}
}

func TestContentTypeMustBeJSON(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("T")
	req := httptest.NewRequest("POST", "/v1/users/u/actions/signIn", bytes.NewReader([]byte(`{}`)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(key, "")
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("form-encoded body: status %d, want 400", rec.Code)
	}
}

// fuzzEnvs starts the server for a fuzz target on each database it runs
// on: a new SQLite file always, and PostgreSQL as well when
// UPLIFT_TEST_POSTGRES names a server (or UPLIFT_REQUIRE_POSTGRES=1 wants
// one). Each input goes to every one.
func fuzzEnvs(f *testing.F, o apitest.Options) []*apitest.Env {
	envs := []*apitest.Env{apitest.NewWith(f, o)}
	if os.Getenv("UPLIFT_TEST_POSTGRES") != "" || os.Getenv("UPLIFT_REQUIRE_POSTGRES") == "1" {
		o.DatabaseURL = pgtest.URL(f)
		envs = append(envs, apitest.NewWith(f, o))
	}
	return envs
}

// FuzzTrackBody sends arbitrary bodies to track, on SQLite and PostgreSQL:
// every answer must be a 2xx or a 4xx with a JSON error, never a 500.
func FuzzTrackBody(f *testing.F) {
	envs := fuzzEnvs(f, apitest.Options{})
	keys := make([]string, len(envs))
	for i, e := range envs {
		_, keys[i] = e.Tenant("T")
	}
	for _, seed := range []string{
		`{}`, `{"email":"a@b.co","custom":{"n":1,"b":true,"s":"x"}}`, `{"idempotencyKey":"abc"}`,
		`{"scope":"add:authenticators"}`, `{"redirectUrl":"http://localhost:8080/cb"}`, `null`, `[]`, `"x"`,
		`{"custom":{"a":[1]}}`, `{"email":"\u0000"}`, `{"deviceId":"` + strings.Repeat("d", 200) + `"}`,
		`{"username":"a\u0000","userAgent":"\u001b","ipAddress":"\u0000"}`, "{\"username\":\"\xff\xfe\"}",
		`{"challengeId":"a\u0000"}`, `{"custom":{"\u0000":"x"}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for i, e := range envs {
			res := e.With(t).Do(keys[i], "POST", "/v1/users/fuzz/actions/signIn", body)
			switch {
			case res.Status == http.StatusOK:
				if res.Str("token") == "" {
					t.Fatalf("200 without token: %s", res.Body)
				}
			case res.Status >= 400 && res.Status < 500:
				if res.Str("error") == "" {
					t.Fatalf("%d without error code: %s", res.Status, res.Body)
				}
			default:
				t.Fatalf("status %d for body %q: %s", res.Status, body, res.Body)
			}
		}
	})
}

// customKeys is n distinct "kN":1 members of a JSON object.
func customKeys(n int) string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = `"k` + strconv.Itoa(i) + `":1`
	}
	return strings.Join(keys, ",")
}
