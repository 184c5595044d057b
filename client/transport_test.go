package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/client"
)

// fakeServer answers every request with handler and counts the requests.
func fakeServer(t *testing.T, handler http.HandlerFunc) (*client.Client, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return client.New(srv.URL+"/v1/", "sk_test", client.WithHTTPClient(srv.Client())), &n
}

func TestRequestShape(t *testing.T) {
	type seen struct {
		Method, RawPath, Query, User, Password, ContentType, Body string
		BasicAuth                                                 bool
	}
	var got seen
	c, _ := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		user, pass, ok := r.BasicAuth()
		got = seen{Method: r.Method, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery, User: user,
			Password: pass, BasicAuth: ok, ContentType: r.Header.Get("Content-Type"), Body: string(b)}
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/actions") && r.Method == http.MethodGet {
			io.WriteString(w, `[]`)
			return
		}
		io.WriteString(w, `{}`)
	})
	ctx := t.Context()
	tests := []struct {
		name string
		call func() error
		want seen
	}{
		{
			name: "track",
			call: func() error {
				_, err := c.Track(ctx, "a b/c", "signIn", client.TrackAttributes{IdempotencyKey: "k", Custom: client.CustomData{"n": 1}})
				return err
			},
			want: seen{Method: "POST", RawPath: "/v1/users/a%20b%2Fc/actions/signIn", ContentType: "application/json",
				Body: `{"idempotencyKey":"k","custom":{"n":1}}`},
		},
		{
			name: "track without attributes",
			call: func() error { _, err := c.Track(ctx, "u", "signIn", client.TrackAttributes{}); return err },
			want: seen{Method: "POST", RawPath: "/v1/users/u/actions/signIn", ContentType: "application/json", Body: `{}`},
		},
		{
			name: "update user",
			call: func() error {
				_, err := c.UpdateUser(ctx, "u", client.UserAttributes{EmailVerified: new(false)})
				return err
			},
			want: seen{Method: "PATCH", RawPath: "/v1/users/u", ContentType: "application/json", Body: `{"emailVerified":false}`},
		},
		{
			name: "query users",
			call: func() error {
				_, err := c.QueryUsers(ctx, client.QueryUsersRequest{Email: "a+b@example.com", Limit: 10, LastEvaluatedUserID: "u 9"})
				return err
			},
			want: seen{Method: "GET", RawPath: "/v1/users", Query: "email=a%2Bb%40example.com&lastEvaluatedUserId=u+9&limit=10"},
		},
		{
			name: "query actions",
			call: func() error {
				_, err := c.QueryActions(ctx, "u", client.QueryActionsRequest{
					FromDate:    time.Date(2026, 1, 31, 10, 0, 0, 0, time.FixedZone("CET", 3600)),
					ActionCodes: []string{"signIn", "withdraw"}, State: client.StateAllow, Limit: 5,
				})
				return err
			},
			want: seen{Method: "GET", RawPath: "/v1/users/u/actions",
				Query: "codes=signIn%2Cwithdraw&fromDate=2026-01-31T09%3A00%3A00Z&limit=5&state=ALLOW"},
		},
		{
			name: "get action",
			call: func() error { _, err := c.GetAction(ctx, "u", "signIn", "k.1"); return err },
			want: seen{Method: "GET", RawPath: "/v1/users/u/actions/signIn/k.1"},
		},
		{
			name: "delete authenticator",
			call: func() error { return c.DeleteAuthenticator(ctx, "u", "a?b") },
			want: seen{Method: "DELETE", RawPath: "/v1/users/u/authenticators/a%3Fb"},
		},
		{
			name: "dot-segment user id",
			call: func() error { _, err := c.GetUser(ctx, ".."); return err },
			want: seen{Method: "GET", RawPath: "/v1/users/%2E%2E"},
		},
		{
			name: "validate",
			call: func() error { _, err := c.Validate(ctx, client.ValidateRequest{Token: "t"}); return err },
			want: seen{Method: "POST", RawPath: "/v1/validate", ContentType: "application/json", Body: `{"token":"t"}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = seen{}
			if err := tt.call(); err != nil {
				t.Fatalf("call: %v", err)
			}
			tt.want.User, tt.want.BasicAuth = "sk_test", true
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("request (-got +want):\n%s", diff)
			}
		})
	}
}

func TestValidateActionCode(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"both", `{"isValid":true,"actionCode":"signIn","action":"signIn"}`, "signIn"},
		{"actionCode only", `{"isValid":true,"actionCode":"signIn"}`, "signIn"},
		{"action only", `{"isValid":true,"action":"signIn"}`, "signIn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := fakeServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, tt.body) })
			got, err := c.Validate(t.Context(), client.ValidateRequest{Token: "t"})
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if diff := cmp.Diff(got, &client.ValidateResponse{IsValid: true, Action: tt.want}); diff != "" {
				t.Errorf("Validate (-got +want):\n%s", diff)
			}
		})
	}
}

func TestErrorBodies(t *testing.T) {
	tests := []struct {
		name   string
		status int
		ctype  string
		body   string
		want   *client.Error
	}{
		{"server JSON", 404, "application/json",
			`{"error":"not_found","errorCode":"not_found","errorDescription":"user not found"}`,
			&client.Error{StatusCode: 404, Code: "not_found", Description: "user not found"}},
		{"error without errorCode", 429, "application/json", `{"error":"too_many_requests"}`,
			&client.Error{StatusCode: 429, Code: "too_many_requests", Description: "Too Many Requests"}},
		{"HTML from a proxy", 502, "text/html", "<html>\n<body>Bad   gateway</body></html>",
			&client.Error{StatusCode: 502, Code: "bad_gateway", Description: "<html> <body>Bad gateway</body></html>"}},
		{"empty body", 503, "", "",
			&client.Error{StatusCode: 503, Code: "service_unavailable", Description: "Service Unavailable"}},
		{"JSON of another shape", 500, "application/json", `{"detail":"x"}`,
			&client.Error{StatusCode: 500, Code: "internal_server_error", Description: "Internal Server Error"}},
		{"unknown status", 599, "text/plain", "oops",
			&client.Error{StatusCode: 599, Code: "http_599", Description: "oops"}},
		{"huge HTML", 502, "text/html", strings.Repeat("x", 2*client.MaxResponseBytes),
			&client.Error{StatusCode: 502, Code: "bad_gateway", Description: strings.Repeat("x", 200) + "…"}},
		{"long text", 500, "text/plain", strings.Repeat("é", 300),
			&client.Error{StatusCode: 500, Code: "internal_server_error", Description: strings.Repeat("é", 100) + "…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, n := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.ctype != "" {
					w.Header().Set("Content-Type", tt.ctype)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			_, err := c.GetUser(t.Context(), "u")
			var got *client.Error
			if !errors.As(err, &got) {
				t.Fatalf("err = %v (%T), want *client.Error", err, err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("error (-got +want):\n%s", diff)
			}
			if n.Load() != 1 {
				t.Errorf("server saw %d requests, want 1 (no retries)", n.Load())
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	err := &client.Error{StatusCode: 404, Code: "not_found", Description: "user not found"}
	if got, want := err.Error(), "uplift: 404 not_found: user not found"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestIsNotFound(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("not found"), false},
		{&client.Error{StatusCode: 404, Code: "not_found"}, true},
		{&client.Error{StatusCode: 400, Code: "invalid_request"}, false},
		{errors.Join(errors.New("loading"), &client.Error{StatusCode: 404}), true},
	}
	for _, tt := range tests {
		if got := client.IsNotFound(tt.err); got != tt.want {
			t.Errorf("IsNotFound(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestResponseTooLarge(t *testing.T) {
	c, _ := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"userId":"`+strings.Repeat("x", client.MaxResponseBytes)+`"}`)
	})
	_, err := c.GetUser(t.Context(), "u")
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("err = %v, want a response-too-large error", err)
	}
}

func TestMalformedResponse(t *testing.T) {
	c, _ := fakeServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"userId":`) })
	_, err := c.GetUser(t.Context(), "u")
	var apiErr *client.Error
	if err == nil || errors.As(err, &apiErr) {
		t.Errorf("err = %v, want a decoding error that is not a *client.Error", err)
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	c := client.New(srv.URL, "sk_test", client.WithTimeout(time.Millisecond))
	_, err := c.QueryUsers(t.Context(), client.QueryUsersRequest{Token: "tok-123"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	if err != nil && strings.Contains(err.Error(), "tok-123") {
		t.Errorf("err = %v, shows the token", err)
	}
}

func TestCanceledContext(t *testing.T) {
	c, n := fakeServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{}`) })
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.GetUser(ctx, "u")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n.Load() != 0 {
		t.Errorf("server saw %d requests, want 0", n.Load())
	}
}
