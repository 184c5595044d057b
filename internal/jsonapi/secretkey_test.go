package jsonapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
)

// TestSecretKey sends what a caller or an attacker would to a route behind
// the secret-key wrapper: no credentials, an empty or unknown key, the
// wrong scheme, a key for which the lookup fails, bad text in the path,
// and a good key.
func TestSecretKey(t *testing.T) {
	const good = "sk_good"
	tenant := model.Tenant{ID: "t1", Name: "Acme"}
	var looked []string
	lookup := func(_ context.Context, secret string) (model.Tenant, error) {
		looked = append(looked, secret)
		switch secret {
		case good:
			return tenant, nil
		case "sk_broken":
			return model.Tenant{}, errors.New("database is down")
		}
		return model.Tenant{}, model.Errorf(model.ErrUnauthenticated, "unauthorized", "the secret key is missing or not valid")
	}
	wrap := jsonapi.SecretKey(slog.New(slog.DiscardHandler), lookup)
	mux := http.NewServeMux()
	mux.Handle("GET /v1/users/{userId}", wrap(func(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
		if r.PathValue("userId") == "nobody" {
			return model.NotFound("no such user")
		}
		return jsonapi.Write(w, http.StatusOK, map[string]string{"tenant": t.ID})
	}))

	tests := []struct {
		name       string
		path       string
		auth       func(*http.Request)
		wantStatus int
		wantError  string
		wantLooked []string // the keys looked up
		wantChall  bool     // a WWW-Authenticate challenge
	}{
		{"no credentials", "/v1/users/bo", func(*http.Request) {}, 401, "unauthorized", nil, true},
		{"empty user name", "/v1/users/bo", func(r *http.Request) { r.SetBasicAuth("", "sk_good") }, 401, "unauthorized", nil, true},
		{"bearer, not basic", "/v1/users/bo", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+good) }, 401, "unauthorized", nil, true},
		{"unknown key", "/v1/users/bo", func(r *http.Request) { r.SetBasicAuth("sk_wrong", "") }, 401, "unauthorized", []string{"sk_wrong"}, false},
		{"unknown key, unknown user: 401 before 404", "/v1/users/nobody", func(r *http.Request) { r.SetBasicAuth("sk_wrong", "") }, 401, "unauthorized", []string{"sk_wrong"}, false},
		{"lookup fails", "/v1/users/bo", func(r *http.Request) { r.SetBasicAuth("sk_broken", "") }, 500, "internal_error", []string{"sk_broken"}, false},
		{"bad text in the path, before the key", "/v1/users/a%00b", func(r *http.Request) { r.SetBasicAuth(good, "") }, 400, "", nil, false},
		{"good key, unknown user", "/v1/users/nobody", func(r *http.Request) { r.SetBasicAuth(good, "") }, 404, "not_found", []string{good}, false},
		{"good key", "/v1/users/bo", func(r *http.Request) { r.SetBasicAuth(good, "") }, 200, "", []string{good}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			looked = nil
			req := httptest.NewRequest("GET", tt.path, nil)
			tt.auth(req)
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			var body map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q is not a JSON object: %v", rec.Body, err)
			}
			if rec.Code != tt.wantStatus || (tt.wantError != "" && body["error"] != tt.wantError) {
				t.Errorf("answer = %d %s, want %d %s", rec.Code, rec.Body, tt.wantStatus, tt.wantError)
			}
			// Every refused key reads the same, in Authsignal's words.
			const refused = "The request is unauthorized. Check that your API key and region base URL are correctly configured."
			if tt.wantStatus == 401 && body["errorDescription"] != refused {
				t.Errorf("errorDescription = %q, want %q", body["errorDescription"], refused)
			}
			if got := rec.Header().Get("WWW-Authenticate"); (got != "") != tt.wantChall ||
				(tt.wantChall && got != `Basic realm="uplift"`) {
				t.Errorf("WWW-Authenticate = %q, want a challenge: %v", got, tt.wantChall)
			}
			if len(looked) != len(tt.wantLooked) || (len(looked) > 0 && looked[0] != tt.wantLooked[0]) {
				t.Errorf("keys looked up = %q, want %q", looked, tt.wantLooked)
			}
			if tt.wantStatus == 200 && body["tenant"] != tenant.ID {
				t.Errorf("handler ran for tenant %q, want %q", body["tenant"], tenant.ID)
			}
		})
	}
}
